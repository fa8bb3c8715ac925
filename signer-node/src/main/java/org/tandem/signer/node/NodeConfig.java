package org.tandem.signer.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.HsmConfig;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.key.ZoneName;

/**
 * The configuration of one signer node, loaded from {@code node.yaml} by {@link #load(Path)}; see
 * docs/configuration.md ("node.yaml") for the full reference:
 *
 * <pre>
 * node: {name: dc1-signer, site: dc1}
 * hsm-config: hsm.yaml            # the signerctl HSM file (same format, same PIN files)
 * hsms: [dc1-hsm1]                # optional: this node's HSMs in that file (default: all)
 * zones:
 *   - name: example.com.
 *     source: zones/example.com.zone      # the unsigned master file
 *     policy: policies/example.com.yaml   # optional, the signerctl --policy format
 *     output-dir: /var/lib/tandem/out     # optional, default publish.directory
 * zookeeper: {connect: "zk1:2281,zk2:2281,zk3:2281", session-timeout: 30s, root: /tandem,
 *             tls: {ca: tls/ca.crt, cert: tls/zk-node.crt, key: tls/zk-node.key}}  # or insecure-plaintext: true (lab)
 * publish:
 *   directory: /var/lib/tandem/published
 *   transfer:                             # optional
 *     listen: 0.0.0.0:5353
 *     notify: ["192.0.2.53:53"]
 *     allow: [192.0.2.0/24]
 *     tsig: {name: transfer., algorithm: hmac-sha256, secret-file: tsig.secret}
 * resign: {floor: 10s, debounce: 500ms}  # optional
 * clock: {max-skew: 30s}                 # optional: refuse to sign beyond this skew vs ZooKeeper
 * grpc: {listen: 0.0.0.0:7443}
 * metrics: {listen: 127.0.0.1:9105}
 * tls: {ca: tls/ca.crt, cert: tls/node.crt, key: tls/node.key}
 * peers: [{name: dc2-signer, endpoint: "dc2-signer.example:7443"}]   # optional: the other nodes
 * watchdog: {interval: 60s, warn: 3d, critical: 1d, secondaries: [{name: knot-dc1, address: "127.0.0.1:5353"}]}
 * </pre>
 *
 * <p>Contracts: loading does every check that can be done before the node starts (YAML syntax,
 * unknown or duplicate keys, types, every named file and directory, the HSM file, the policy
 * files, the TLS material with {@link TlsMaterial#check()}) and reports the first problem as a
 * {@link NodeConfigException} {@code node.yaml: zones[1].source: file not found: ...}. Relative
 * paths are taken from the directory of {@code node.yaml}. Nothing is opened, bound or connected.
 * The value is immutable; the files it names may change afterwards (a zone source is re-read on
 * every signing run).
 *
 * @param source the file it was loaded from, absolute
 * @param name the node's name, used in logs, metrics ({@code node} label) and the gRPC status
 * @param site the node's site (data centre)
 * @param hsmConfig the whole HSM file
 * @param hsms this node's HSMs: those named in {@code hsms:}, else all of {@code hsmConfig}
 * @param zones the zones this node signs, at least one, no zone twice, in file order
 * @param zookeeper the ZooKeeper ensemble
 * @param publish where signed zones go
 * @param resign how re-signing is scheduled; the floor is shorter than every zone's refresh
 * @param clock the clock-skew threshold against ZooKeeper server time (INV-D5)
 * @param grpcListen where the {@code SignerNode} gRPC service listens (mutual TLS)
 * @param metricsListen where {@code /metrics} and {@code /health} are served (plain HTTP)
 * @param tls the node's certificate, key and cluster CA, checked
 * @param peers the other nodes of the cluster (their gRPC endpoints), to which the leader replicates
 *     new keys before it publishes them; empty: a new key is published as soon as this node's own
 *     HSM proves it (warned about at start)
 * @param watchdog the expiry watchdog's interval, thresholds and secondaries (defaults when absent)
 */
public record NodeConfig(
        Path source,
        String name,
        String site,
        HsmConfig hsmConfig,
        List<HsmSpec> hsms,
        List<ZoneConfig> zones,
        ZooKeeperConfig zookeeper,
        PublishConfig publish,
        ResignConfig resign,
        ClockConfig clock,
        Endpoint grpcListen,
        Endpoint metricsListen,
        TlsMaterial tls,
        List<PeerConfig> peers,
        WatchdogConfig watchdog) {

    /** Node and site names: letters, digits, {@code . _ -}, up to 64 characters. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public NodeConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(hsmConfig, "hsmConfig");
        hsms = List.copyOf(hsms);
        zones = List.copyOf(zones);
        Objects.requireNonNull(zookeeper, "zookeeper");
        Objects.requireNonNull(publish, "publish");
        Objects.requireNonNull(resign, "resign");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(grpcListen, "grpcListen");
        Objects.requireNonNull(metricsListen, "metricsListen");
        Objects.requireNonNull(tls, "tls");
        peers = List.copyOf(peers);
        Objects.requireNonNull(watchdog, "watchdog");
        if (peers.stream().anyMatch(p -> p.name().equals(name))) {
            throw new IllegalArgumentException("node " + name + " lists itself as a peer");
        }
        if (peers.stream().map(PeerConfig::name).distinct().count() != peers.size()
                || peers.stream().map(PeerConfig::endpoint).distinct().count() != peers.size()) {
            throw new IllegalArgumentException("node " + name + " lists a peer name or endpoint twice");
        }
        if (!NAME.matcher(name).matches() || !NAME.matcher(site).matches()) {
            throw new IllegalArgumentException("node name and site must match " + NAME + ": " + name + ", " + site);
        }
        if (hsms.isEmpty()) {
            throw new IllegalArgumentException("node " + name + " has no HSM");
        }
        if (zones.isEmpty()) {
            throw new IllegalArgumentException("node " + name + " signs no zone");
        }
        if (zones.stream().map(ZoneConfig::name).distinct().count() != zones.size()) {
            throw new IllegalArgumentException("node " + name + " lists a zone twice");
        }
        for (ZoneConfig z : zones) {
            if (resign.floor().compareTo(z.policy().refresh()) >= 0) {
                throw new IllegalArgumentException("zone " + z.name() + ": re-sign floor " + resign.floor()
                        + " must be shorter than its refresh " + z.policy().refresh());
            }
        }
    }

    /**
     * Loads and checks {@code node.yaml}.
     *
     * @param file the configuration file; messages name it as given
     * @throws NodeConfigException naming the file, the key path and the reason of the first problem
     */
    public static NodeConfig load(Path file) throws NodeConfigException {
        return new NodeConfigLoader(Objects.requireNonNull(file, "file")).load();
    }

    /** The configuration of a zone this node signs, if it signs it. */
    public Optional<ZoneConfig> zone(ZoneName zone) {
        return zones.stream().filter(z -> z.name().equals(zone)).findFirst();
    }

    /** A multi-line human summary (what {@code signer-node --config} prints), no secrets. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        out.append("node ")
                .append(name)
                .append(" (site ")
                .append(site)
                .append(") from ")
                .append(source)
                .append('\n');
        out.append("  HSMs: ");
        out.append(String.join(
                ", ",
                hsms.stream()
                        .map(h -> h.name().name() + " (token " + h.tokenLabel() + ")")
                        .toList()));
        out.append(" from ").append(hsmConfig.source()).append('\n');
        out.append("  zones:\n");
        for (ZoneConfig z : zones) {
            out.append("    ")
                    .append(z.name())
                    .append(" source ")
                    .append(z.source())
                    .append(" policy ")
                    .append(z.policyFile().map(Path::toString).orElse("(defaults)"))
                    .append(" validity ")
                    .append(human(z.policy().validity()))
                    .append(" refresh ")
                    .append(human(z.policy().refresh()))
                    .append(" output ")
                    .append(z.outputDirectory())
                    .append('\n');
        }
        out.append("  ZooKeeper: ")
                .append(zookeeper.connect())
                .append(" root ")
                .append(zookeeper.root())
                .append(" session timeout ")
                .append(human(zookeeper.sessionTimeout()))
                .append(zookeeper
                        .tls()
                        .map(t -> " TLS " + t.certificateChain())
                        .orElse(" INSECURE PLAINTEXT (no TLS, no authentication, open ACLs)"))
                .append('\n');
        out.append("  publish: ").append(publish.directory());
        publish.transfer()
                .ifPresent(t -> out.append("; transfers on ")
                        .append(t.listen())
                        .append(" notify ")
                        .append(t.notifyTargets())
                        .append(" allow ")
                        .append(t.allow())
                        .append(t.tsig()
                                .map(k -> " TSIG " + k.name() + " " + k.algorithm())
                                .orElse(" no TSIG")));
        out.append('\n');
        out.append("  re-sign: floor ")
                .append(human(resign.floor()))
                .append(", source debounce ")
                .append(human(resign.debounce()))
                .append('\n');
        out.append("  clock: max-skew ").append(human(clock.maxSkew())).append(" vs ZooKeeper server time\n");
        out.append("  gRPC (mutual TLS): ").append(grpcListen).append('\n');
        out.append("  metrics and health (HTTP): ").append(metricsListen).append('\n');
        out.append("  peers (new keys are replicated to them before they are published): ")
                .append(
                        peers.isEmpty()
                                ? "none (a new key is published as soon as this node's HSM proves it)"
                                : String.join(
                                        ", ",
                                        peers.stream()
                                                .map(p -> p.name() + " at " + p.endpoint())
                                                .toList()))
                .append('\n');
        out.append("  watchdog: every ")
                .append(human(watchdog.interval()))
                .append(", warn below ")
                .append(human(watchdog.warn()))
                .append(", critical below ")
                .append(human(watchdog.critical()))
                .append(", secondaries ")
                .append(
                        watchdog.secondaries().isEmpty()
                                ? "none"
                                : String.join(
                                        ", ",
                                        watchdog.secondaries().stream()
                                                .map(s -> s.name() + " at " + s.address())
                                                .toList()))
                .append('\n');
        out.append("  TLS: cert ")
                .append(tls.certificateChain())
                .append(" key ")
                .append(tls.privateKey())
                .append(" ca ")
                .append(tls.trustedCertificates())
                .append('\n');
        return out.toString();
    }

    /** A duration in the configuration's own notation: {@code 14d}, {@code 36h}, {@code 90s}, {@code 1500ms}. */
    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000L == 0) {
            return ms / 86_400_000L + "d";
        } else if (ms % 3_600_000L == 0) {
            return ms / 3_600_000L + "h";
        } else if (ms % 60_000L == 0) {
            return ms / 60_000L + "m";
        } else if (ms % 1000L == 0) {
            return ms / 1000L + "s";
        }
        return ms + "ms";
    }
}
