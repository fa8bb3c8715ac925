package org.tandem.signer.lifecycle;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.KeyTag;

/**
 * One key's life as the planner sees it: who it is, its manifest state and when each RFC 7583 event
 * happened. The events are independent instants, because an algorithm rollover (RFC 6781 §4.1.4)
 * lets a key sign before its DNSKEY is published and keeps its signatures after its DNSKEY left.
 *
 * @param role KSK, ZSK or CSK
 * @param algorithm its algorithm
 * @param tag its key tag (display only)
 * @param fingerprint its identity
 * @param state its manifest state; {@link KeyState#GENERATED} means not yet proven on every HSM, and
 *     such a key is neither published nor used (the keysync guarantee)
 * @param created when it was generated
 * @param published when its DNSKEY first appeared in a published version of the zone
 * @param active when its signatures first appeared
 * @param retired when it stopped signing (its signatures are no longer made)
 * @param removed when its DNSKEY left the published RRset
 */
public record KeyTimeline(
        KeyRole role,
        Algorithm algorithm,
        KeyTag tag,
        Fingerprint fingerprint,
        KeyState state,
        Instant created,
        Optional<Instant> published,
        Optional<Instant> active,
        Optional<Instant> retired,
        Optional<Instant> removed) {
    public KeyTimeline {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(published, "published");
        Objects.requireNonNull(active, "active");
        Objects.requireNonNull(retired, "retired");
        Objects.requireNonNull(removed, "removed");
        if (retired.isPresent() && active.isEmpty()) {
            throw new IllegalArgumentException(
                    describe(role, algorithm, tag, fingerprint) + " retired but never active");
        }
        if (removed.isPresent() && published.isEmpty()) {
            throw new IllegalArgumentException(
                    describe(role, algorithm, tag, fingerprint) + " removed but never published");
        }
    }

    /** A key just generated (not yet proven on every HSM). */
    public static KeyTimeline generated(
            KeyRole role, Algorithm algorithm, KeyTag tag, Fingerprint fingerprint, Instant created) {
        return new KeyTimeline(
                role,
                algorithm,
                tag,
                fingerprint,
                KeyState.GENERATED,
                created,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }

    /** Proven on every HSM: the keysync guarantee holds, the key may be published and used. */
    public boolean proven() {
        return state != KeyState.GENERATED;
    }

    /** Makes or will make signatures: active and not retired. */
    public boolean signing() {
        return active.isPresent() && retired.isEmpty();
    }

    /** In the DNSKEY RRset: published and not removed. */
    public boolean inDnskeySet() {
        return published.isPresent() && removed.isEmpty();
    }

    /** Still part of the zone in some way: not yet both out of the DNSKEY RRset and retired. */
    public boolean live() {
        return !(removed.isPresent() && retired.isPresent()) && !state.gone();
    }

    /** DELETED in the manifest: every node destroys it on its HSMs (the planner's DELETE_KEY was carried out). */
    public boolean deleted() {
        return state == KeyState.DELETED;
    }

    /** Whether a DS at the parent may name this key (KSK or CSK). */
    public boolean secureEntryPoint() {
        return role != KeyRole.ZSK;
    }

    /** The state the timeline shows, RFC 7583 terms. */
    public String phase() {
        if (!proven()) {
            return "generated";
        }
        if (deleted()) {
            return "deleted (destroyed on every HSM)";
        }
        if (removed.isPresent()) {
            return retired.isPresent() ? "removed" : "removed, signatures cached";
        }
        if (retired.isPresent()) {
            return "retired";
        }
        if (active.isPresent()) {
            return published.isPresent() ? "active" : "signing, DNSKEY not yet published";
        }
        return published.isPresent() ? "published" : "proven";
    }

    public KeyTimeline withState(KeyState s) {
        return new KeyTimeline(role, algorithm, tag, fingerprint, s, created, published, active, retired, removed);
    }

    public KeyTimeline withPublished(Instant at) {
        return new KeyTimeline(
                role, algorithm, tag, fingerprint, state, created, Optional.of(at), active, retired, removed);
    }

    public KeyTimeline withActive(Instant at) {
        return new KeyTimeline(
                role, algorithm, tag, fingerprint, state, created, published, Optional.of(at), retired, removed);
    }

    public KeyTimeline withRetired(Instant at) {
        return new KeyTimeline(
                role, algorithm, tag, fingerprint, state, created, published, active, Optional.of(at), removed);
    }

    public KeyTimeline withRemoved(Instant at) {
        return new KeyTimeline(
                role, algorithm, tag, fingerprint, state, created, published, active, retired, Optional.of(at));
    }

    /** For messages: {@code ZSK 50913 (fp 71dae860, alg 13)}. */
    public String describe() {
        return describe(role, algorithm, tag, fingerprint);
    }

    private static String describe(KeyRole role, Algorithm algorithm, KeyTag tag, Fingerprint fingerprint) {
        return role + " " + tag + " (fp " + fingerprint.shortHex() + ", alg " + algorithm.number() + ")";
    }
}
