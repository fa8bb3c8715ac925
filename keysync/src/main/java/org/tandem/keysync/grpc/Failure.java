package org.tandem.keysync.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tandem.keysync.KekMismatchException;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.audit.AuditLogException;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmUnavailableException;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ManifestConflictException;
import org.tandem.keysync.manifest.ManifestException;
import org.tandem.keysync.manifest.ManifestStoreUnavailableException;

/**
 * A refused or failed KeySync call, built up with what is known (zone, HSM, role, key tag,
 * fingerprint) and turned into a gRPC {@link StatusException} whose description names all of them
 * and whose details carry a {@link ErrorInfo} (domain {@value #DOMAIN}, a {@link Reason}, the same
 * facts as metadata). No stack trace and no cause ever reaches the client.
 *
 * <p>Not thread-safe; build one per failure.
 */
final class Failure {
    /** The {@link ErrorInfo#getDomain()} of every KeySync error. */
    static final String DOMAIN = "keysync.tandem.org";

    /** {@link ErrorInfo#getReason()} values: what went wrong, for programs. */
    enum Reason {
        INVALID_REQUEST(Status.Code.INVALID_ARGUMENT),
        UNKNOWN_HSM(Status.Code.NOT_FOUND),
        KEY_NOT_FOUND(Status.Code.NOT_FOUND),
        KEY_CONFLICT(Status.Code.ALREADY_EXISTS),
        NO_KEK(Status.Code.FAILED_PRECONDITION),
        KEK_MISMATCH(Status.Code.FAILED_PRECONDITION),
        PROOF_FAILED(Status.Code.FAILED_PRECONDITION),
        HSM_UNAVAILABLE(Status.Code.UNAVAILABLE),
        HSM_ERROR(Status.Code.INTERNAL),
        AUDIT_FAILED(Status.Code.INTERNAL),
        UNAUTHENTICATED(Status.Code.UNAUTHENTICATED),
        /** The caller's certificate lacks the role (OU) the method needs. */
        PERMISSION_DENIED(Status.Code.PERMISSION_DENIED),
        /** The zone's manifest does not list the key live, or lists it with another role or algorithm. */
        NOT_IN_MANIFEST(Status.Code.FAILED_PRECONDITION),
        MANIFEST_UNAVAILABLE(Status.Code.UNAVAILABLE),
        /** Someone else kept writing the zone's manifest; read again and retry. */
        MANIFEST_CONFLICT(Status.Code.ABORTED),
        MANIFEST_ERROR(Status.Code.INTERNAL),
        /** An HSM of the node holds a cluster KEK already (InitKek, BeginKekEnrolment). */
        KEK_EXISTS(Status.Code.FAILED_PRECONDITION),
        /** No pending KEK enrolment under that id (expired, completed, or made by another node). */
        ENROLMENT_UNKNOWN(Status.Code.FAILED_PRECONDITION),
        /** Too many KEK enrolments pending on the node (each holds a key pair in an HSM session). */
        TOO_MANY_ENROLMENTS(Status.Code.RESOURCE_EXHAUSTED),
        /** Another KeySync failure (e.g. every key-tag draw collided). */
        KEYSYNC_ERROR(Status.Code.INTERNAL);

        private final Status.Code code;

        Reason(Status.Code code) {
            this.code = code;
        }

        Status.Code code() {
            return code;
        }
    }

    private final Reason reason;
    private final Map<String, String> facts = new LinkedHashMap<>();

    private Failure(Reason reason) {
        this.reason = reason;
    }

    static Failure of(Reason reason) {
        return new Failure(Objects.requireNonNull(reason, "reason"));
    }

    /**
     * The boundary's mapping of an HSM failure: {@link HsmUnavailableException} is {@code
     * UNAVAILABLE}; a KEK check-value mismatch ("KEK differs") is {@code FAILED_PRECONDITION}; any
     * other HSM failure is {@code INTERNAL}.
     */
    static Failure of(HsmException e) {
        Failure f;
        if (e instanceof HsmUnavailableException) {
            f = of(Reason.HSM_UNAVAILABLE);
        } else if (String.valueOf(e.getMessage()).contains("KEK differs")) {
            f = of(Reason.KEK_MISMATCH);
        } else {
            f = of(Reason.HSM_ERROR);
        }
        return f.hsm(e.hsm());
    }

    /**
     * The boundary's mapping of any keysync failure: HSM failures as {@link #of(HsmException)},
     * manifest store failures by kind, the audit log as {@code AUDIT_FAILED}, a KEK mismatch as
     * {@code KEK_MISMATCH}; anything else {@code KEYSYNC_ERROR}.
     */
    static Failure of(KeySyncException e) {
        if (e instanceof HsmException h) {
            return of(h);
        }
        if (e instanceof ManifestStoreUnavailableException) {
            return of(Reason.MANIFEST_UNAVAILABLE);
        }
        if (e instanceof ManifestConflictException) {
            return of(Reason.MANIFEST_CONFLICT);
        }
        if (e instanceof ManifestException) {
            return of(Reason.MANIFEST_ERROR);
        }
        if (e instanceof AuditLogException) {
            return of(Reason.AUDIT_FAILED);
        }
        if (e instanceof KekMismatchException) {
            return of(Reason.KEK_MISMATCH);
        }
        return of(Reason.KEYSYNC_ERROR);
    }

    Reason reason() {
        return reason;
    }

    Failure zone(ZoneName zone) {
        return fact("zone", zone.toString());
    }

    /** A zone as the caller sent it, when it did not parse. */
    Failure zone(String zone) {
        return fact("zone", zone);
    }

    Failure hsm(HsmId hsm) {
        return fact("hsm", hsm.name());
    }

    /** An HSM name as the caller sent it, when the node has no such HSM. */
    Failure hsm(String hsm) {
        return fact("hsm", hsm);
    }

    /** Zone, role, key tag and fingerprint of the key. */
    Failure key(DnssecKey key) {
        zone(key.zone());
        fact("role", key.role().name());
        fact("key_tag", key.keyTag().toString());
        return fingerprint(key.fingerprint());
    }

    Failure fingerprint(Fingerprint fp) {
        return fact("fingerprint", fp.hex());
    }

    /** A role and key tag as the caller's descriptor claims them, when no key could be built from it. */
    Failure claimed(String role, int keyTag) {
        fact("role", role);
        return fact("key_tag", Integer.toString(keyTag & 0xFFFF));
    }

    /** Records a fact; an empty value (nothing known) is left out. */
    private Failure fact(String name, String value) {
        if (!Objects.requireNonNull(value, name).isEmpty()) {
            facts.put(name, value);
        }
        return this;
    }

    /**
     * A fact recorded so far ({@code zone}, {@code hsm}, {@code role}, {@code key_tag}, {@code fingerprint}), or "".
     */
    String get(String name) {
        return facts.getOrDefault(name, "");
    }

    /** The one-line description: {@code zone example. HSM dc1-hsm1 ZSK 50913 fp <hex>: <what>}. */
    String describe(String what) {
        List<String> parts = new ArrayList<>();
        if (facts.containsKey("zone")) {
            parts.add("zone " + facts.get("zone"));
        }
        if (facts.containsKey("hsm")) {
            parts.add("HSM " + facts.get("hsm"));
        }
        if (facts.containsKey("role")) {
            parts.add(facts.get("role") + " " + facts.get("key_tag"));
        }
        if (facts.containsKey("fingerprint")) {
            parts.add("fp " + facts.get("fingerprint"));
        }
        return parts.isEmpty() ? what : String.join(" ", parts) + ": " + what;
    }

    /** The status for the client: code from the reason, the description, and an {@link ErrorInfo}. */
    StatusException because(String what) {
        Status status = Status.fromCode(reason.code());
        ErrorInfo info = ErrorInfo.newBuilder()
                .setDomain(DOMAIN)
                .setReason(reason.name())
                .putAllMetadata(facts)
                .build();
        return StatusProto.toStatusException(com.google.rpc.Status.newBuilder()
                .setCode(status.getCode().value())
                .setMessage(describe(what))
                .addDetails(Any.pack(info))
                .build());
    }
}
