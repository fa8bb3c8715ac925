package org.tandem.chaos.hsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of {@link TokenFaults} that need no token: configuration, argument checks, masking. */
class TokenFaultsTest {
    @TempDir
    Path dir;

    private Path conf() throws Exception {
        Path conf = dir.resolve("softhsm2.conf");
        Files.writeString(conf, "directories.tokendir = " + dir.resolve("tokens") + "\nobjectstore.backend = file\n");
        return conf;
    }

    @Test
    void readsTheTokenDirectoryFromTheConfiguration() throws Exception {
        assertThat(new TokenFaults(conf(), dir.resolve("work")).tokenDirectory())
                .isEqualTo(dir.resolve("tokens"));
    }

    @Test
    void refusesAWorkDirectoryBelowTheTokenDirectory() throws Exception {
        Path conf = conf();
        assertThatThrownBy(() -> new TokenFaults(conf, dir.resolve("tokens/snapshots")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("below the token directory");
    }

    @Test
    void refusesAConfigurationWithoutTokenDirectory() throws Exception {
        Path conf = dir.resolve("empty.conf");
        Files.writeString(conf, "log.level = ERROR\n");
        assertThatThrownBy(() -> new TokenFaults(conf, dir.resolve("work")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("directories.tokendir");
    }

    @Test
    void refusesBadIdsAndNonKeysyncLabelsBeforeRunningAnyTool() throws Exception {
        TokenFaults f = new TokenFaults(conf(), dir.resolve("work"));
        Path pin = dir.resolve("pin");
        assertThatThrownBy(() -> f.plantStrayKeyPair("node-a", pin, "k", "abc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'abc'");
        assertThatThrownBy(() -> f.replaceWithDifferentKey("node-a", pin, "my-key", "ab"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tandem:<zone>:<ROLE>:<alg>:<tag>");
        assertThatThrownBy(() -> f.replaceWithDifferentKey("node-a", pin, "tandem:example.test.:ZSK:8:1234", "ab"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only ECDSA");
        assertThatThrownBy(() -> f.changePin("node-a", "1234", "1234")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void masksEveryPinOnTheCommandLine() {
        assertThat(ToolRun.mask(
                        List.of("pkcs11-tool", "--pin", "1234", "--change-pin", "--new-pin", "5678", "--so-pin", "9")))
                .containsExactly("pkcs11-tool", "--pin", "***", "--change-pin", "--new-pin", "***", "--so-pin", "***");
    }

    @Test
    void exceptionAndResultNameTokenKeyLabelAndId() {
        TokenFaultException e = new TokenFaultException(
                "node-b",
                Optional.of("tandem:example.test.:ZSK:13:1"),
                Optional.of("0a0b"),
                "delete privkey",
                List.of("pkcs11-tool", "--pin", "***"),
                Optional.of(1),
                "error: boom\n",
                null);
        assertThat(e)
                .hasMessage("token 'node-b' key label 'tandem:example.test.:ZSK:13:1' CKA_ID 0a0b: delete privkey"
                        + " [pkcs11-tool --pin ***] exit code 1: error: boom");
        FaultApplied r = new FaultApplied(
                "delete-key",
                "node-b",
                Optional.of("L"),
                Optional.of("0a0b"),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                List.of("step one", "step two"));
        assertThat(r.describe()).isEqualTo("delete-key token='node-b' key-label='L' cka-id=0a0b: step one; step two");
        assertThatThrownBy(() -> new Snapshot("node-b", "s", "uuid", dir, Map.of("generation", "00")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token.object");
    }
}
