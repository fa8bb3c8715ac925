package org.tandem.coordinator.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandem.keysync.config.YamlFileException;
import org.tandem.keysync.config.YamlFiles;
import org.tandem.keysync.manifest.ZooKeeperLayout;

/**
 * The coordinator's configuration, {@code coordinator.yaml}:
 *
 * <pre>
 * coordinator: {name: coordinator}
 * nodes:
 *   - {name: node-a, site: dc1, endpoint: "127.0.0.1:7443"}
 *   - {name: node-b, site: dc2, endpoint: "127.0.0.1:7444"}
 * zookeeper: {connect: "127.0.0.1:2281", root: /tandem,
 *             tls: {ca: tls/ca.crt, cert: tls/coordinator.crt, key: tls/coordinator.key}}
 *             # or, for a lab only: insecure-plaintext: true
 * grpc: {listen: "127.0.0.1:7500"}
 * metrics: {listen: "127.0.0.1:9103"}   # /metrics and /health, plain HTTP: loopback or a management network
 * tls: {ca: tls/ca.crt, cert: tls/coordinator.crt, key: tls/coordinator.key}
 * audit-log: coordinator-audit.jsonl
 * preflight: {min-expiry-after-takeover: 1d, wait-for-publish: 120s}
 * </pre>
 *
 * <p>Relative paths are taken from the file's directory. {@link #load} refuses unknown keys, missing
 * required keys and bad values with {@code <file>: <key path>: <reason>} before anything starts.
 * Defaults: {@code coordinator.name} "coordinator", {@code zookeeper.root} "/tandem", {@code grpc.listen}
 * "127.0.0.1:7500", {@code metrics.listen} "127.0.0.1:9103", {@code audit-log} "coordinator-audit.jsonl",
 * {@code preflight} 1d / 120s, {@code
 * zookeeper.session-timeout} 30s.
 */
public record CoordinatorConfig(
        String name,
        List<NodeEndpoint> nodes,
        String zookeeperConnect,
        String zookeeperRoot,
        Duration zookeeperSessionTimeout,
        Optional<TlsFiles> zookeeperTls,
        String listenHost,
        int listenPort,
        String metricsHost,
        int metricsPort,
        TlsFiles tls,
        Path auditLog,
        Duration minExpiryAfterTakeover,
        Duration waitForPublish,
        Path file) {

    /** The metrics port on 127.0.0.1 when {@code metrics} is not configured. */
    public static final int DEFAULT_METRICS_PORT = 9103;

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    public CoordinatorConfig {
        Objects.requireNonNull(name, "name");
        nodes = List.copyOf(nodes);
        Objects.requireNonNull(zookeeperConnect, "zookeeperConnect");
        Objects.requireNonNull(zookeeperRoot, "zookeeperRoot");
        Objects.requireNonNull(zookeeperSessionTimeout, "zookeeperSessionTimeout");
        Objects.requireNonNull(zookeeperTls, "zookeeperTls");
        Objects.requireNonNull(listenHost, "listenHost");
        Objects.requireNonNull(metricsHost, "metricsHost");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(auditLog, "auditLog");
        Objects.requireNonNull(minExpiryAfterTakeover, "minExpiryAfterTakeover");
        Objects.requireNonNull(waitForPublish, "waitForPublish");
        Objects.requireNonNull(file, "file");
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("at least one node");
        }
    }

    /** The configured node of that name. */
    public Optional<NodeEndpoint> node(String nodeName) {
        return nodes.stream().filter(n -> n.name().equals(nodeName)).findFirst();
    }

    /** What was loaded, for {@code --check} and the start log. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append("coordinator ").append(name).append(" (").append(file).append(")\n");
        for (NodeEndpoint n : nodes) {
            b.append("  node ")
                    .append(n.name())
                    .append(" site ")
                    .append(n.site())
                    .append(" at ")
                    .append(n.endpoint())
                    .append('\n');
        }
        b.append("  zookeeper ")
                .append(zookeeperConnect)
                .append(" root ")
                .append(zookeeperRoot)
                .append(zookeeperTls
                        .map(t -> " TLS " + t.certificate())
                        .orElse(" INSECURE PLAINTEXT (no TLS, no authentication)"))
                .append('\n');
        b.append("  gRPC listen ")
                .append(listenHost)
                .append(':')
                .append(listenPort)
                .append('\n');
        b.append("  metrics listen ")
                .append(metricsHost)
                .append(':')
                .append(metricsPort)
                .append('\n');
        b.append("  tls ca ")
                .append(tls.ca())
                .append(" cert ")
                .append(tls.certificate())
                .append(" key ")
                .append(tls.key())
                .append('\n');
        b.append("  audit log ").append(auditLog).append('\n');
        b.append("  preflight min-expiry-after-takeover ")
                .append(minExpiryAfterTakeover)
                .append(", wait-for-publish ")
                .append(waitForPublish)
                .append('\n');
        return b.toString();
    }

    /**
     * Reads and checks {@code coordinator.yaml}. TLS files must exist and be readable (their content
     * is checked when the server starts).
     *
     * @throws CoordinatorConfigException naming the file, the key path and the reason
     */
    public static CoordinatorConfig load(Path file) throws CoordinatorConfigException {
        Objects.requireNonNull(file, "file");
        Path abs = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) {
            throw new CoordinatorConfigException(abs, "", "no such file");
        }
        JsonNode root;
        try {
            root = YamlFiles.read(abs);
        } catch (YamlFileException e) {
            throw new CoordinatorConfigException(abs, "", e.problem(), e);
        }
        return new Reader(abs).read(root);
    }

    /** Parses {@code 500ms}, {@code 120s}, {@code 5m}, {@code 2h}, {@code 1d}. */
    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 500ms, 120s, 5m, 2h, 1d)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private static final class Reader {
        private final Path file;
        private final Path dir;

        Reader(Path file) {
            this.file = file;
            this.dir = file.getParent();
        }

        CoordinatorConfig read(JsonNode root) throws CoordinatorConfigException {
            if (root == null || root.isMissingNode() || root.isNull()) {
                throw fail("", "empty file");
            }
            object(root, "");
            known(
                    root,
                    "",
                    Set.of("coordinator", "nodes", "zookeeper", "grpc", "metrics", "tls", "audit-log", "preflight"));
            String name = "coordinator";
            if (root.has("coordinator")) {
                JsonNode c = object(root.get("coordinator"), "coordinator");
                known(c, "coordinator", Set.of("name"));
                name = text(c, "coordinator", "name", "coordinator");
            }
            List<NodeEndpoint> nodes = nodes(root.get("nodes"));
            JsonNode zk = required(root, "", "zookeeper");
            object(zk, "zookeeper");
            known(zk, "zookeeper", Set.of("connect", "root", "session-timeout", "tls", "insecure-plaintext"));
            String connect = requiredText(zk, "zookeeper", "connect");
            String zkRoot = text(zk, "zookeeper", "root", ZooKeeperLayout.DEFAULT_ROOT);
            if (!zkRoot.startsWith("/") || (zkRoot.length() > 1 && zkRoot.endsWith("/"))) {
                throw fail(
                        "zookeeper.root", "'" + zkRoot + "' is not an absolute ZooKeeper path without a trailing '/'");
            }
            if (zkRoot.equals("/zookeeper") || zkRoot.startsWith("/zookeeper/")) {
                throw fail("zookeeper.root", "/zookeeper is reserved by ZooKeeper");
            }
            Duration session = duration(zk, "zookeeper", "session-timeout", "30s");
            boolean plaintext = false;
            if (zk.has("insecure-plaintext")) {
                JsonNode p = zk.get("insecure-plaintext");
                if (!p.isBoolean()) {
                    throw fail("zookeeper.insecure-plaintext", "expected true or false");
                }
                plaintext = p.booleanValue();
            }
            Optional<TlsFiles> zkTls;
            if (zk.has("tls") && !zk.get("tls").isNull()) {
                if (plaintext) {
                    throw fail(
                            "zookeeper.insecure-plaintext",
                            "true together with zookeeper.tls; remove one (TLS is" + " the secure choice)");
                }
                JsonNode zt = object(zk.get("tls"), "zookeeper.tls");
                known(zt, "zookeeper.tls", Set.of("ca", "cert", "key"));
                zkTls = Optional.of(new TlsFiles(
                        readable(zt, "zookeeper.tls", "ca"),
                        readable(zt, "zookeeper.tls", "cert"),
                        readable(zt, "zookeeper.tls", "key")));
            } else if (plaintext) {
                zkTls = Optional.empty();
            } else {
                throw fail(
                        "zookeeper.tls",
                        "missing: ZooKeeper needs TLS with the coordinator's certificate of the cluster CA "
                                + "(OU=coordinator): zookeeper.tls: {ca, cert, key}. Only for a lab whose ZooKeeper "
                                + "nobody else can reach: zookeeper.insecure-plaintext: true");
            }
            String listen = "127.0.0.1:7500";
            if (root.has("grpc")) {
                JsonNode g = object(root.get("grpc"), "grpc");
                known(g, "grpc", Set.of("listen"));
                listen = text(g, "grpc", "listen", listen);
            }
            HostPort hp = hostPort(listen, "grpc.listen", true);
            String metricsListen = "127.0.0.1:" + DEFAULT_METRICS_PORT;
            if (root.has("metrics")) {
                JsonNode m = object(root.get("metrics"), "metrics");
                known(m, "metrics", Set.of("listen"));
                metricsListen = text(m, "metrics", "listen", metricsListen);
            }
            HostPort metrics = hostPort(metricsListen, "metrics.listen", true);
            JsonNode t = required(root, "", "tls");
            object(t, "tls");
            known(t, "tls", Set.of("ca", "cert", "key"));
            TlsFiles tls =
                    new TlsFiles(readable(t, "tls", "ca"), readable(t, "tls", "cert"), readable(t, "tls", "key"));
            Path audit = dir.resolve(
                            root.has("audit-log")
                                    ? scalar(root.get("audit-log"), "audit-log")
                                    : "coordinator-audit.jsonl")
                    .normalize();
            if (Files.isDirectory(audit)) {
                throw fail("audit-log", audit + " is a directory");
            }
            Path auditDir = audit.getParent();
            if (auditDir != null && !Files.isDirectory(auditDir)) {
                throw fail("audit-log", "directory " + auditDir + " does not exist");
            }
            Duration minExpiry = Duration.ofDays(1);
            Duration wait = Duration.ofSeconds(120);
            if (root.has("preflight")) {
                JsonNode p = object(root.get("preflight"), "preflight");
                known(p, "preflight", Set.of("min-expiry-after-takeover", "wait-for-publish"));
                minExpiry = duration(p, "preflight", "min-expiry-after-takeover", "1d");
                wait = duration(p, "preflight", "wait-for-publish", "120s");
                if (wait.isZero()) {
                    throw fail("preflight.wait-for-publish", "must be positive");
                }
            }
            return new CoordinatorConfig(
                    name,
                    nodes,
                    connect,
                    zkRoot,
                    session,
                    zkTls,
                    hp.host(),
                    hp.port(),
                    metrics.host(),
                    metrics.port(),
                    tls,
                    audit,
                    minExpiry,
                    wait,
                    file);
        }

        private List<NodeEndpoint> nodes(JsonNode n) throws CoordinatorConfigException {
            if (n == null || n.isNull()) {
                throw fail("nodes", "required: the signer nodes, at least two");
            }
            if (!n.isArray()) {
                throw fail("nodes", "must be a list of {name, site, endpoint}");
            }
            if (n.size() < 2) {
                throw fail("nodes", "needs at least two nodes (an active and a standby), has " + n.size());
            }
            List<NodeEndpoint> out = new ArrayList<>();
            Set<String> names = new HashSet<>();
            Set<String> endpoints = new HashSet<>();
            for (int i = 0; i < n.size(); i++) {
                String path = "nodes[" + i + "]";
                JsonNode e = object(n.get(i), path);
                known(e, path, Set.of("name", "site", "endpoint"));
                String name = requiredText(e, path, "name");
                String site = requiredText(e, path, "site");
                HostPort hp = hostPort(requiredText(e, path, "endpoint"), path + ".endpoint", false);
                if (!names.add(name)) {
                    throw fail(path + ".name", "node '" + name + "' is listed twice");
                }
                NodeEndpoint endpoint = new NodeEndpoint(name, site, hp.host(), hp.port());
                if (!endpoints.add(endpoint.endpoint())) {
                    throw fail(path + ".endpoint", "endpoint " + endpoint.endpoint() + " is listed twice");
                }
                out.add(endpoint);
            }
            return out;
        }

        private HostPort hostPort(String text, String path, boolean allowZero) throws CoordinatorConfigException {
            URI uri;
            try {
                uri = new URI("tcp://" + text);
            } catch (URISyntaxException e) {
                throw fail(path, "'" + text + "' is not host:port");
            }
            if (uri.getHost() == null
                    || uri.getPort() < 0
                    || uri.getPath() != null && !uri.getPath().isEmpty()) {
                throw fail(path, "'" + text + "' is not host:port");
            }
            if (uri.getPort() > 65_535 || (!allowZero && uri.getPort() == 0)) {
                throw fail(path, "port " + uri.getPort() + " is out of range (1..65535)");
            }
            String host = uri.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new HostPort(host, uri.getPort());
        }

        private Path readable(JsonNode parent, String path, String key) throws CoordinatorConfigException {
            String value = requiredText(parent, path, key);
            Path p = dir.resolve(value).normalize();
            if (!Files.isRegularFile(p)) {
                throw fail(path + "." + key, "file " + p + " does not exist");
            }
            if (!Files.isReadable(p)) {
                throw fail(path + "." + key, "file " + p + " is not readable by this process");
            }
            return p;
        }

        private Duration duration(JsonNode parent, String path, String key, String dflt)
                throws CoordinatorConfigException {
            String text = text(parent, path, key, dflt);
            try {
                return parseDuration(text);
            } catch (IllegalArgumentException e) {
                throw fail(join(path, key), e.getMessage());
            }
        }

        private JsonNode required(JsonNode parent, String path, String key) throws CoordinatorConfigException {
            JsonNode v = parent.get(key);
            if (v == null || v.isNull()) {
                throw fail(join(path, key), "required");
            }
            return v;
        }

        private String requiredText(JsonNode parent, String path, String key) throws CoordinatorConfigException {
            String s = scalar(required(parent, path, key), join(path, key));
            if (s.isBlank()) {
                throw fail(join(path, key), "must not be empty");
            }
            return s;
        }

        private String text(JsonNode parent, String path, String key, String dflt) throws CoordinatorConfigException {
            JsonNode v = parent.get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            String s = scalar(v, join(path, key));
            if (s.isBlank()) {
                throw fail(join(path, key), "must not be empty");
            }
            return s;
        }

        private String scalar(JsonNode v, String path) throws CoordinatorConfigException {
            if (!v.isValueNode()) {
                throw fail(path, "must be a single value, not " + (v.isArray() ? "a list" : "a mapping"));
            }
            return v.asText();
        }

        private JsonNode object(JsonNode v, String path) throws CoordinatorConfigException {
            if (v == null || !v.isObject()) {
                throw fail(path, "must be a mapping");
            }
            return v;
        }

        private void known(JsonNode v, String path, Set<String> keys) throws CoordinatorConfigException {
            for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!keys.contains(k)) {
                    throw fail(join(path, k), "unknown key (known: " + String.join(", ", new TreeSet<>(keys)) + ")");
                }
            }
        }

        private static String join(String path, String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        private CoordinatorConfigException fail(String path, String reason) {
            return new CoordinatorConfigException(file, path, reason);
        }
    }

    private record HostPort(String host, int port) {}
}
