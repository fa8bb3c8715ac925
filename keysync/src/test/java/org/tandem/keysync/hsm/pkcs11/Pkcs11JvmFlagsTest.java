package org.tandem.keysync.hsm.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The three homes of the PKCS#11 wrapper flag (Java, Maven, shell) say the same thing. */
class Pkcs11JvmFlagsTest {
    private static final Path REPOSITORY = Path.of("..");

    @Test
    void parentPomPassesTheSameFlagToJavacSurefireAndFailsafe() throws IOException {
        String pom = Files.readString(REPOSITORY.resolve("pom.xml"));
        assertThat(pom).contains("<tandem.addExports>" + Pkcs11JvmFlags.ADD_EXPORTS + "</tandem.addExports>");
        assertThat(pom).contains("<argLine>${tandem.addExports}</argLine>");
    }

    @Test
    void shellLaunchersSourceTheSameFlag() throws IOException {
        String sh = Files.readString(REPOSITORY.resolve("bin/lib/jvm-flags.sh"));
        assertThat(sh).contains("TANDEM_JVM_FLAGS=(" + Pkcs11JvmFlags.ADD_EXPORTS + ")");
        for (String launcher : new String[] {"bin/signer-node", "bin/signerctl", "bin/chaos", "bench/keysync-timing"}) {
            assertThat(Files.readString(REPOSITORY.resolve(launcher)))
                    .as(launcher)
                    .contains("source \"$ROOT/bin/lib/jvm-flags.sh\"")
                    .contains("\"${TANDEM_JVM_FLAGS[@]}\"")
                    .doesNotContain(Pkcs11JvmFlags.ADD_EXPORTS);
        }
    }
}
