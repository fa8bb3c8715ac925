package org.tandem.signer.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tandem.keysync.hsm.HsmSpec;

/** The files a test writes for a signer-node process: a minimal zone source and an {@code hsm.yaml}. */
public final class NodeTestFiles {
    private NodeTestFiles() {}

    /**
     * Writes {@code dir/zones/example.test.zone} (SOA, NS and the name server's address) and creates
     * an empty {@code dir/published}.
     */
    public static void minimalZone(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("zones"));
        Files.createDirectories(dir.resolve("published"));
        Files.writeString(dir.resolve("zones/example.test.zone"), """
                $ORIGIN example.test.
                $TTL 3600
                @        SOA   ns1 hostmaster 2026120100 7200 3600 1209600 300
                @        NS    ns1
                ns1      A     192.0.2.53
                """, StandardCharsets.US_ASCII);
    }

    /** Writes {@code file}: one HSM named {@code hsm} on {@code spec}'s token, the audit log, ZooKeeper. */
    public static Path hsmYaml(Path file, String hsm, HsmSpec spec, Path auditLog, String zookeeper, String root)
            throws IOException {
        return Files.writeString(file, "hsms:\n  - name: " + hsm + "\n    library: " + spec.library()
                + "\n    token-label: " + spec.tokenLabel() + "\n    pin-file: " + spec.pinFile() + "\naudit-log: "
                + auditLog + "\nzookeeper: " + zookeeper + "\nzookeeper-root: " + root + "\n");
    }
}
