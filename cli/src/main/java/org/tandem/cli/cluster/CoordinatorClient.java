package org.tandem.cli.cluster;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.tandem.cli.ExitCode;
import org.tandem.cli.SignerctlException;
import org.tandem.keysync.grpc.CallerRole;
import org.tandem.keysync.grpc.MtlsChannels;
import org.tandem.keysync.grpc.TlsMaterialException;
import org.tandem.proto.coordinator.v1.CoordinatorGrpc;
import org.tandem.proto.coordinator.v1.PreflightResult;

/**
 * One mutual-TLS connection to the coordinator with the operator's certificate. Every call has a
 * deadline; a gRPC failure becomes a {@link SignerctlException} with the exit code docs/operations.md
 * documents (unreachable, not permitted, refused, usage). Not thread-safe; close it.
 */
public final class CoordinatorClient implements AutoCloseable {
    /** Deadline of the view calls (status, keys, preflight: the coordinator proves keys on every HSM). */
    public static final Duration VIEW_DEADLINE = Duration.ofSeconds(90);

    private final ClusterConfig config;
    private final ManagedChannel channel;

    CoordinatorClient(ClusterConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        try {
            // signerctl talks only to the coordinator: a node, an operator's machine or anything else
            // from the cluster CA at that address is refused during the handshake.
            this.channel = MtlsChannels.open(config.coordinator(), config.tls(), Set.of(CallerRole.COORDINATOR));
        } catch (TlsMaterialException e) {
            throw new SignerctlException(ExitCode.CONFIG, config.source() + ": tls: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the cluster configuration {@code file} ({@link ClusterConfig#load}) and connects.
     *
     * @throws SignerctlException CONFIG naming file and key when the file or its TLS files are wrong
     */
    public static CoordinatorClient open(Path file) {
        return new CoordinatorClient(ClusterConfig.load(file));
    }

    /** Runs one call on a blocking stub with the given deadline, translating gRPC failures. */
    public <T> T call(String what, Duration deadline, Function<CoordinatorGrpc.CoordinatorBlockingStub, T> rpc) {
        CoordinatorGrpc.CoordinatorBlockingStub stub =
                CoordinatorGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return rpc.apply(stub);
        } catch (StatusRuntimeException e) {
            throw translate(what, e);
        }
    }

    SignerctlException translate(String what, StatusRuntimeException e) {
        Status s = e.getStatus();
        String detail =
                s.getDescription() == null ? s.getCode().name() : s.getCode().name() + ": " + s.getDescription();
        if (s.getCause() != null && s.getDescription() == null) {
            detail += " (" + s.getCause().getMessage() + ")";
        }
        Optional<String> tls = certificateRefusal(e);
        if (tls.isPresent()) {
            detail += "; TLS handshake refused: " + tls.get();
        }
        String where =
                "coordinator " + config.coordinator() + " (" + config.source().getFileName() + ")";
        Optional<String> node = unreachableNode(e);
        if (node.isPresent()) {
            return new SignerctlException(
                    ExitCode.FAILED,
                    what + ": " + where + " could not reach node " + node.get() + ": " + detail
                            + "; run signerctl status, then signerctl kek status / keys verify to see what was done",
                    e);
        }
        return switch (s.getCode()) {
            case UNAVAILABLE ->
                new SignerctlException(
                        ExitCode.COORDINATOR_UNREACHABLE,
                        what + ": cannot reach " + where + ": " + detail + "; nothing was changed",
                        e);
            case DEADLINE_EXCEEDED ->
                new SignerctlException(
                        ExitCode.COORDINATOR_UNREACHABLE,
                        what + ": no answer from " + where + " in time: " + detail
                                + "; the outcome is unknown: run signerctl status",
                        e);
            case PERMISSION_DENIED, UNAUTHENTICATED ->
                new SignerctlException(
                        ExitCode.NOT_PERMITTED,
                        what + ": " + where + " refused the certificate "
                                + config.tls().certificateChain() + ": " + detail
                                + " (ordering a cut-over, a step-down or a key ceremony needs OU=operator)",
                        e);
            case INVALID_ARGUMENT, NOT_FOUND -> new SignerctlException(ExitCode.USAGE, what + ": " + detail, e);
            case FAILED_PRECONDITION, ABORTED ->
                new SignerctlException(ExitCode.REFUSED, what + ": refused by " + where + ": " + detail, e);
            default -> new SignerctlException(ExitCode.FAILED, what + ": " + where + " failed: " + detail, e);
        };
    }

    /** Why this side refused the server's certificate during the handshake, if it did. */
    static Optional<String> certificateRefusal(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof CertificateException && c.getMessage() != null) {
                return Optional.of(c.getMessage());
            }
        }
        return Optional.empty();
    }

    /** The node the coordinator names as unreachable (ErrorInfo reason NODE_UNREACHABLE), if any. */
    static Optional<String> unreachableNode(StatusRuntimeException e) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        if (status == null) {
            return Optional.empty();
        }
        for (Any a : status.getDetailsList()) {
            if (a.is(ErrorInfo.class)) {
                try {
                    ErrorInfo info = a.unpack(ErrorInfo.class);
                    if (info.getReason().equals("NODE_UNREACHABLE")) {
                        return Optional.of(info.getMetadataOrDefault("node", "?"));
                    }
                } catch (InvalidProtocolBufferException x) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** The preflights a refused step-down of the leader carries (FAILED_PRECONDITION details). */
    static List<PreflightResult> preflights(StatusRuntimeException e) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        List<PreflightResult> out = new ArrayList<>();
        if (status == null) {
            return out;
        }
        for (Any a : status.getDetailsList()) {
            if (a.is(PreflightResult.class)) {
                try {
                    out.add(a.unpack(PreflightResult.class));
                } catch (InvalidProtocolBufferException x) {
                    return List.of();
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
