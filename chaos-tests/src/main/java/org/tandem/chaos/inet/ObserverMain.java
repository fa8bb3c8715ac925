package org.tandem.chaos.inet;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * The observer of the "internet" site, a JVM of its own: a prober that asks the validating resolver
 * the given questions in turn and records every answer in {@code OUT/prober.jsonl} ({@link
 * org.tandem.chaos.history.ProberEvent}), and a capturer that polls the authoritative server's SOA and
 * takes every serial it has not seen by AXFR into {@code OUT/published/<zone>/<serial>.zone}, each
 * listed in {@code OUT/captures.jsonl} ({@link org.tandem.chaos.history.CapturedVersion}).
 *
 * <pre>
 * observer --resolver 10.53.9.2:53 --auth 10.53.9.1:53 --zone example.test. \
 *          --queries queries.txt [--interval 200ms] [--timeout 1500ms] --out DIR
 * </pre>
 *
 * <p>Runs until SIGTERM or SIGINT: then both threads stop, the record files are flushed and closed,
 * and the process exits 0. Prints {@code observer started …} to stdout once both threads run; errors
 * (naming the zone, server and serial) go to stderr, one line when a failure starts or changes. Exit
 * codes: 0 stopped by a signal, 1 could not start (queries file, output directory), 2 usage.
 */
@Command(
        name = "observer",
        mixinStandardHelpOptions = true,
        description = "Probes a validating resolver and captures every zone version an authoritative server serves.")
public final class ObserverMain implements Callable<Integer> {
    /** The prober's record file, relative to the output directory. */
    public static final String PROBER = "prober.jsonl";
    /** The capturer's record file, relative to the output directory. */
    public static final String CAPTURES = "captures.jsonl";
    /** The directory of captured zone files, relative to the output directory. */
    public static final String PUBLISHED = "published";

    @Option(
            names = "--resolver",
            required = true,
            converter = AddressConverter.class,
            description = "the validating resolver, IP:PORT")
    InetSocketAddress resolver;

    @Option(
            names = "--auth",
            required = true,
            converter = AddressConverter.class,
            description = "the authoritative server to capture from, IP:PORT")
    InetSocketAddress auth;

    @Option(names = "--zone", required = true, description = "the zone (absolute or not)")
    String zone;

    @Option(names = "--queries", required = true, description = "file with one 'name type' per line")
    Path queries;

    @Option(
            names = "--interval",
            defaultValue = "200ms",
            converter = DurationConverter.class,
            description = "between two queries, and between two SOA polls (default ${DEFAULT-VALUE})")
    Duration interval;

    @Option(
            names = "--timeout",
            defaultValue = "1500ms",
            converter = DurationConverter.class,
            description = "per query and per SOA poll (default ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--out", required = true, description = "directory for prober.jsonl, captures.jsonl, published/")
    Path out;

    private final PrintStream stdout;
    private final PrintStream stderr;

    ObserverMain(PrintStream stdout, PrintStream stderr) {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Runs the observer; returns only on a usage or start error (exit 2 or 1), or after a signal (exit 0). */
    public static void main(String[] args) {
        int rc = new CommandLine(new ObserverMain(System.out, System.err)).execute(args);
        System.exit(rc);
    }

    @Override
    public Integer call() throws InterruptedException {
        Name z;
        try {
            z = Name.fromString(zone, Name.root);
        } catch (TextParseException e) {
            stderr.println("observer: bad zone name " + zone + ": " + e.getMessage());
            return 2;
        }
        if (interval.isZero() || interval.isNegative() || timeout.isZero() || timeout.isNegative()) {
            stderr.println("observer: --interval and --timeout must be positive");
            return 2;
        }
        Observer observer;
        try {
            List<Query> qs = Query.read(queries);
            Files.createDirectories(out);
            observer = new Observer(resolver, auth, z, qs, interval, timeout, out, Clock.systemUTC(), stderr);
        } catch (IOException e) {
            stderr.println("observer: cannot start for zone " + z + ": " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                observer.close();
                                stderr.println("observer stopped");
                            } catch (IOException e) {
                                stderr.println("observer: closing the record files failed: " + e.getMessage());
                            }
                            stdout.flush();
                            stderr.flush();
                            // SIGTERM is the normal end of an observer: exit 0, not the JVM's 143
                            Runtime.getRuntime().halt(0);
                        },
                        "observer-shutdown"));
        observer.start();
        stdout.println("observer started zone=" + z + " resolver=" + AuthServer.knotAddress(resolver) + " auth="
                + AuthServer.knotAddress(auth) + " queries=" + queries + " interval=" + interval.toMillis()
                + "ms timeout="
                + timeout.toMillis() + "ms out=" + out.toAbsolutePath());
        stdout.flush();
        observer.awaitClosed();
        return 0;
    }

    /** {@code IP:PORT}, {@code [IPv6]:PORT}; a literal address, no name lookup. */
    static final class AddressConverter implements ITypeConverter<InetSocketAddress> {
        private static final Pattern FORM = Pattern.compile("\\[?([0-9A-Fa-f:.]+)]?:([0-9]{1,5})");

        @Override
        public InetSocketAddress convert(String value) {
            Matcher m = FORM.matcher(value);
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("not IP:PORT: " + value);
            }
            int port = Integer.parseInt(m.group(2));
            if (port < 1 || port > 65535) {
                throw new CommandLine.TypeConversionException("port out of range: " + value);
            }
            try {
                // a literal: getByName does not look it up
                return new InetSocketAddress(InetAddress.getByName(m.group(1)), port);
            } catch (UnknownHostException e) {
                throw new CommandLine.TypeConversionException("not an IP address: " + value);
            }
        }
    }

    /** {@code 200ms}, {@code 2s}, {@code 1m}, or ISO-8601 ({@code PT0.2S}). */
    static final class DurationConverter implements ITypeConverter<Duration> {
        private static final Pattern FORM = Pattern.compile("([0-9]+)(ms|s|m)");

        @Override
        public Duration convert(String value) {
            Matcher m = FORM.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    default -> Duration.ofMinutes(n);
                };
            }
            try {
                return Duration.parse(value);
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("not a duration (200ms, 2s, PT0.2S): " + value);
            }
        }
    }
}
