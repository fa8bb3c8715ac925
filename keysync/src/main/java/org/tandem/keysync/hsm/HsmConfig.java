package org.tandem.keysync.hsm;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.tandem.keysync.config.YamlFileException;
import org.tandem.keysync.config.YamlFiles;

/**
 * The HSM configuration file ({@code --hsm-config}):
 *
 * <pre>
 * hsms:
 *   - name: dc1-hsm1
 *     library: /usr/lib/softhsm/libsofthsm2.so
 *     token-label: dc1-hsm1
 *     pin-file: /etc/tandem/dc1-hsm1.pin
 *     so-pin-file: /etc/tandem/dc1-hsm1.so-pin   # optional: only for the KEK ceremonies (kek init, kek enrol)
 *     sessions: 4                     # optional, default 4
 * zookeeper: 10.0.0.1:2181,10.0.1.1:2181,10.0.2.1:2181   # optional: where key manifests live
 * zookeeper-root: /tandem             # optional
 * zookeeper-tls: {ca: ca.crt, cert: operator.crt, key: operator.key}   # signerctl's ZooKeeper TLS (OU=operator)
 * zookeeper-insecure-plaintext: false # true only for a lab: no TLS, no authentication, open ACLs
 * audit-log: /var/lib/tandem/audit.jsonl                  # optional; default: beside this file
 * </pre>
 *
 * Relative paths are taken from the directory of the file. PINs come only from files.
 */
public record HsmConfig(
        Path source,
        List<HsmSpec> hsms,
        Optional<String> zookeeper,
        String zookeeperRoot,
        Path auditLog,
        Optional<ZooKeeperTls> zookeeperTls,
        boolean zookeeperInsecurePlaintext) {
    private static final Set<String> TOP_KEYS =
            Set.of("hsms", "zookeeper", "zookeeper-root", "audit-log", "zookeeper-tls", "zookeeper-insecure-plaintext");
    private static final Set<String> TLS_KEYS = Set.of("ca", "cert", "key");

    /**
     * The TLS files {@code signerctl} reaches ZooKeeper with ({@code zookeeper-tls}): the cluster CA, a
     * certificate of it whose {@code OU} is the caller's role ({@code operator}), its PKCS#8 key.
     */
    public record ZooKeeperTls(Path ca, Path cert, Path key) {
        public ZooKeeperTls {
            Objects.requireNonNull(ca, "ca");
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
        }
    }

    /** A configuration without ZooKeeper TLS settings. */
    public HsmConfig(Path source, List<HsmSpec> hsms, Optional<String> zookeeper, String zookeeperRoot, Path auditLog) {
        this(source, hsms, zookeeper, zookeeperRoot, auditLog, Optional.empty(), false);
    }

    private static final Set<String> HSM_KEYS =
            Set.of("name", "library", "token-label", "pin-file", "so-pin-file", "sessions");

    public HsmConfig {
        Objects.requireNonNull(source, "source");
        hsms = List.copyOf(hsms);
        Objects.requireNonNull(zookeeper, "zookeeper");
        Objects.requireNonNull(zookeeperRoot, "zookeeperRoot");
        Objects.requireNonNull(auditLog, "auditLog");
        Objects.requireNonNull(zookeeperTls, "zookeeperTls");
        if (hsms.isEmpty()) {
            throw new IllegalArgumentException("no HSMs configured in " + source);
        }
    }

    /** The HSM with that name; the message lists the configured names when there is none. */
    public HsmSpec hsm(String name) throws HsmConfigException {
        for (HsmSpec s : hsms) {
            if (s.name().name().equals(name)) {
                return s;
            }
        }
        throw new HsmConfigException(
                source,
                "",
                "no HSM named '" + name + "' (configured: "
                        + String.join(
                                ", ", hsms.stream().map(s -> s.name().name()).toList()) + ")");
    }

    public static HsmConfig load(Path file) throws HsmConfigException {
        Objects.requireNonNull(file, "file");
        Path abs = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) {
            throw new HsmConfigException(abs, "", "HSM configuration file not found");
        }
        JsonNode root;
        try {
            root = YamlFiles.read(abs);
        } catch (YamlFileException e) {
            throw new HsmConfigException(abs, e.problem(), e);
        }
        if (root == null || !root.isObject()) {
            throw new HsmConfigException(abs, "", "expected a mapping with a 'hsms' list");
        }
        checkKeys(abs, "", root, TOP_KEYS);
        Path dir = abs.getParent();
        JsonNode list = root.get("hsms");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new HsmConfigException(abs, "hsms", "missing or empty: list at least one HSM");
        }
        List<HsmSpec> specs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> labels = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "hsms[" + i + "]";
            JsonNode n = list.get(i);
            if (!n.isObject()) {
                throw new HsmConfigException(abs, at, "expected a mapping with name, library, token-label, pin-file");
            }
            checkKeys(abs, at + ".", n, HSM_KEYS);
            String name = text(abs, at + ".name", n.get("name"));
            if (!names.add(name)) {
                throw new HsmConfigException(abs, at + ".name", "duplicate HSM name '" + name + "'");
            }
            String library = text(abs, at + ".library", n.get("library"));
            String label = text(abs, at + ".token-label", n.get("token-label"));
            if (label.length() > 32) {
                throw new HsmConfigException(abs, at + ".token-label", "longer than 32 characters (PKCS#11 limit)");
            }
            if (!labels.add(library + "\u0000" + label)) {
                throw new HsmConfigException(abs, at + ".token-label", "token '" + label + "' is configured twice");
            }
            String pin = text(abs, at + ".pin-file", n.get("pin-file"));
            int sessions = 4;
            JsonNode s = n.get("sessions");
            if (s != null) {
                if (!s.canConvertToInt() || s.asInt() < 1 || s.asInt() > 64) {
                    throw new HsmConfigException(abs, at + ".sessions", "must be a number from 1 to 64");
                }
                sessions = s.asInt();
            }
            Optional<Path> soPin = Optional.empty();
            if (n.get("so-pin-file") != null) {
                soPin = Optional.of(dir.resolve(text(abs, at + ".so-pin-file", n.get("so-pin-file"))));
            }
            specs.add(new HsmSpec(new HsmId(name), dir.resolve(library), label, dir.resolve(pin), sessions, soPin));
        }
        Optional<String> zk =
                Optional.ofNullable(root.get("zookeeper")).map(JsonNode::asText).filter(t -> !t.isBlank());
        String zkRoot = Optional.ofNullable(root.get("zookeeper-root"))
                .map(JsonNode::asText)
                .orElse("/tandem");
        if (!zkRoot.startsWith("/") || zkRoot.length() > 1 && zkRoot.endsWith("/")) {
            throw new HsmConfigException(abs, "zookeeper-root", "must be an absolute ZooKeeper path like /tandem");
        }
        Path audit = Optional.ofNullable(root.get("audit-log"))
                .map(JsonNode::asText)
                .map(dir::resolve)
                .orElse(dir.resolve("audit.jsonl"));
        Optional<ZooKeeperTls> zkTls = Optional.empty();
        JsonNode t = root.get("zookeeper-tls");
        if (t != null && !t.isNull()) {
            if (!t.isObject()) {
                throw new HsmConfigException(abs, "zookeeper-tls", "expected a mapping with ca, cert, key");
            }
            checkKeys(abs, "zookeeper-tls.", t, TLS_KEYS);
            zkTls = Optional.of(new ZooKeeperTls(
                    dir.resolve(text(abs, "zookeeper-tls.ca", t.get("ca"))),
                    dir.resolve(text(abs, "zookeeper-tls.cert", t.get("cert"))),
                    dir.resolve(text(abs, "zookeeper-tls.key", t.get("key")))));
        }
        boolean plaintext = false;
        JsonNode p = root.get("zookeeper-insecure-plaintext");
        if (p != null && !p.isNull()) {
            if (!p.isBoolean()) {
                throw new HsmConfigException(abs, "zookeeper-insecure-plaintext", "expected true or false");
            }
            plaintext = p.booleanValue();
        }
        if (plaintext && zkTls.isPresent()) {
            throw new HsmConfigException(
                    abs,
                    "zookeeper-insecure-plaintext",
                    "true together with zookeeper-tls; remove one (TLS is the secure choice)");
        }
        return new HsmConfig(abs, specs, zk, zkRoot, audit, zkTls, plaintext);
    }

    private static void checkKeys(Path file, String prefix, JsonNode node, Set<String> allowed)
            throws HsmConfigException {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                String hint = key.equals("pin") || key.equals("so-pin")
                        ? " (PINs are read only from files: use pin-file / so-pin-file)"
                        : "";
                throw new HsmConfigException(file, prefix + key, "unknown key" + hint + "; expected one of " + allowed);
            }
        }
    }

    private static String text(Path file, String at, JsonNode n) throws HsmConfigException {
        if (n == null || n.isNull() || n.asText().isBlank()) {
            throw new HsmConfigException(file, at, "missing");
        }
        if (!n.isValueNode()) {
            throw new HsmConfigException(file, at, "expected a single value");
        }
        return n.asText().trim();
    }
}
