package org.tandem.coordinator.ceremony;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Objects;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.view.ClusterView;

/**
 * A key ceremony that could not be carried out, with the gRPC code the coordinator answers and,
 * when a node could not be reached, that node's name ({@link #unreachableNode}). The message names
 * the order's step, node, HSM, zone and key where known.
 */
public final class CeremonyException extends CoordinatorException {
    private static final long serialVersionUID = 1L;

    private final Status.Code code;
    private final String unreachableNode;

    public CeremonyException(Status.Code code, String message) {
        this(code, message, "", null);
    }

    private CeremonyException(Status.Code code, String message, String unreachableNode, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.unreachableNode = Objects.requireNonNull(unreachableNode, "unreachableNode");
    }

    /**
     * A node's failure, as the coordinator answers it: an unreachable node (UNAVAILABLE, deadline)
     * stays UNAVAILABLE and is named; a node that refuses the coordinator's certificate is a
     * FAILED_PRECONDITION (the caller's own certificate was fine); ALREADY_EXISTS is a refusal
     * (FAILED_PRECONDITION); INVALID_ARGUMENT, NOT_FOUND and FAILED_PRECONDITION are relayed.
     *
     * @param what the step, e.g. "ExportKek on node-a"
     */
    static CeremonyException fromNode(String node, String what, StatusRuntimeException e) {
        String why = what + " failed: " + ClusterView.describe(e);
        return switch (e.getStatus().getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED ->
                new CeremonyException(
                        Status.Code.UNAVAILABLE,
                        why + " (node " + node + " unreachable from the coordinator)",
                        node,
                        e);
            case PERMISSION_DENIED, UNAUTHENTICATED ->
                new CeremonyException(
                        Status.Code.FAILED_PRECONDITION,
                        why + " (node " + node + " refused the coordinator's certificate: it needs OU=coordinator)",
                        "",
                        e);
            case INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION ->
                new CeremonyException(e.getStatus().getCode(), why, "", e);
            case ALREADY_EXISTS -> new CeremonyException(Status.Code.FAILED_PRECONDITION, why, "", e);
            default -> new CeremonyException(Status.Code.INTERNAL, why, "", e);
        };
    }

    /** The code the coordinator answers with. */
    public Status.Code code() {
        return code;
    }

    /** The node that could not be reached; empty when the failure is not that. */
    public String unreachableNode() {
        return unreachableNode;
    }
}
