package org.tandem.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The coordinator depends on keysync for its audit log and the gRPC transport rules every Tandem
 * process shares (TLS 1.3, connection limits, roles), its ZooKeeper client builder and znode layout and
 * the metrics endpoint only: no HSM code, no manifest writes, no key
 * handling from keysync in the coordinator's main sources.
 */
class CoordinatorImportsTest {
    private static final Pattern KEYSYNC_IMPORT = Pattern.compile("import (static )?org\\.tandem\\.keysync\\.([A-Za-z0-9_.]+)");

    @Test
    void mainSourcesImportNothingFromKeysyncButItsAuditLogGrpcTransportMetricsEndpointAndBaseException()
            throws IOException {
        List<String> offending = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = KEYSYNC_IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    String what = m.group(2);
                    if (!what.startsWith("audit.") && !what.startsWith("grpc.") && !what.equals("manifest.ZooKeeperClientSettings")
                            && !what.equals("metrics.MetricsServer")
                            && !what.equals("manifest.ZooKeeperLayout")
                            && !what.startsWith("config.")
                            && !what.equals("KeySyncException")) {
                        offending.add(f + ": org.tandem.keysync." + what);
                    }
                }
            }
        }
        assertThat(offending).isEmpty();
    }
}
