package org.tandem.signer.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.tandem.keysync.grpc.TlsMaterial;

/**
 * A node's {@code node.yaml} for the tests that start a real node: one zone, ZooKeeper, the publish
 * directory {@code published}, gRPC and metrics on the loopback, and the node's TLS; what a test needs
 * beyond that goes in through {@link #zoneOptions}, {@link #publishOptions} and {@link #more}.
 */
public final class NodeYaml {
    private final String name;
    private final String site;
    private Path hsmConfig;
    private String zone = "example.test.";
    private String source = "zones/example.test.zone";
    private String zoneOptions = "";
    private String zookeeper;
    private String publishOptions = "";
    private String grpc = "127.0.0.1:0";
    private String metrics = "127.0.0.1:0";
    private TlsMaterial tls;
    private String more = "";

    private NodeYaml(String name, String site) {
        this.name = name;
        this.site = site;
    }

    /** The node {@code name} in {@code site}. */
    public static NodeYaml node(String name, String site) {
        return new NodeYaml(name, site);
    }

    public NodeYaml hsmConfig(Path file) {
        this.hsmConfig = file;
        return this;
    }

    /** The one zone and its source file (relative to the configuration's directory, or absolute). */
    public NodeYaml zone(String apex, String sourceFile) {
        this.zone = apex;
        this.source = sourceFile;
        return this;
    }

    /** More keys of the zone's entry, each line indented by four spaces and ending in a new line. */
    public NodeYaml zoneOptions(String lines) {
        this.zoneOptions = lines;
        return this;
    }

    /** ZooKeeper without TLS (a test server on the loopback). */
    public NodeYaml plaintextZooKeeper(String connect, Duration session, String root) {
        this.zookeeper = "zookeeper: {connect: \"" + connect + "\", session-timeout: " + session.toSeconds()
                + "s, root: " + root + ", insecure-plaintext: true}\n";
        return this;
    }

    /** ZooKeeper over TLS, the node presenting {@code client}. */
    public NodeYaml zooKeeperOverTls(String connect, Duration session, String root, TlsMaterial client) {
        this.zookeeper = "zookeeper: {connect: \"" + connect + "\", session-timeout: " + session.toSeconds()
                + "s, root: " + root + ",\n            tls: " + flow(client) + "}\n";
        return this;
    }

    /** More keys of the {@code publish} section, each line indented by two spaces and ending in a new line. */
    public NodeYaml publishOptions(String lines) {
        this.publishOptions = lines;
        return this;
    }

    public NodeYaml grpc(String listen) {
        this.grpc = listen;
        return this;
    }

    public NodeYaml metrics(String listen) {
        this.metrics = listen;
        return this;
    }

    /** The node's gRPC certificate, key and CA. */
    public NodeYaml tls(TlsMaterial material) {
        this.tls = material;
        return this;
    }

    /** More top-level sections ({@code resign:}, {@code clock:}, {@code watchdog:}), each ending in a new line. */
    public NodeYaml more(String lines) {
        this.more = this.more + lines;
        return this;
    }

    /** The configuration's text. */
    public String text() {
        Objects.requireNonNull(hsmConfig, "hsmConfig");
        Objects.requireNonNull(zookeeper, "zookeeper");
        Objects.requireNonNull(tls, "tls");
        return "node: {name: " + name + ", site: " + site + "}\n"
                + "hsm-config: " + hsmConfig + "\n"
                + "zones:\n  - name: " + zone + "\n    source: " + source + "\n" + zoneOptions
                + zookeeper
                + "publish:\n  directory: published\n" + publishOptions
                + "grpc: {listen: \"" + grpc + "\"}\n"
                + "metrics: {listen: \"" + metrics + "\"}\n"
                + "tls: " + flow(tls) + "\n"
                + more;
    }

    /** Writes the configuration to {@code file} and returns it. */
    public Path write(Path file) throws IOException {
        return Files.writeString(file, text(), StandardCharsets.UTF_8);
    }

    private static String flow(TlsMaterial m) {
        return "{ca: " + m.trustedCertificates() + ", cert: " + m.certificateChain() + ", key: " + m.privateKey() + "}";
    }
}
