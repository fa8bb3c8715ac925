package org.tandem.signer.lifecycle;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;

/**
 * One step of a rollover and when it is due. The agent carries out the steps that are due, each
 * under the keysync guarantee, and asks the planner again.
 *
 * @param kind what to do
 * @param role the role concerned
 * @param algorithm the algorithm concerned (for {@link Kind#GENERATE}, the new key's)
 * @param key the key concerned; empty for {@link Kind#GENERATE} and the CDS steps
 * @param ds for {@link Kind#PUBLISH_CDS} and {@link Kind#AWAIT_PARENT}: the keys the parent's DS RRset
 *     should name; empty otherwise
 * @param due the earliest instant the step may be taken (at or before {@code now}: due now)
 * @param reason why, and which rule sets the time
 */
public record RolloverAction(
        Kind kind,
        KeyRole role,
        Algorithm algorithm,
        Optional<Fingerprint> key,
        Set<Fingerprint> ds,
        Instant due,
        String reason) {
    /** The steps of RFC 7583 and RFC 6781 §4.1.4, and the parent's. */
    public enum Kind {
        /** Generate a key (then replicate and prove it on every HSM). */
        GENERATE,
        /** Add the key's DNSKEY to the published RRset. */
        PUBLISH_DNSKEY,
        /** Sign with the key. */
        START_SIGNING,
        /** Stop signing with the key (its signatures leave as RRsets are signed again). */
        STOP_SIGNING,
        /** Take the key's DNSKEY out of the published RRset. */
        REMOVE_DNSKEY,
        /** Publish CDS and CDNSKEY naming {@link #ds()} (RFC 7344, RFC 8078). */
        PUBLISH_CDS,
        /** Remove the CDS and CDNSKEY RRsets: the parent has acted (RFC 7344 §4.1). */
        WITHDRAW_CDS,
        /** Wait for the parent's DS RRset to name exactly {@link #ds()}; {@code due} is the expected time. */
        AWAIT_PARENT,
        /** Delete the key from the manifest and the HSMs: nothing can refer to it any more. */
        DELETE_KEY
    }

    public RolloverAction {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(key, "key");
        ds = Set.copyOf(ds);
        Objects.requireNonNull(due, "due");
        Objects.requireNonNull(reason, "reason");
    }

    /** Whether the step may be taken at {@code now}. */
    public boolean dueAt(Instant now) {
        return !due.isAfter(now);
    }
}
