package org.tandem.keysync.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.manifest.ManifestStore;
import org.tandem.keysync.proof.KeySetVerifier;

/**
 * One signer node for the KeySync ITs: its real SoftHSM2 tokens, its audit log, the cluster's
 * manifest store and its KeySync server on {@code 127.0.0.1}, port 0, with a certificate
 * ({@code OU=node}) from the test cluster CA. Closing stops the server first, then closes the HSMs
 * (not the store: the cluster's).
 */
final class TestNode implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final String name;
    final List<Pkcs11Hsm> hsms;
    final Path auditFile;
    final KeySyncService service;
    private final KeySyncServer server;

    private TestNode(String name, List<Pkcs11Hsm> hsms, Path auditFile, KeySyncService service, KeySyncServer server) {
        this.name = name;
        this.hsms = hsms;
        this.auditFile = auditFile;
        this.service = service;
        this.server = server;
    }

    /**
     * Starts the node's server over already opened HSMs; on failure closes them.
     *
     * @param dir where the audit log goes
     */
    static TestNode start(
            String name, List<Pkcs11Hsm> hsms, ManifestStore store, Path dir, TlsMaterial tls, Clock clock)
            throws Exception {
        try {
            Path auditFile = dir.resolve(name + "-audit.jsonl");
            AuditLog audit = AuditLog.open(auditFile, clock);
            KeySyncService service = new KeySyncService(
                    name,
                    hsms,
                    clock,
                    audit,
                    "tandem@" + name + " keysync-server",
                    store,
                    new KeySetVerifier(clock, new SecureRandom()));
            return new TestNode(
                    name, List.copyOf(hsms), auditFile, service, KeySyncServer.start("127.0.0.1", 0, tls, service));
        } catch (Exception | Error e) {
            hsms.forEach(Pkcs11Hsm::close);
            throw e;
        }
    }

    String target() {
        return "127.0.0.1:" + server.port();
    }

    /** The audit log, one JSON object per line. */
    List<JsonNode> audit() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(auditFile, StandardCharsets.UTF_8)) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            hsms.forEach(Pkcs11Hsm::close);
        }
    }
}
