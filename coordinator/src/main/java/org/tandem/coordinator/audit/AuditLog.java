package org.tandem.coordinator.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.proto.coordinator.v1.PreflightCheck;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.Refusal;

/**
 * The coordinator's audit log: one JSON object per line, appended and fsynced before the order's
 * answer leaves: {@code time}, {@code caller} (certificate CN), {@code order} (Preflight, Failover,
 * StepDown), {@code target}, {@code reason}, {@code preflight} (passed, from, nonce, failed checks),
 * {@code refusals} (zone, check, role, tag, fingerprint, node, HSM, problem, fix) and {@code outcome}.
 * Every line is also logged. Thread-safe (synchronized); {@link #close} closes the file.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final Clock clock;

    private AuditLog(Path file, FileChannel channel, Clock clock) {
        this.file = file;
        this.channel = channel;
        this.clock = clock;
    }

    /** Opens (creates) the log for appending. */
    public static AuditLog open(Path file, Clock clock) throws CoordinatorException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(clock, "clock");
        try {
            return new AuditLog(file, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND), clock);
        } catch (IOException e) {
            throw new CoordinatorException("audit log " + file + " cannot be opened for appending: " + e, e);
        }
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /**
     * Appends one order with its preflight (may be null for StepDown) and outcome, fsynced.
     *
     * @throws CoordinatorException when the line cannot be written: the caller must not act on an
     *     order it could not audit
     */
    public synchronized void record(String caller, String order, String target, String reason, PreflightResult preflight,
            String outcome) throws CoordinatorException {
        ObjectNode line = JSON.createObjectNode();
        line.put("time", clock.instant().toString());
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
        String text;
        try {
            text = JSON.writeValueAsString(line);
        } catch (IOException e) {
            throw new CoordinatorException("audit line cannot be written as JSON: " + e, e);
        }
        try {
            ByteBuffer b = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                channel.write(b);
            }
            channel.force(true);
        } catch (IOException e) {
            throw new CoordinatorException("audit log " + file + " cannot be appended: " + e, e);
        }
        LOG.info("audit {}", text);
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("audit log {} close failed: {}", file, e.toString());
        }
    }
}
