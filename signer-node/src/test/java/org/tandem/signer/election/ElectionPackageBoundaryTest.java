package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The package rules of package-info.java and the layout conventions, checked on the sources. */
class ElectionPackageBoundaryTest {
    private static final Path MAIN = Path.of("src/main/java/org/tandem/signer");

    @Test
    void electionImportsNoPkcs11NoGrpcAndNoCuratorTest() throws IOException {
        List<String> offending = new ArrayList<>();
        try (Stream<Path> files = Files.list(MAIN.resolve("election"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.startsWith("import ") && (line.contains("keysync.hsm.pkcs11") || line.contains("io.grpc")
                            || line.contains("org.apache.curator.test") || line.contains("sun.security.pkcs11"))) {
                        offending.add(f.getFileName() + ": " + line);
                    }
                }
            }
        }
        assertThat(offending).isEmpty();
    }

    @Test
    void curatorIsUsedOnlyInElectionAndPublish() throws IOException {
        List<String> offending = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(f.getParent()).toString();
                if (pkg.equals("election") || pkg.equals("publish")) {
                    continue;
                }
                for (String line : Files.readAllLines(f)) {
                    if (line.startsWith("import ") && (line.contains("org.apache.curator") || line.contains("org.apache.zookeeper"))) {
                        offending.add(MAIN.relativize(f) + ": " + line);
                    }
                }
            }
        }
        assertThat(offending).isEmpty();
    }
}
