package org.tandem.cli.probe;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them on a command line: {@code 3d}, {@code 12h}, {@code 90m}, {@code 5s}. */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("(\\d{1,9})([smhdw])");

    private Durations() {}

    /**
     * Parses {@code 5s}, {@code 90m}, {@code 12h}, {@code 3d} or {@code 2w}.
     *
     * @throws IllegalArgumentException another form; the message names the option and the value
     */
    public static Duration parse(String option, String text) {
        Matcher m = FORM.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    option + " takes a number and a unit s, m, h, d or w (e.g. 3d, 5s), " + "got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }

    /** {@code 3d}, {@code 2d 4h}, {@code 45m}, {@code 12s}; negative as {@code -1d 2h}. */
    static String format(Duration d) {
        String sign = d.isNegative() ? "-" : "";
        long s = Math.abs(d.getSeconds());
        long days = s / 86_400;
        long hours = s % 86_400 / 3600;
        long minutes = s % 3600 / 60;
        if (days > 0) {
            return sign + days + "d" + (hours > 0 ? " " + hours + "h" : "");
        }
        if (hours > 0) {
            return sign + hours + "h" + (minutes > 0 ? " " + minutes + "m" : "");
        }
        if (minutes > 0) {
            return sign + minutes + "m";
        }
        return sign + s + "s";
    }
}
