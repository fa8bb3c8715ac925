package org.tandem.keysync.hsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HsmConfigTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve("hsm.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void readsHsmsAndResolvesRelativePathsAgainstTheFile() throws Exception {
        HsmConfig c = HsmConfig.load(write("""
                hsms:
                  - name: dc1-hsm1
                    library: /usr/lib/softhsm/libsofthsm2.so
                    token-label: dc1-hsm1
                    pin-file: pins/dc1.pin
                  - name: dc2-hsm1
                    library: /usr/lib/softhsm/libsofthsm2.so
                    token-label: dc2-hsm1
                    pin-file: /etc/tandem/dc2.pin
                    sessions: 8
                zookeeper: zk1:2181,zk2:2181
                """));
        assertThat(c.hsms()).hasSize(2);
        assertThat(c.hsms().get(0).pinFile()).isEqualTo(dir.resolve("pins/dc1.pin"));
        assertThat(c.hsms().get(1).sessions()).isEqualTo(8);
        assertThat(c.zookeeper()).contains("zk1:2181,zk2:2181");
        assertThat(c.zookeeperRoot()).isEqualTo("/tandem");
        assertThat(c.auditLog()).isEqualTo(dir.resolve("audit.jsonl"));
        assertThat(c.hsm("dc2-hsm1").tokenLabel()).isEqualTo("dc2-hsm1");
        assertThatThrownBy(() -> c.hsm("dc3"))
                .hasMessageContaining("no HSM named 'dc3' (configured: dc1-hsm1, dc2-hsm1)");
    }

    @Test
    void readsTheSecurityOfficerPinFileOnlyWhereGivenAndRefusesAnSoPinInTheFile() throws Exception {
        HsmConfig c = HsmConfig.load(write("""
                hsms:
                  - name: dc1-hsm1
                    library: /usr/lib/softhsm/libsofthsm2.so
                    token-label: dc1-hsm1
                    pin-file: pins/dc1.pin
                    so-pin-file: pins/dc1.so-pin
                  - name: dc2-hsm1
                    library: /usr/lib/softhsm/libsofthsm2.so
                    token-label: dc2-hsm1
                    pin-file: pins/dc2.pin
                """));
        assertThat(c.hsm("dc1-hsm1").soPinFile()).contains(dir.resolve("pins/dc1.so-pin"));
        assertThat(c.hsm("dc2-hsm1").soPinFile()).isEmpty();

        Path f = write("""
                hsms:
                  - name: a
                    library: /x.so
                    token-label: a
                    pin-file: a.pin
                    so-pin: 5678
                """);
        assertThatThrownBy(() -> HsmConfig.load(f))
                .isInstanceOf(HsmConfigException.class)
                .hasMessageContaining("hsms[0].so-pin")
                .hasMessageContaining("so-pin-file");
        Path blank = write("""
                hsms:
                  - name: a
                    library: /x.so
                    token-label: a
                    pin-file: a.pin
                    so-pin-file: ""
                """);
        assertThatThrownBy(() -> HsmConfig.load(blank)).hasMessageContaining("hsms[0].so-pin-file: missing");
    }

    @Test
    void refusesAPinInTheFileAndNamesTheKeyPath() throws Exception {
        Path f = write("""
                hsms:
                  - name: a
                    library: /x.so
                    token-label: a
                    pin: 1234
                """);
        assertThatThrownBy(() -> HsmConfig.load(f))
                .isInstanceOf(HsmConfigException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("hsms[0].pin")
                .hasMessageContaining("use pin-file");
    }

    @Test
    void namesMissingKeysDuplicatesBadYamlAndAMissingFile() throws Exception {
        assertThatThrownBy(() -> HsmConfig.load(write("hsms:\n  - name: a\n    library: /x.so\n    pin-file: a.pin\n")))
                .hasMessageContaining("hsms[0].token-label: missing");
        assertThatThrownBy(() -> HsmConfig.load(write("""
                hsms:
                  - {name: a, library: /x.so, token-label: a, pin-file: a.pin}
                  - {name: a, library: /x.so, token-label: b, pin-file: b.pin}
                """)))
                .hasMessageContaining("hsms[1].name: duplicate HSM name 'a'");
        assertThatThrownBy(() -> HsmConfig.load(write("hsms: [\n"))).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> HsmConfig.load(write("zookeeper: x\n")))
                .hasMessageContaining("hsms: missing or empty");
        assertThatThrownBy(() -> HsmConfig.load(dir.resolve("nope.yaml"))).hasMessageContaining("not found");
    }
}
