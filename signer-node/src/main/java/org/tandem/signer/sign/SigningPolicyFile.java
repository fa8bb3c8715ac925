package org.tandem.signer.sign;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandem.keysync.config.YamlFileException;
import org.tandem.keysync.config.YamlFiles;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.signer.SigningException;
import org.tandem.signer.lifecycle.ParentCheck;
import org.tandem.signer.lifecycle.ParentPolicy;
import org.tandem.signer.lifecycle.RolePolicy;
import org.tandem.signer.lifecycle.RolloverPolicy;
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
 * keys:                    # optional: the key lifecycle; without it nothing is rolled
 *   ksk: {algorithm: 13, lifetime: 365d}     # or csk: alone; lifetime 0 = never roll
 *   zsk: {algorithm: 13, lifetime: 90d}
 *   delete-removed: true   # default; false keeps removed keys on the HSMs (signerctl keys delete)
 * propagation-delay: 5m
 * publish-safety: 1h
 * retire-safety: 1h
 * parent: {ds-ttl: 1d, propagation-delay: 1h, check: resolver, resolver: 192.0.2.53:53}
 * </pre>
 *
 * <p>Durations: {@code 90s}, {@code 90m}, {@code 36h}, {@code 14d} or ISO 8601 ({@code P90D},
 * {@code PT12H}). Every error names the file, the key path and the bad value.
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
            "threads",
            "keys",
            "propagation-delay",
            "publish-safety",
            "retire-safety",
            "parent");
    private static final Set<String> ROLE_KEYS = Set.of("algorithm", "lifetime");
    private static final Set<String> PARENT_KEYS = Set.of("ds-ttl", "propagation-delay", "check", "resolver");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([smhd])");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+)(:(\\d{1,5}))?");

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
            RolloverPolicy rollover = rollover(root);
            return new SigningPolicy(
                    validity, refresh, inception, jitter, ttl, denial, nsec3, serial, zonemd, threads, rollover);
        } catch (IllegalArgumentException e) {
            throw new SigningException(file + ": " + e.getMessage(), e);
        }
    }

    private static Duration duration(JsonNode root, String key, Duration fallback) {
        return duration(root, key, key, fallback);
    }

    /** {@code path} names the key in messages ({@code keys.zsk.lifetime}). */
    private static Duration duration(JsonNode node, String key, String path, Duration fallback) {
        if (!node.has(key)) {
            return fallback;
        }
        String text = node.get(key).asText().trim();
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        if (text.length() > 1 && (text.charAt(0) == 'P' || text.charAt(0) == 'p')) {
            try {
                Duration d = Duration.parse(text.toUpperCase(Locale.ROOT));
                if (d.isNegative()) {
                    throw new IllegalArgumentException(path + ": '" + text + "' is negative");
                }
                return d;
            } catch (DateTimeParseException e) {
                throw notADuration(path, text);
            }
        }
        Matcher m = DURATION.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw notADuration(path, text);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private static IllegalArgumentException notADuration(String path, String text) {
        return new IllegalArgumentException(
                path + ": '" + text + "' is not a duration like 90m, 36h, 14d, P90D or PT12H");
    }

    private static RolloverPolicy rollover(JsonNode root) {
        RolloverPolicy d = RolloverPolicy.none();
        List<RolePolicy> roles = new ArrayList<>();
        boolean deleteRemoved = d.deleteRemoved();
        if (root.has("keys") && !root.get("keys").isNull()) {
            JsonNode keys = mapping(root.get("keys"), "keys", Set.of("ksk", "zsk", "csk", "delete-removed"));
            if (keys.has("delete-removed")) {
                JsonNode del = keys.get("delete-removed");
                if (!del.isBoolean()) {
                    throw new IllegalArgumentException(
                            "keys.delete-removed: '" + del.asText() + "' is not true or false");
                }
                deleteRemoved = del.asBoolean();
            }
            for (KeyRole role : List.of(KeyRole.KSK, KeyRole.ZSK, KeyRole.CSK)) {
                String name = role.name().toLowerCase(Locale.ROOT);
                if (keys.has(name)) {
                    roles.add(role(keys.get(name), "keys." + name, role));
                }
            }
            if (roles.isEmpty()) {
                throw new IllegalArgumentException("keys: names no role; expected ksk and zsk, or csk");
            }
        }
        Duration propagation = duration(root, "propagation-delay", d.propagationDelay());
        Duration publishSafety = duration(root, "publish-safety", d.publishSafety());
        Duration retireSafety = duration(root, "retire-safety", d.retireSafety());
        ParentPolicy parent = d.parent();
        if (root.has("parent") && !root.get("parent").isNull()) {
            parent = parent(mapping(root.get("parent"), "parent", PARENT_KEYS), parent);
        }
        try {
            return new RolloverPolicy(roles, propagation, publishSafety, retireSafety, parent, deleteRemoved);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("keys: " + e.getMessage(), e);
        }
    }

    private static RolePolicy role(JsonNode node, String path, KeyRole role) {
        mapping(node, path, ROLE_KEYS);
        if (!node.has("algorithm")) {
            throw new IllegalArgumentException(path + ".algorithm: missing (8, 13, 14 or 15)");
        }
        Algorithm algorithm;
        try {
            algorithm = Algorithm.parse(node.get("algorithm").asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ".algorithm: " + e.getMessage(), e);
        }
        if (!node.has("lifetime")) {
            throw new IllegalArgumentException(path + ".lifetime: missing (a duration such as 90d, or 0: never roll)");
        }
        Duration lifetime = duration(node, "lifetime", path + ".lifetime", Duration.ZERO);
        return new RolePolicy(role, algorithm, lifetime);
    }

    private static ParentPolicy parent(JsonNode node, ParentPolicy d) {
        Duration dsTtl = d.dsTtl();
        if (node.has("ds-ttl")) {
            JsonNode ttl = node.get("ds-ttl");
            dsTtl = ttl.canConvertToLong() && ttl.asLong() >= 0
                    ? Duration.ofSeconds(ttl.asLong())
                    : duration(node, "ds-ttl", "parent.ds-ttl", d.dsTtl());
        }
        Duration propagation = duration(node, "propagation-delay", "parent.propagation-delay", d.propagationDelay());
        ParentCheck check = d.check();
        if (node.has("check")) {
            try {
                check = ParentCheck.parse(node.get("check").asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("parent.check: " + e.getMessage(), e);
            }
        }
        Optional<String> resolver = Optional.empty();
        if (node.has("resolver")) {
            String text = node.get("resolver").asText().trim();
            Matcher m = HOST_PORT.matcher(text);
            if (!m.matches() || (m.group(3) != null && Integer.parseInt(m.group(3)) > 65535)) {
                throw new IllegalArgumentException("parent.resolver: '" + text + "' is not HOST[:PORT]");
            }
            resolver = Optional.of(text);
        }
        try {
            return new ParentPolicy(dsTtl, propagation, check, resolver);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("parent: " + e.getMessage(), e);
        }
    }

    private static JsonNode mapping(JsonNode node, String path, Set<String> allowed) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(path + ": expected a mapping with keys " + new TreeSet<>(allowed));
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new IllegalArgumentException(
                        path + "." + k + ": unknown key; expected one of " + new TreeSet<>(allowed));
            }
        }
        return node;
    }

    private static long number(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (!n.canConvertToLong() || n.asLong() < 0) {
            throw new IllegalArgumentException(key + ": '" + n.asText() + "' is not a non-negative number");
        }
        return n.asLong();
    }
}
