package org.tandem.keysync.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.security.cert.CertificateException;
import java.util.Map;
import java.util.Objects;
import org.tandem.keysync.KeySyncException;

/**
 * A {@code KeySync} call to another node failed, or its answer did not hold together. The message
 * names the method, what was asked (zone, fingerprint, HSM) and the peer's status and description,
 * which name zone, HSM, key tag and fingerprint where the peer knew them.
 *
 * <p>{@link #code()} is the gRPC status code ({@code INTERNAL} for an answer that does not hold
 * together); {@link #reason()} and {@link #metadata()} are the peer's {@code google.rpc.ErrorInfo}
 * when it sent one (domain {@code keysync.tandem.org}).
 */
public class RemoteCallException extends KeySyncException {
    private static final long serialVersionUID = 1L;

    private final String method;
    private final Status.Code code;
    private final String reason;
    private final Map<String, String> metadata;

    private RemoteCallException(
            String method,
            Status.Code code,
            String reason,
            Map<String, String> metadata,
            String message,
            Throwable cause) {
        super(message, cause);
        this.method = Objects.requireNonNull(method, "method");
        this.code = Objects.requireNonNull(code, "code");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.metadata = Map.copyOf(metadata);
    }

    /** The call failed with the peer's (or the channel's) status. */
    static RemoteCallException failed(String method, String asked, StatusRuntimeException e) {
        Status status = e.getStatus();
        String reason = "";
        Map<String, String> metadata = Map.of();
        com.google.rpc.Status details = StatusProto.fromThrowable(e);
        if (details != null) {
            for (var any : details.getDetailsList()) {
                if (any.is(ErrorInfo.class)) {
                    try {
                        ErrorInfo info = any.unpack(ErrorInfo.class);
                        reason = info.getReason();
                        metadata = info.getMetadataMap();
                    } catch (InvalidProtocolBufferException malformed) {
                        // An unreadable ErrorInfo adds nothing; the status code and description,
                        // which carry the same facts, are still reported below.
                        reason = "";
                        metadata = Map.of();
                    }
                }
            }
        }
        return new RemoteCallException(
                method,
                status.getCode(),
                reason,
                metadata,
                "KeySync/" + method + " " + asked + ": " + describe(status),
                e);
    }

    /**
     * The status for an operator: its code and the first line of its description, without the
     * transport's internals that gRPC appends (channel pipelines, name-resolution and load-balancer
     * state), which name nothing an operator can act on.
     */
    public static String describe(Status status) {
        String d = status.getDescription();
        if (d == null || d.isBlank()) {
            return status.getCode().toString();
        }
        String first = d.lines().findFirst().orElse("").strip();
        int internals = first.indexOf(". Name resolution delay");
        if (internals >= 0) {
            first = first.substring(0, internals);
        }
        // A server certificate this side refused (wrong role, expired, wrong CA) says why.
        for (Throwable c = status.getCause(); c != null; c = c.getCause()) {
            if (c instanceof CertificateException && c.getMessage() != null) {
                return status.getCode() + ": " + first + "; TLS handshake refused: " + c.getMessage();
            }
        }
        return status.getCode() + ": " + first;
    }

    /** The call answered, but the answer does not hold together. */
    static RemoteCallException malformed(String method, String asked, String what) {
        return new RemoteCallException(
                method,
                Status.Code.INTERNAL,
                "",
                Map.of(),
                "KeySync/" + method + " " + asked + ": malformed answer: " + what,
                null);
    }

    /** The gRPC method, e.g. {@code Inventory}. */
    public String method() {
        return method;
    }

    /** The status code: {@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}, {@code NOT_FOUND}, ... */
    public Status.Code code() {
        return code;
    }

    /** The peer's ErrorInfo reason ({@code KEK_MISMATCH}, {@code KEY_CONFLICT}, ...), or "". */
    public String reason() {
        return reason;
    }

    /**
     * The peer's ErrorInfo metadata ({@code zone}, {@code hsm}, {@code role}, {@code key_tag}, {@code fingerprint}).
     */
    public Map<String, String> metadata() {
        return metadata;
    }
}
