package org.tandem.signer.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
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
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.grpc.TlsMaterialException;
import org.tandem.keysync.hsm.HsmConfig;
import org.tandem.keysync.hsm.HsmConfigException;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;
import org.tandem.signer.election.HistoryRetention;
import org.tandem.signer.publish.Cidr;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.sign.SigningPolicyFile;
import org.tandem.signer.zone.ZoneLimits;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * Reads {@code node.yaml} into a {@link NodeConfig}, checking everything on the way and failing on
 * the first problem with its key path. One instance per load; not thread-safe.
 */
final class NodeConfigLoader {
    private static final Set<String> TOP = Set.of(
            "node",
            "hsm-config",
            "hsms",
            "zones",
            "zookeeper",
            "publish",
            "resign",
            "clock",
            "grpc",
            "metrics",
            "tls",
            "peers",
            "zone-limits",
            "watchdog");
    private static final Set<String> WATCHDOG = Set.of("interval", "warn", "critical", "secondaries");
    private static final Set<String> SECONDARY = Set.of("name", "address", "tsig");
    private static final Set<String> ZONE_LIMITS =
            Set.of("max-file-size", "max-include-size", "max-records", "max-generate-records");
    private static final Set<String> PEER = Set.of("name", "endpoint");
    private static final Set<String> CLOCK = Set.of("max-skew");
    private static final Set<String> RESIGN = Set.of("floor", "debounce");
    private static final Set<String> NODE = Set.of("name", "site");
    private static final Set<String> ZONE = Set.of("name", "source", "policy", "output-dir");
    private static final Set<String> ZOOKEEPER =
            Set.of("connect", "session-timeout", "root", "tls", "insecure-plaintext", "history-window", "history-keep");
    private static final Set<String> PUBLISH = Set.of("directory", "transfer");
    private static final Set<String> TRANSFER = Set.of("listen", "notify", "allow", "tsig");
    private static final Set<String> TSIG = Set.of("name", "algorithm", "secret-file");
    private static final Set<String> LISTEN = Set.of("listen");
    private static final Set<String> TLS = Set.of("ca", "cert", "key");
    /** The metrics port on 127.0.0.1 when {@code metrics} is not configured. */
    static final int DEFAULT_METRICS_PORT = 9102;

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)");

    private final Path file;
    private final Path dir;

    NodeConfigLoader(Path file) {
        this.file = file;
        this.dir = file.toAbsolutePath().normalize().getParent();
    }

    NodeConfig load() throws NodeConfigException {
        if (!Files.isRegularFile(file)) {
            throw fail(
                    "", "configuration file not found (" + file.toAbsolutePath().normalize() + ")");
        }
        JsonNode root;
        try {
            root = YamlFiles.read(file);
        } catch (YamlFileException e) {
            throw new NodeConfigException(file, "", e.problem(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw fail("", "empty; expected a mapping with " + new TreeSet<>(TOP));
        }
        mapping("", root, TOP);

        JsonNode node = required("node", root.get("node"));
        mapping("node", node, NODE);
        String name = name("node.name", node.get("name"));
        String site = name("node.site", node.get("site"));

        ZooKeeperConfig zookeeper = zookeeper(required("zookeeper", root.get("zookeeper")));
        HsmConfig hsmConfig = hsmConfig(root.get("hsm-config"), zookeeper);
        List<HsmSpec> hsms = hsms(root.get("hsms"), hsmConfig);
        PublishConfig publish = publish(required("publish", root.get("publish")));
        ZoneLimits zoneLimits = zoneLimits(root.get("zone-limits"));
        List<ZoneConfig> zones = zones(required("zones", root.get("zones")), publish.directory(), zoneLimits);
        ResignConfig resign = resign(root.get("resign"), zones);
        ClockConfig clock = clock(root.get("clock"));
        Endpoint grpc = listen("grpc", required("grpc", root.get("grpc")));
        // plain HTTP without authentication: the loopback unless the operator says otherwise
        Endpoint metrics = root.get("metrics") == null || root.get("metrics").isNull()
                ? new Endpoint("127.0.0.1", DEFAULT_METRICS_PORT)
                : listen("metrics", root.get("metrics"));
        if (grpc.port() != 0 && grpc.equals(metrics)) {
            throw fail("metrics.listen", "same address as grpc.listen (" + grpc + ")");
        }
        TlsMaterial tls = tls(required("tls", root.get("tls")));
        List<PeerConfig> peers = peers(root.get("peers"), name);
        WatchdogConfig watchdog = watchdog(root.get("watchdog"));
        return new NodeConfig(
                file.toAbsolutePath().normalize(),
                name,
                site,
                hsmConfig,
                hsms,
                zones,
                zookeeper,
                publish,
                resign,
                clock,
                grpc,
                metrics,
                tls,
                peers,
                watchdog);
    }

    private WatchdogConfig watchdog(JsonNode n) throws NodeConfigException {
        if (n == null || n.isNull()) {
            return WatchdogConfig.defaults();
        }
        mapping("watchdog", n, WATCHDOG);
        Duration interval =
                n.has("interval") ? duration("watchdog.interval", n.get("interval")) : WatchdogConfig.DEFAULT_INTERVAL;
        if (interval.isZero()) {
            throw fail("watchdog.interval", "must be positive, got " + NodeConfig.human(interval));
        }
        Duration warn = n.has("warn") ? duration("watchdog.warn", n.get("warn")) : WatchdogConfig.DEFAULT_WARN;
        Duration critical =
                n.has("critical") ? duration("watchdog.critical", n.get("critical")) : WatchdogConfig.DEFAULT_CRITICAL;
        if (critical.isZero()) {
            throw fail("watchdog.critical", "must be positive, got " + NodeConfig.human(critical));
        }
        if (critical.compareTo(warn) >= 0) {
            throw fail(
                    "watchdog.critical",
                    NodeConfig.human(critical) + " is not shorter than watchdog.warn " + NodeConfig.human(warn)
                            + "; CRITICAL must come after WARNING as the expiry nears");
        }
        List<WatchdogConfig.SecondaryConfig> secondaries = new ArrayList<>();
        JsonNode list = n.get("secondaries");
        if (list != null && !list.isNull()) {
            array("watchdog.secondaries", list);
            Set<String> names = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                String at = "watchdog.secondaries[" + i + "]";
                JsonNode s = list.get(i);
                if (!s.isObject()) {
                    throw fail(at, "expected a mapping with name and address");
                }
                mapping(at, s, SECONDARY);
                String secondary = name(at + ".name", s.get("name"));
                if (WatchdogConfig.RESERVED_NAMES.contains(secondary)) {
                    throw fail(
                            at + ".name",
                            "'" + secondary + "' is the watchdog's name for this node's own copy;" + " choose another");
                }
                if (!names.add(secondary)) {
                    throw fail(at + ".name", "secondary '" + secondary + "' is listed twice");
                }
                Endpoint address = endpoint(at + ".address", s.get("address"), false);
                Optional<TsigConfig> tsig = s.has("tsig") && !s.get("tsig").isNull()
                        ? Optional.of(tsig(at + ".tsig", s.get("tsig")))
                        : Optional.empty();
                secondaries.add(new WatchdogConfig.SecondaryConfig(secondary, address, tsig));
            }
        }
        return new WatchdogConfig(interval, warn, critical, secondaries);
    }

    private List<PeerConfig> peers(JsonNode n, String self) throws NodeConfigException {
        List<PeerConfig> peers = new ArrayList<>();
        if (n == null || n.isNull()) {
            return peers;
        }
        array("peers", n);
        Set<String> names = new HashSet<>();
        Set<Endpoint> endpoints = new HashSet<>();
        for (int i = 0; i < n.size(); i++) {
            String at = "peers[" + i + "]";
            JsonNode p = n.get(i);
            if (!p.isObject()) {
                throw fail(at, "expected a mapping with name and endpoint");
            }
            mapping(at, p, PEER);
            String peer = name(at + ".name", p.get("name"));
            if (peer.equals(self)) {
                throw fail(at + ".name", "'" + peer + "' is this node (node.name); list the other nodes only");
            }
            if (!names.add(peer)) {
                throw fail(at + ".name", "peer '" + peer + "' is listed twice");
            }
            Endpoint e = endpoint(at + ".endpoint", p.get("endpoint"), false);
            if (!endpoints.add(e)) {
                throw fail(at + ".endpoint", "'" + e + "' is listed twice");
            }
            peers.add(new PeerConfig(peer, e));
        }
        return peers;
    }

    private ClockConfig clock(JsonNode n) throws NodeConfigException {
        if (n == null || n.isNull()) {
            return ClockConfig.defaults();
        }
        mapping("clock", n, CLOCK);
        if (!n.has("max-skew")) {
            return ClockConfig.defaults();
        }
        Duration max = duration("clock.max-skew", n.get("max-skew"));
        if (max.compareTo(ClockConfig.MIN_MAX_SKEW) < 0 || max.compareTo(ClockConfig.MAX_MAX_SKEW) > 0) {
            throw fail(
                    "clock.max-skew",
                    "must be 100ms to 15m, got " + NodeConfig.human(max)
                            + " (a larger one would eat into the 90-minute inception back-dating)");
        }
        return new ClockConfig(max);
    }

    private ResignConfig resign(JsonNode n, List<ZoneConfig> zones) throws NodeConfigException {
        if (n == null || n.isNull()) {
            return ResignConfig.defaults();
        }
        mapping("resign", n, RESIGN);
        Duration floor = n.has("floor") ? duration("resign.floor", n.get("floor")) : ResignConfig.DEFAULT_FLOOR;
        Duration debounce =
                n.has("debounce") ? duration("resign.debounce", n.get("debounce")) : ResignConfig.DEFAULT_DEBOUNCE;
        if (debounce.compareTo(Duration.ofMinutes(1)) > 0) {
            throw fail("resign.debounce", "must be at most 1m, got " + NodeConfig.human(debounce));
        }
        for (int i = 0; i < zones.size(); i++) {
            ZoneConfig z = zones.get(i);
            if (floor.compareTo(z.policy().refresh()) >= 0) {
                throw fail(
                        "resign.floor",
                        NodeConfig.human(floor) + " is not shorter than the refresh "
                                + NodeConfig.human(z.policy().refresh()) + " of zones[" + i + "] " + z.name()
                                + "; the floor could hold a re-sign back past the refresh point");
            }
        }
        return new ResignConfig(floor, debounce);
    }

    private ZooKeeperConfig zookeeper(JsonNode n) throws NodeConfigException {
        mapping("zookeeper", n, ZOOKEEPER);
        String connect = text("zookeeper.connect", n.get("connect"));
        for (String part : connect.split(",", -1)) {
            String hostPort = part.trim();
            if (hostPort.contains("/")) {
                throw fail("zookeeper.connect", "'" + connect + "' has a chroot; set zookeeper.root instead");
            }
            Endpoint e;
            try {
                e = Endpoint.parse(hostPort);
            } catch (IllegalArgumentException ex) {
                throw fail("zookeeper.connect", ex.getMessage() + " (expected host:port[,host:port...])");
            }
            if (e.port() == 0) {
                throw fail("zookeeper.connect", "'" + hostPort + "': port 0 is not a ZooKeeper port");
            }
        }
        Duration timeout = n.has("session-timeout")
                ? duration("zookeeper.session-timeout", n.get("session-timeout"))
                : ZooKeeperConfig.DEFAULT_SESSION_TIMEOUT;
        String root = n.has("root") ? text("zookeeper.root", n.get("root")) : ZooKeeperConfig.DEFAULT_ROOT;
        boolean plaintext =
                n.has("insecure-plaintext") && bool("zookeeper.insecure-plaintext", n.get("insecure-plaintext"));
        Optional<TlsMaterial> tls;
        if (n.has("tls") && !n.get("tls").isNull()) {
            if (plaintext) {
                throw fail(
                        "zookeeper.insecure-plaintext",
                        "true together with zookeeper.tls; remove one (TLS is the" + " secure choice)");
            }
            tls = Optional.of(tls("zookeeper.tls", n.get("tls")));
        } else if (plaintext) {
            tls = Optional.empty();
        } else {
            throw fail(
                    "zookeeper.tls",
                    "missing: ZooKeeper needs TLS with this node's certificate of the cluster CA (OU=node): "
                            + "zookeeper.tls: {ca, cert, key}. Only for a lab whose ZooKeeper nobody else can reach: "
                            + "zookeeper.insecure-plaintext: true");
        }
        HistoryRetention history = HistoryRetention.DEFAULT;
        if (n.has("history-window") || n.has("history-keep")) {
            Duration window = n.has("history-window")
                    ? duration("zookeeper.history-window", n.get("history-window"))
                    : HistoryRetention.DEFAULT_WINDOW;
            int keep = HistoryRetention.DEFAULT_KEEP_LAST;
            if (n.has("history-keep")) {
                JsonNode k = n.get("history-keep");
                if (!k.canConvertToInt() || !k.isIntegralNumber() || k.asInt() < 1 || k.asInt() > 10_000) {
                    throw fail("zookeeper.history-keep", "'" + k.asText() + "': a count of 1 to 10000 records");
                }
                keep = k.asInt();
            }
            try {
                history = new HistoryRetention(
                        window,
                        keep,
                        Math.max(HistoryRetention.DEFAULT.highWater(), 2 * keep),
                        HistoryRetention.DEFAULT.maxRecords(),
                        HistoryRetention.DEFAULT.batchSize());
            } catch (IllegalArgumentException e) {
                throw fail(
                        n.has("history-window") ? "zookeeper.history-window" : "zookeeper.history-keep",
                        e.getMessage());
            }
        }
        try {
            return new ZooKeeperConfig(connect, timeout, root, tls, history);
        } catch (IllegalArgumentException e) {
            throw fail(
                    n.has("root") && e.getMessage().startsWith("root") ? "zookeeper.root" : "zookeeper.session-timeout",
                    e.getMessage());
        }
    }

    private HsmConfig hsmConfig(JsonNode n, ZooKeeperConfig zookeeper) throws NodeConfigException {
        Path path = existingFile("hsm-config", n);
        HsmConfig config;
        try {
            config = HsmConfig.load(path);
        } catch (HsmConfigException e) {
            throw new NodeConfigException(file, "hsm-config", e.getMessage(), e);
        }
        // The node and signerctl must read the same key manifests: refuse two different ensembles.
        if (config.zookeeper().isPresent() && !config.zookeeper().get().equals(zookeeper.connect())) {
            throw fail(
                    "hsm-config",
                    path + " names ZooKeeper '" + config.zookeeper().get()
                            + "' but zookeeper.connect is '" + zookeeper.connect()
                            + "'; key manifests must come from one"
                            + " ensemble: make them equal or drop zookeeper from " + path);
        }
        if (!config.zookeeperRoot().equals(zookeeper.root())) {
            throw fail(
                    "hsm-config",
                    path + " has zookeeper-root '" + config.zookeeperRoot()
                            + "' (/tandem when unset) but zookeeper.root is '" + zookeeper.root()
                            + "'; make them equal, or signerctl and the node read different key manifests");
        }
        return config;
    }

    private List<HsmSpec> hsms(JsonNode n, HsmConfig config) throws NodeConfigException {
        List<HsmSpec> chosen = new ArrayList<>();
        if (n == null) {
            chosen.addAll(config.hsms());
        } else {
            if (!n.isArray() || n.isEmpty()) {
                throw fail("hsms", "expected a non-empty list of HSM names from " + config.source());
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < n.size(); i++) {
                String at = "hsms[" + i + "]";
                String hsm = text(at, n.get(i));
                if (!seen.add(hsm)) {
                    throw fail(at, "HSM '" + hsm + "' is listed twice");
                }
                try {
                    chosen.add(config.hsm(hsm));
                } catch (HsmConfigException e) {
                    throw fail(
                            at,
                            "no HSM named '" + hsm + "' in " + config.source() + " (configured: "
                                    + String.join(
                                            ", ",
                                            config.hsms().stream()
                                                    .map(h -> h.name().name())
                                                    .toList()) + ")");
                }
            }
        }
        for (HsmSpec spec : chosen) {
            int index = config.hsms().indexOf(spec);
            String at = config.source() + ": hsms[" + index + "]";
            if (!Files.isRegularFile(spec.library())) {
                throw fail("hsm-config", at + ".library: file not found: " + spec.library());
            }
            if (!Files.isRegularFile(spec.pinFile())) {
                throw fail("hsm-config", at + ".pin-file: file not found: " + spec.pinFile());
            }
            if (!Files.isReadable(spec.pinFile())) {
                throw fail("hsm-config", at + ".pin-file: not readable: " + spec.pinFile());
            }
        }
        return chosen;
    }

    private PublishConfig publish(JsonNode n) throws NodeConfigException {
        mapping("publish", n, PUBLISH);
        Path directory = writableDirectory("publish.directory", n.get("directory"));
        Optional<TransferConfig> transfer = Optional.empty();
        JsonNode t = n.get("transfer");
        if (t != null && !t.isNull()) {
            mapping("publish.transfer", t, TRANSFER);
            Endpoint listen = endpoint("publish.transfer.listen", t.get("listen"), true);
            List<Endpoint> notify = new ArrayList<>();
            JsonNode list = t.get("notify");
            if (list != null && !list.isNull()) {
                array("publish.transfer.notify", list);
                for (int i = 0; i < list.size(); i++) {
                    notify.add(endpoint("publish.transfer.notify[" + i + "]", list.get(i), false));
                }
            }
            List<Cidr> allow = new ArrayList<>();
            list = t.get("allow");
            boolean allowGiven = list != null && !list.isNull();
            if (allowGiven) {
                array("publish.transfer.allow", list);
                for (int i = 0; i < list.size(); i++) {
                    String at = "publish.transfer.allow[" + i + "]";
                    try {
                        allow.add(Cidr.parse(text(at, list.get(i))));
                    } catch (IllegalArgumentException e) {
                        throw fail(at, e.getMessage());
                    }
                }
            }
            Optional<TsigConfig> tsig = Optional.empty();
            JsonNode k = t.get("tsig");
            if (k != null && !k.isNull()) {
                tsig = Optional.of(tsig(k));
            }
            if (allow.isEmpty() && tsig.isEmpty()) {
                throw fail(
                        "publish.transfer",
                        "neither publish.transfer.allow nor publish.transfer.tsig is set:"
                                + " an empty allow-list lets nobody transfer, and without TSIG nothing else guards the"
                                + " zones; list the secondaries' addresses in publish.transfer.allow (CIDR), or set"
                                + " publish.transfer.tsig, or both");
            }
            if (!allowGiven) {
                // TSIG alone: any address that holds the key
                allow = List.of(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0"));
            }
            transfer = Optional.of(new TransferConfig(listen, notify, allow, tsig));
        }
        return new PublishConfig(directory, transfer);
    }

    private TsigConfig tsig(JsonNode n) throws NodeConfigException {
        return tsig("publish.transfer.tsig", n);
    }

    private TsigConfig tsig(String at, JsonNode n) throws NodeConfigException {
        mapping(at, n, TSIG);
        String keyName = text(at + ".name", n.get("name"));
        Name name;
        try {
            name = Name.fromString(keyName.endsWith(".") ? keyName : keyName + ".");
        } catch (TextParseException e) {
            throw fail(at + ".name", "'" + keyName + "' is not a domain name: " + e.getMessage());
        }
        String algorithm = text(at + ".algorithm", n.get("algorithm")).toLowerCase(Locale.ROOT);
        if (algorithm.endsWith(".")) {
            algorithm = algorithm.substring(0, algorithm.length() - 1);
        }
        if (!TsigConfig.ALGORITHMS.contains(algorithm)) {
            throw fail(at + ".algorithm", "'" + algorithm + "' is not one of " + new TreeSet<>(TsigConfig.ALGORITHMS));
        }
        Path secret = existingFile(at + ".secret-file", n.get("secret-file"));
        String text;
        try {
            text = Files.readString(secret, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw fail(at + ".secret-file", "cannot read " + secret + ": " + e.getMessage());
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw fail(at + ".secret-file", secret + " does not hold a base64 secret");
        }
        if (key.length == 0) {
            throw fail(at + ".secret-file", secret + " holds an empty secret");
        }
        return new TsigConfig(name, algorithm, secret);
    }

    private ZoneLimits zoneLimits(JsonNode n) throws NodeConfigException {
        ZoneLimits d = ZoneLimits.defaults();
        if (n == null || n.isNull()) {
            return d;
        }
        mapping("zone-limits", n, ZONE_LIMITS);
        return new ZoneLimits(
                n.has("max-file-size") ? size("zone-limits.max-file-size", n.get("max-file-size")) : d.maxFileBytes(),
                n.has("max-include-size")
                        ? size("zone-limits.max-include-size", n.get("max-include-size"))
                        : d.maxIncludedBytes(),
                n.has("max-records") ? count("zone-limits.max-records", n.get("max-records")) : d.maxRecords(),
                n.has("max-generate-records")
                        ? count("zone-limits.max-generate-records", n.get("max-generate-records"))
                        : d.maxGenerateRecords());
    }

    /** A size in bytes: {@code 1048576}, {@code 64k}, {@code 512m}, {@code 2g} (binary units). */
    private long size(String at, JsonNode n) throws NodeConfigException {
        try {
            return ZoneLimits.parseSize(text(at, n));
        } catch (IllegalArgumentException e) {
            throw fail(at, e.getMessage());
        }
    }

    private long count(String at, JsonNode n) throws NodeConfigException {
        String t = text(at, n).replace("_", "");
        long v;
        try {
            v = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw fail(at, "'" + t + "' is not a whole number");
        }
        if (v < 1) {
            throw fail(at, "must be at least 1, got " + v);
        }
        return v;
    }

    private List<ZoneConfig> zones(JsonNode n, Path publishDirectory, ZoneLimits limits) throws NodeConfigException {
        if (!n.isArray() || n.isEmpty()) {
            throw fail("zones", "expected a non-empty list of zones (name, source)");
        }
        List<ZoneConfig> zones = new ArrayList<>();
        Set<ZoneName> seen = new HashSet<>();
        for (int i = 0; i < n.size(); i++) {
            String at = "zones[" + i + "]";
            JsonNode z = n.get(i);
            if (!z.isObject()) {
                throw fail(at, "expected a mapping with name and source");
            }
            mapping(at, z, ZONE);
            String zoneText = text(at + ".name", z.get("name"));
            ZoneName zone;
            try {
                zone = ZoneName.of(zoneText);
            } catch (IllegalArgumentException e) {
                throw fail(at + ".name", e.getMessage());
            }
            if (!seen.add(zone)) {
                throw fail(at + ".name", "zone " + zone + " is listed twice");
            }
            Path source = existingFile(at + ".source", z.get("source"));
            Optional<Path> policyFile = Optional.empty();
            SigningPolicy policy = SigningPolicy.defaults();
            if (z.has("policy") && !z.get("policy").isNull()) {
                Path p = existingFile(at + ".policy", z.get("policy"));
                try {
                    policy = SigningPolicyFile.load(p);
                } catch (SigningException e) {
                    throw new NodeConfigException(file, at + ".policy", e.getMessage(), e);
                }
                policyFile = Optional.of(p);
            }
            Path output =
                    z.has("output-dir") ? writableDirectory(at + ".output-dir", z.get("output-dir")) : publishDirectory;
            zones.add(new ZoneConfig(zone, source, policyFile, policy, output, limits));
        }
        return zones;
    }

    private Endpoint listen(String at, JsonNode n) throws NodeConfigException {
        mapping(at, n, LISTEN);
        return endpoint(at + ".listen", n.get("listen"), true);
    }

    private TlsMaterial tls(JsonNode n) throws NodeConfigException {
        return tls("tls", n);
    }

    private TlsMaterial tls(String section, JsonNode n) throws NodeConfigException {
        mapping(section, n, TLS);
        Path ca = existingFile(section + ".ca", n.get("ca"));
        Path cert = existingFile(section + ".cert", n.get("cert"));
        Path key = existingFile(section + ".key", n.get("key"));
        TlsMaterial tls = new TlsMaterial(cert, key, ca);
        try {
            return tls.check();
        } catch (TlsMaterialException e) {
            String at = section + (e.file().equals(key) ? ".key" : e.file().equals(ca) ? ".ca" : ".cert");
            throw new NodeConfigException(file, at, e.file() + ": " + e.reason(), e);
        }
    }

    // --- YAML shapes ---------------------------------------------------------------------------

    private JsonNode required(String at, JsonNode n) throws NodeConfigException {
        if (n == null || n.isNull()) {
            throw fail(at, "missing");
        }
        return n;
    }

    /** Checks that {@code n} is a mapping whose keys are all allowed; the first unknown key fails. */
    private void mapping(String at, JsonNode n, Set<String> allowed) throws NodeConfigException {
        if (!n.isObject()) {
            throw fail(at, "expected a mapping with " + new TreeSet<>(allowed));
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw fail(
                        at.isEmpty() ? key : at + "." + key, "unknown key; expected one of " + new TreeSet<>(allowed));
            }
        }
    }

    private void array(String at, JsonNode n) throws NodeConfigException {
        if (!n.isArray()) {
            throw fail(at, "expected a list");
        }
    }

    private boolean bool(String at, JsonNode n) throws NodeConfigException {
        if (n == null || !n.isBoolean()) {
            throw fail(at, "expected true or false");
        }
        return n.booleanValue();
    }

    private String text(String at, JsonNode n) throws NodeConfigException {
        if (n == null || n.isNull()) {
            throw fail(at, "missing");
        }
        if (!n.isValueNode()) {
            throw fail(at, "expected a single value, not a " + (n.isArray() ? "list" : "mapping"));
        }
        String t = n.asText().trim();
        if (t.isEmpty()) {
            throw fail(at, "empty");
        }
        return t;
    }

    private String name(String at, JsonNode n) throws NodeConfigException {
        String t = text(at, n);
        if (!NodeConfig.NAME.matcher(t).matches()) {
            throw fail(at, "'" + t + "' must be letters, digits, '.', '_' or '-', up to 64 characters");
        }
        return t;
    }

    private Duration duration(String at, JsonNode n) throws NodeConfigException {
        String t = text(at, n);
        Matcher m = DURATION.matcher(t.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw fail(at, "'" + t + "' is not a duration like 1500ms, 30s, 5m, 2h or 1d");
        }
        long v = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(v);
            case "s" -> Duration.ofSeconds(v);
            case "m" -> Duration.ofMinutes(v);
            case "h" -> Duration.ofHours(v);
            default -> Duration.ofDays(v);
        };
    }

    private Endpoint endpoint(String at, JsonNode n, boolean listen) throws NodeConfigException {
        String t = text(at, n);
        Endpoint e;
        try {
            e = Endpoint.parse(t);
        } catch (IllegalArgumentException ex) {
            throw fail(at, ex.getMessage());
        }
        if (!listen && e.port() == 0) {
            throw fail(at, "'" + t + "': port 0 cannot be sent to");
        }
        return e;
    }

    private Path path(String at, JsonNode n) throws NodeConfigException {
        String t = text(at, n);
        try {
            return dir.resolve(t).normalize();
        } catch (InvalidPathException e) {
            throw fail(at, "'" + t + "' is not a valid path: " + e.getReason());
        }
    }

    private Path existingFile(String at, JsonNode n) throws NodeConfigException {
        Path p = path(at, n);
        if (!Files.exists(p)) {
            throw fail(at, "file not found: " + p);
        }
        if (!Files.isRegularFile(p)) {
            throw fail(at, "not a regular file: " + p);
        }
        if (!Files.isReadable(p)) {
            throw fail(at, "not readable: " + p);
        }
        return p;
    }

    private Path writableDirectory(String at, JsonNode n) throws NodeConfigException {
        Path p = path(at, n);
        if (!Files.exists(p)) {
            throw fail(at, "directory not found: " + p);
        }
        if (!Files.isDirectory(p)) {
            throw fail(at, "not a directory: " + p);
        }
        if (!Files.isWritable(p)) {
            throw fail(at, "directory not writable: " + p);
        }
        return p;
    }

    private NodeConfigException fail(String at, String reason) {
        return new NodeConfigException(file, at, reason);
    }
}
