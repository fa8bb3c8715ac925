package org.tandem.signer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The daemon's packages keep to what their package-info says: PKCS#11 only in keysync's adapter,
 * Curator and ZooKeeper only in {@code election} and {@code publish}, gRPC only in {@code grpc}
 * and in the replication agent's client ({@code replication}, which knows neither signing nor the
 * election), and the planners free of the signing machinery.
 */
class NodePackageBoundaryTest {
    private static final String EVERYWHERE = "sun.security.pkcs11 org.tandem.keysync.hsm.pkcs11 org.apache.curator"
            + " org.apache.zookeeper";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "node     | io.grpc",
        "grpc     | org.tandem.signer.sign org.tandem.signer.gate org.tandem.signer.zone org.tandem.signer.nsec"
                + " org.tandem.signer.publish org.tandem.signer.election",
        "metrics  | io.grpc org.tandem.signer.sign org.tandem.signer.gate org.tandem.signer.zone"
                + " org.tandem.signer.publish org.tandem.signer.election",
        "replication | org.tandem.signer.sign org.tandem.signer.gate org.tandem.signer.zone org.tandem.signer.nsec"
                + " org.tandem.signer.publish org.tandem.signer.election",
        "schedule | io.grpc org.tandem.signer.gate org.tandem.signer.zone org.tandem.signer.nsec"
                + " org.tandem.signer.publish org.tandem.signer.election org.tandem.signer.sign.ZoneSigner"
                + " org.tandem.signer.sign.RrsetSigner",
        "watchdog | io.grpc org.tandem.signer.sign org.tandem.signer.nsec org.tandem.signer.schedule"
                + " org.tandem.signer.election org.tandem.signer.node org.tandem.signer.zone",
    })
    void importsOnlyWhatItsPackageInfoAllows(String pkg, String forbidden) throws IOException {
        Path sources = Path.of("src/main/java/org/tandem/signer").resolve(pkg.trim());
        List<String> banned = List.of((EVERYWHERE + " " + forbidden.trim()).split(" +"));
        assertThat(sources).isDirectory();
        int files = 0;
        try (Stream<Path> list = Files.list(sources)) {
            for (Path f : list.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                for (String line : Files.readAllLines(f)) {
                    if (line.startsWith("import ")) {
                        assertThat(banned).as("%s: %s", f.getFileName(), line).noneMatch(line::contains);
                    }
                }
            }
        }
        assertThat(files).as("java files in %s", sources).isGreaterThan(1);
    }
}
