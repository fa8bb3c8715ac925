package org.tandem.signer.replication;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.ZoneName;

/**
 * What one {@link KeyReplicator} pass did: per zone, the keys it promoted GENERATED → PUBLISHED and
 * the GENERATED keys it could not promote, with why; per peer, whether it answered and how many keys
 * it still lacks.
 *
 * @param at when the pass started
 * @param zones one entry per zone, in the order asked
 * @param peers one entry per configured peer, in configuration order
 */
public record ReplicationPass(Instant at, List<ZoneOutcome> zones, List<PeerOutcome> peers) {
    /**
     * @param promoted the keys promoted to PUBLISHED in this pass (proven on every node)
     * @param pending one line per GENERATED key still GENERATED after the pass, naming role, key tag,
     *     fingerprint and every node that lacks it, with the reason ({@code ZSK 12345 fp 3f2a…: missing
     *     on node-b (unreachable: …)})
     * @param proven the GENERATED keys of a zone rolled by its policy that this pass proved on every HSM
     *     of every node and left GENERATED: the rollover agent publishes them when its plan says so
     */
    public record ZoneOutcome(ZoneName zone, List<DnssecKey> promoted, List<String> pending, List<DnssecKey> proven) {
        public ZoneOutcome {
            Objects.requireNonNull(zone, "zone");
            promoted = List.copyOf(promoted);
            pending = List.copyOf(pending);
            proven = List.copyOf(proven);
        }

        /** An outcome of a zone whose keys are promoted by the pass itself (no rollover policy). */
        public ZoneOutcome(ZoneName zone, List<DnssecKey> promoted, List<String> pending) {
            this(zone, promoted, pending, List.of());
        }
    }

    /**
     * @param peer the peer's name
     * @param reached false when a call to its KeySync service failed in this pass (unreachable,
     *     deadline, refused); true otherwise, also when the pass had no GENERATED key and did not call it
     * @param keysPending GENERATED keys (all zones) the peer does not hold, proven, after the pass
     * @param problems one line per failure (unreachable, refused, HSM error, diverged key)
     */
    public record PeerOutcome(String peer, boolean reached, int keysPending, List<String> problems) {
        public PeerOutcome {
            Objects.requireNonNull(peer, "peer");
            problems = List.copyOf(problems);
        }
    }

    public ReplicationPass {
        Objects.requireNonNull(at, "at");
        zones = List.copyOf(zones);
        peers = List.copyOf(peers);
    }

    /** The outcome for one zone, if the pass covered it. */
    public Optional<ZoneOutcome> zone(ZoneName zone) {
        return zones.stream().filter(z -> z.zone().equals(zone)).findFirst();
    }
}
