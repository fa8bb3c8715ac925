package org.tandem.signer.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The gate stays independent of the signing path (package-info): no PKCS#11, no HSM port, none of
 * the signer's sign/nsec code, and not dnsjava's DNSSEC class, whose canonical form the signer may
 * share.
 */
class GatePackageBoundaryTest {
    static final Path SOURCES = Path.of("src/main/java/org/tandem/signer/gate");
    static final List<String> FORBIDDEN = List.of(
            "sun.security.pkcs11",
            "org.tandem.keysync.hsm",
            "org.tandem.signer.sign",
            "org.tandem.signer.nsec",
            "org.xbill.DNS.DNSSEC");

    @Test
    void importsNothingFromTheSigningPath() throws IOException {
        assertThat(SOURCES).isDirectory();
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.startsWith("import ")) {
                        assertThat(FORBIDDEN)
                                .as("%s: %s", f.getFileName(), line)
                                .noneMatch(line::contains);
                    }
                }
            }
        }
    }
}
