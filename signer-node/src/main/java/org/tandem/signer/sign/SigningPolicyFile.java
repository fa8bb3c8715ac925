package org.tandem.signer.sign;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandem.keysync.config.YamlFileException;
import org.tandem.keysync.config.YamlFiles;
import org.tandem.signer.SigningException;
import org.tandem.signer.nsec.Nsec3Parameters;

/**
 * A signing policy file ({@code signerctl sign --policy FILE}); every key is optional and falls
 * back to {@link SigningPolicy#defaults()}:
 *
 * <pre>
 * validity: 14d            # durations: 90s, 90m, 36h, 14d
 * refresh: 7d
 * inception-offset: 90m
 * jitter: 1d
 * dnskey-ttl: 3600
 * denial: nsec3            # nsec | nsec3 (iterations 0, empty salt: RFC 9276)
 * opt-out: true            # with nsec3
 * serial: dateserial       # increment | unixtime | dateserial
 * zonemd: true
 * threads: 2
 * </pre>
 */
public final class SigningPolicyFile {
    private static final Set<String> KEYS = Set.of(
            "validity",
            "refresh",
            "inception-offset",
            "jitter",
            "dnskey-ttl",
            "denial",
            "opt-out",
            "serial",
            "zonemd",
            "threads");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([smhd])");

    private SigningPolicyFile() {}

    public static SigningPolicy load(Path file) throws SigningException {
        JsonNode root;
        try {
            root = YamlFiles.read(file);
        } catch (YamlFileException e) {
            throw new SigningException(e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return SigningPolicy.defaults();
        }
        if (!root.isObject()) {
            throw new SigningException(file + ": expected a mapping of policy keys " + KEYS);
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw new SigningException(file + ": " + k + ": unknown key; expected one of " + KEYS);
            }
        }
        SigningPolicy d = SigningPolicy.defaults();
        try {
            Duration validity = duration(root, "validity", d.validity());
            Duration refresh = duration(root, "refresh", d.refresh());
            Duration inception = duration(root, "inception-offset", d.inceptionOffset());
            Duration jitter = duration(root, "jitter", d.jitter());
            long ttl = root.has("dnskey-ttl") ? number(root, "dnskey-ttl") : d.dnskeyTtl();
            Denial denial = root.has("denial")
                    ? Denial.valueOf(root.get("denial").asText().trim().toUpperCase(Locale.ROOT))
                    : d.denial();
            boolean optOut = root.has("opt-out") && root.get("opt-out").asBoolean();
            if (optOut && denial != Denial.NSEC3) {
                throw new IllegalArgumentException("opt-out: needs denial: nsec3");
            }
            Nsec3Parameters nsec3 = d.nsec3().withOptOut(optOut);
            SerialPolicy serial = root.has("serial")
                    ? SerialPolicy.valueOf(root.get("serial").asText().trim().toUpperCase(Locale.ROOT))
                    : d.serial();
            boolean zonemd = root.has("zonemd") ? root.get("zonemd").asBoolean() : d.zonemd();
            int threads = root.has("threads") ? (int) number(root, "threads") : d.threads();
            return new SigningPolicy(validity, refresh, inception, jitter, ttl, denial, nsec3, serial, zonemd, threads);
        } catch (IllegalArgumentException e) {
            throw new SigningException(file + ": " + e.getMessage(), e);
        }
    }

    private static Duration duration(JsonNode root, String key, Duration fallback) {
        if (!root.has(key)) {
            return fallback;
        }
        Matcher m = DURATION.matcher(root.get(key).asText().trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    key + ": '" + root.get(key).asText() + "' is not a duration like 90m, 36h or 14d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private static long number(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (!n.canConvertToLong() || n.asLong() < 0) {
            throw new IllegalArgumentException(key + ": '" + n.asText() + "' is not a non-negative number");
        }
        return n.asLong();
    }
}
