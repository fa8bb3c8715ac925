package org.tandem.coordinator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoordinatorConfigTest {
    @TempDir
    Path dir;

    private static final String GOOD = """
            coordinator: {name: coord-1}
            nodes:
              - {name: node-a, site: dc1, endpoint: "127.0.0.1:7443"}
              - {name: node-b, site: dc2, endpoint: "127.0.0.1:7444"}
            zookeeper: {connect: "127.0.0.1:2181", root: /tandem,
                        tls: {ca: "tls/ca.crt", cert: "tls/coordinator.crt", key: "tls/coordinator.key"}}
            grpc: {listen: "127.0.0.1:7500"}
            tls: {ca: tls/ca.crt, cert: tls/coordinator.crt, key: tls/coordinator.key}
            audit-log: coordinator-audit.jsonl
            preflight: {min-expiry-after-takeover: 1d, wait-for-publish: 120s}
            """;

    @BeforeEach
    void tls() throws IOException {
        Files.createDirectories(dir.resolve("tls"));
        for (String f : new String[] {"ca.crt", "coordinator.crt", "coordinator.key"}) {
            Files.writeString(dir.resolve("tls").resolve(f), "x");
        }
    }

    private Path write(String yaml) throws IOException {
        Path f = dir.resolve("coordinator.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void loadsTheDocumentedExample() throws Exception {
        CoordinatorConfig c = CoordinatorConfig.load(write(GOOD));
        assertThat(c.name()).isEqualTo("coord-1");
        assertThat(c.nodes()).extracting(NodeEndpoint::name).containsExactly("node-a", "node-b");
        assertThat(c.nodes().get(1).endpoint()).isEqualTo("127.0.0.1:7444");
        assertThat(c.nodes().get(1).site()).isEqualTo("dc2");
        assertThat(c.zookeeperRoot()).isEqualTo("/tandem");
        assertThat(c.listenPort()).isEqualTo(7500);
        assertThat(c.tls().ca())
                .isEqualTo(dir.resolve("tls/ca.crt").toAbsolutePath().normalize());
        assertThat(c.auditLog())
                .isEqualTo(
                        dir.resolve("coordinator-audit.jsonl").toAbsolutePath().normalize());
        assertThat(c.minExpiryAfterTakeover()).isEqualTo(Duration.ofDays(1));
        assertThat(c.waitForPublish()).isEqualTo(Duration.ofSeconds(120));
        assertThat(c.summary()).contains("node node-b site dc2 at 127.0.0.1:7444");
        assertThat(c.zookeeperTls())
                .hasValueSatisfying(t -> assertThat(t.certificate())
                        .isEqualTo(dir.resolve("tls/coordinator.crt")
                                .toAbsolutePath()
                                .normalize()));
    }

    @Test
    void defaultsForOptionalKeys() throws Exception {
        CoordinatorConfig c = CoordinatorConfig.load(write("""
                nodes:
                  - {name: a, site: dc1, endpoint: "localhost:1"}
                  - {name: b, site: dc2, endpoint: "localhost:2"}
                zookeeper: {connect: "127.0.0.1:2181", insecure-plaintext: true}
                tls: {ca: tls/ca.crt, cert: tls/coordinator.crt, key: tls/coordinator.key}
                """));
        assertThat(c.name()).isEqualTo("coordinator");
        assertThat(c.zookeeperRoot()).isEqualTo("/tandem");
        assertThat(c.listenHost()).isEqualTo("127.0.0.1");
        assertThat(c.listenPort()).isEqualTo(7500);
        assertThat(c.minExpiryAfterTakeover()).isEqualTo(Duration.ofDays(1));
        assertThat(c.zookeeperTls()).isEmpty();
        assertThat(c.summary()).contains("INSECURE PLAINTEXT");
    }

    @Test
    void zooKeeperWithoutTlsIsRefusedNamingTheMissingSettingUnlessInsecurePlaintextIsExplicit() throws IOException {
        String tls = ",\n            tls: {ca: \"tls/ca.crt\", cert: \"tls/coordinator.crt\", key: "
                + "\"tls/coordinator.key\"}}";
        String withoutTls = GOOD.replace(tls, "}");
        assertThat(withoutTls).isNotEqualTo(GOOD);
        refused(withoutTls, "zookeeper.tls", "missing: ZooKeeper needs TLS");
        refused(
                GOOD.replace(tls, ", insecure-plaintext: true" + tls),
                "zookeeper.insecure-plaintext",
                "together with zookeeper.tls");
        refused(
                GOOD.replace("cert: \"tls/coordinator.crt\"", "cert: \"tls/nope.crt\""),
                "zookeeper.tls.cert",
                "does not exist");
    }

    private void refused(String yaml, String keyPath, String reasonPart) throws IOException {
        Path f = write(yaml);
        assertThatThrownBy(() -> CoordinatorConfig.load(f))
                .isInstanceOf(CoordinatorConfigException.class)
                .satisfies(e -> {
                    CoordinatorConfigException c = (CoordinatorConfigException) e;
                    assertThat(c.keyPath()).isEqualTo(keyPath);
                    assertThat(c.reason()).contains(reasonPart);
                    assertThat(c.getMessage()).startsWith(f.toAbsolutePath().normalize() + ": " + keyPath);
                });
    }

    @Test
    void unknownKeyNamesItsPath() throws IOException {
        refused(
                GOOD.replace("preflight: {", "preflight: {skip-key-checks: true, "),
                "preflight.skip-key-checks",
                "unknown key");
    }

    @Test
    void badEndpointNamesTheNode() throws IOException {
        refused(GOOD.replace("\"127.0.0.1:7444\"", "\"127.0.0.1\""), "nodes[1].endpoint", "not host:port");
    }

    @Test
    void duplicateNodeName() throws IOException {
        refused(GOOD.replace("name: node-b", "name: node-a"), "nodes[1].name", "listed twice");
    }

    @Test
    void singleNodeIsRefused() throws IOException {
        refused(
                GOOD.replace("  - {name: node-b, site: dc2, endpoint: \"127.0.0.1:7444\"}\n", ""),
                "nodes",
                "at least two");
    }

    @Test
    void missingTlsFile() throws IOException {
        refused(GOOD.replace("ca: tls/ca.crt", "ca: tls/nope.crt"), "tls.ca", "does not exist");
    }

    @Test
    void badDuration() throws IOException {
        refused(GOOD.replace("1d", "one day"), "preflight.min-expiry-after-takeover", "not a duration");
    }

    @Test
    void missingZooKeeper() throws IOException {
        refused(
                GOOD.substring(0, GOOD.indexOf("zookeeper:")) + GOOD.substring(GOOD.indexOf("grpc:")),
                "zookeeper",
                "required");
    }

    @Test
    void reservedRoot() throws IOException {
        refused(GOOD.replace("root: /tandem", "root: /zookeeper/x"), "zookeeper.root", "reserved");
    }

    @Test
    void missingFileAndBadYaml() throws IOException {
        assertThatThrownBy(() -> CoordinatorConfig.load(dir.resolve("absent.yaml")))
                .hasMessageContaining("absent.yaml: no such file");
        refused("nodes: [", "", "not valid YAML");
    }
}
