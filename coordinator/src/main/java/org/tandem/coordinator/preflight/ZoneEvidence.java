package org.tandem.coordinator.preflight;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.tandem.coordinator.view.LedgerEntry;
import org.tandem.coordinator.view.ManifestKey;
import org.tandem.coordinator.view.NodeKeys;

/**
 * Everything the preflight needs to judge one zone, gathered just before: the manifest keys, the
 * leader's and the standby's HSM inventories (proved with the coordinator's nonce), the ledger
 * history, the standby's view of serial and epoch, its self-test of the zone, and the earliest RRSIG
 * expiry of the published zone.
 *
 * @param standbySerial the zone's committed serial as the standby reports it; empty when it does not know one
 * @param canaryPassed the standby's SelfTest canary result; empty when the self-test could not run
 * @param canaryDetail the SelfTest's canary detail, or why it could not run
 * @param earliestExpiry earliest RRSIG expiry of the published zone (from the leader's status); empty when unknown
 */
public record ZoneEvidence(
        String zone,
        List<ManifestKey> manifest,
        Optional<NodeKeys> leaderKeys,
        NodeKeys standbyKeys,
        List<LedgerEntry> history,
        OptionalLong standbySerial,
        Optional<Boolean> canaryPassed,
        String canaryDetail,
        Optional<Instant> earliestExpiry) {
    public ZoneEvidence {
        Objects.requireNonNull(zone, "zone");
        manifest = List.copyOf(manifest);
        Objects.requireNonNull(leaderKeys, "leaderKeys");
        Objects.requireNonNull(standbyKeys, "standbyKeys");
        history = List.copyOf(history);
        Objects.requireNonNull(standbySerial, "standbySerial");
        Objects.requireNonNull(canaryPassed, "canaryPassed");
        Objects.requireNonNull(canaryDetail, "canaryDetail");
        Objects.requireNonNull(earliestExpiry, "earliestExpiry");
    }
}
