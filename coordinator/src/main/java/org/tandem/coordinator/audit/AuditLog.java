package org.tandem.coordinator.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.audit.AuditCheckpointTimer;
import org.tandem.keysync.audit.AuditEvent;
import org.tandem.keysync.audit.AuditLogException;
import org.tandem.keysync.audit.AuditOperation;
import org.tandem.keysync.audit.AuditOutcome;
import org.tandem.keysync.audit.AuditRecord;
import org.tandem.keysync.audit.CheckpointPolicy;
import org.tandem.keysync.audit.SoftwareAuditSigner;
import org.tandem.proto.coordinator.v1.PreflightCheck;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.Refusal;

/**
 * The coordinator's audit log: keysync's hash-chained log ({@link org.tandem.keysync.audit.AuditLog},
 * the same line format and {@code signerctl audit verify} as a node's), one line per order, appended
 * and fsynced before the order's answer leaves. Each line's {@code op} is the order's operation
 * ({@code PREFLIGHT}, {@code CUTOVER} for Failover, {@code STEP_DOWN}, {@code KEK_INIT}, {@code
 * KEK_ENROL}, {@code GENERATE}, {@code SYNC}), {@code actor} the caller's certificate CN, {@code
 * outcome} OK, FAILED or REFUSED, and {@code detail} a JSON object: {@code caller}, {@code order},
 * {@code target}, {@code reason}, {@code preflight} (passed, from, to, nonce, failed checks), {@code
 * refusals} (zone, check, role, tag, fingerprint, node, HSM, problem, fix) and {@code outcome} (the
 * full text). Every line is also logged.
 *
 * <p>Checkpoints: opened with {@link #open(Path, Clock, String, Path, Path, CheckpointPolicy)}, the
 * chain head is signed with the coordinator's TLS private key (the coordinator host has no HSM),
 * every {@link CheckpointPolicy#everyLines()} lines, every {@link CheckpointPolicy#every()} and at
 * {@link #close}; verify with the coordinator's certificate ({@code signerctl audit verify
 * --public-key coordinator.crt}).
 *
 * <p>Thread-safe. {@link #close} writes the last checkpoint.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final org.tandem.keysync.audit.AuditLog log;
    private final Clock clock;
    private final AuditCheckpointTimer timer;

    private AuditLog(org.tandem.keysync.audit.AuditLog log, Clock clock, AuditCheckpointTimer timer) {
        this.log = log;
        this.clock = clock;
        this.timer = timer;
    }

    /** Opens (creates) the log without checkpoints (tests, and a coordinator without a TLS key). */
    public static AuditLog open(Path file, Clock clock) throws CoordinatorException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(clock, "clock");
        try {
            return new AuditLog(org.tandem.keysync.audit.AuditLog.open(file, clock), clock, null);
        } catch (AuditLogException e) {
            throw new CoordinatorException(e.getMessage(), e);
        }
    }

    /**
     * Opens (creates) the log with checkpoints signed by the coordinator's TLS private key.
     *
     * @param name the coordinator's name: the key's label is {@code tandem:audit:<name>}
     * @param tlsKey its unencrypted PKCS#8 PEM private key
     * @param tlsCertificate its certificate, whose public key verifies the checkpoints
     * @throws CoordinatorException naming the file or key that cannot be used
     */
    public static AuditLog open(
            Path file, Clock clock, String name, Path tlsKey, Path tlsCertificate, CheckpointPolicy policy)
            throws CoordinatorException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(clock, "clock");
        try {
            SoftwareAuditSigner signer = SoftwareAuditSigner.load("tandem:audit:" + name, tlsKey, tlsCertificate);
            org.tandem.keysync.audit.AuditLog log = org.tandem.keysync.audit.AuditLog.open(file, clock, signer, policy);
            return new AuditLog(log, clock, AuditCheckpointTimer.start(log));
        } catch (KeySyncException e) {
            throw new CoordinatorException("audit log " + file + ": " + e.getMessage(), e);
        }
    }

    /** The file. */
    public Path file() {
        return log.file();
    }

    /**
     * Appends one order with its preflight (may be null) and outcome, fsynced.
     *
     * @param outcome free text; {@code refused...} or {@code denied...} is written as REFUSED, {@code
     *     failed...} as FAILED, anything else as OK
     * @throws CoordinatorException when the line cannot be written: the caller must not act on an
     *     order it could not audit
     */
    public void record(
            String caller, String order, String target, String reason, PreflightResult preflight, String outcome)
            throws CoordinatorException {
        ObjectNode line = JSON.createObjectNode();
        line.put("caller", caller);
        line.put("order", order);
        line.put("target", target);
        line.put("reason", reason);
        if (preflight != null) {
            ObjectNode p = line.putObject("preflight");
            p.put("passed", preflight.getPassed());
            p.put("from", preflight.getFrom());
            p.put("to", preflight.getTo());
            p.put("nonce", preflight.getNonceHex());
            p.put("checks", preflight.getChecksCount());
            ArrayNode failed = p.putArray("failed_checks");
            for (PreflightCheck c : preflight.getChecksList()) {
                if (!c.getPassed()) {
                    failed.add(c.getName() + (c.getZone().isEmpty() ? "" : " " + c.getZone()) + ": " + c.getDetail());
                }
            }
            ArrayNode refusals = line.putArray("refusals");
            for (Refusal r : preflight.getRefusalsList()) {
                ObjectNode o = refusals.addObject();
                o.put("zone", r.getZone());
                o.put("check", r.getCheck());
                o.put("role", r.getRole().name());
                o.put("key_tag", r.getKeyTag());
                o.put("fingerprint", r.getFingerprint());
                o.put("node", r.getNode());
                o.put("hsm", r.getHsm());
                o.put("problem", r.getProblem());
                o.put("fix", r.getFix());
            }
        }
        line.put("outcome", outcome);
        String detail;
        try {
            detail = JSON.writeValueAsString(line);
        } catch (IOException e) {
            throw new CoordinatorException("audit line cannot be written as JSON: " + e, e);
        }
        AuditRecord record;
        try {
            record = log.append(new AuditEvent(
                    clock.instant(),
                    operation(order),
                    "",
                    "",
                    "",
                    null,
                    "",
                    outcome(outcome),
                    detail,
                    (caller.isBlank() ? "unknown" : caller) + " coordinator " + order));
        } catch (AuditLogException | IllegalArgumentException e) {
            throw new CoordinatorException("audit log " + log.file() + " cannot be appended: " + e.getMessage(), e);
        }
        LOG.info("audit seq={} {}", record.seq(), detail);
    }

    static AuditOperation operation(String order) {
        return switch (order) {
            case "Preflight" -> AuditOperation.PREFLIGHT;
            case "Failover" -> AuditOperation.CUTOVER;
            case "StepDown" -> AuditOperation.STEP_DOWN;
            case "InitKek" -> AuditOperation.KEK_INIT;
            case "EnrolKek" -> AuditOperation.KEK_ENROL;
            case "GenerateKey" -> AuditOperation.GENERATE;
            case "SyncKeys" -> AuditOperation.SYNC;
            default -> throw new IllegalArgumentException("no audit operation for the order '" + order + "'");
        };
    }

    static AuditOutcome outcome(String text) {
        if (text.startsWith("refused") || text.startsWith("denied")) {
            return AuditOutcome.REFUSED;
        }
        return text.startsWith("failed") ? AuditOutcome.FAILED : AuditOutcome.OK;
    }

    /** Stops the checkpoint timer and writes the last checkpoint. Idempotent. */
    @Override
    public void close() {
        if (timer != null) {
            timer.close();
        }
    }
}
