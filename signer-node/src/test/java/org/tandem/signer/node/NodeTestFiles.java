package org.tandem.signer.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tandem.keysync.hsm.HsmSpec;

/** The files a test writes for a signer-node process: a minimal zone source and an {@code hsm.yaml}. */
public final class NodeTestFiles {
    /** The smallest zone a node signs: SOA, NS and the name server's address. */
    public static final String MINIMAL_ZONE = """
            $ORIGIN example.test.
            $TTL 3600
            @        SOA   ns1 hostmaster 2026120100 7200 3600 1209600 300
            @        NS    ns1
            ns1      A     192.0.2.53
            """;

    /** {@link #MINIMAL_ZONE} with a web host (A, AAAA), CAA and a secure delegation (NS, glue, DS). */
    public static final String DELEGATING_ZONE = MINIMAL_ZONE + """
            www      A     192.0.2.80
            www      AAAA  2001:db8::80
            @        CAA   0 issue "ca.example"
            sub      NS    ns.sub
            ns.sub   A     192.0.2.54
            sub      DS    12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
            """;

    private NodeTestFiles() {}

    /** Writes {@link #MINIMAL_ZONE} (see {@link #zone}). */
    public static void minimalZone(Path dir) throws IOException {
        zone(dir, MINIMAL_ZONE);
    }

    /** Writes {@code source} to {@code dir/zones/example.test.zone} and creates an empty {@code dir/published}. */
    public static void zone(Path dir, String source) throws IOException {
        Files.createDirectories(dir.resolve("zones"));
        Files.createDirectories(dir.resolve("published"));
        Files.writeString(dir.resolve("zones/example.test.zone"), source, StandardCharsets.US_ASCII);
    }

    /** Writes {@code file}: one HSM named {@code hsm} on {@code spec}'s token, the audit log, ZooKeeper. */
    public static Path hsmYaml(Path file, String hsm, HsmSpec spec, Path auditLog, String zookeeper, String root)
            throws IOException {
        return Files.writeString(
                file,
                "hsms:\n  - name: " + hsm + "\n    library: " + spec.library()
                        + "\n    token-label: " + spec.tokenLabel() + "\n    pin-file: " + spec.pinFile()
                        + "\naudit-log: "
                        + auditLog + "\nzookeeper: " + zookeeper + "\nzookeeper-root: " + root + "\n");
    }
}
