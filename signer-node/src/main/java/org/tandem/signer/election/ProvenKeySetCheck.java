package org.tandem.signer.election;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ManifestException;
import org.tandem.keysync.manifest.ManifestStore;
import org.tandem.keysync.manifest.VersionedManifest;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeyCheck;
import org.tandem.keysync.proof.KeySetReport;
import org.tandem.keysync.proof.KeySetVerifier;

/**
 * The {@link KeySyncCheck} over keysync: for every zone the node signs, reads the zone's manifest and
 * lets {@link KeySetVerifier} prove with a fresh nonce that this node's HSMs hold every PUBLISHED,
 * ACTIVE and RETIRED key (present, same public key, private key signs) and no extra key. Any problem,
 * an empty or unreadable manifest included, makes the verdict "not synced" with a line naming zone,
 * role, tag, fingerprint and HSM.
 *
 * <p>A GENERATED key is optional: it is neither published nor signs until the leader has replicated
 * it to every node and proven it there, so a node that lacks it (or cannot prove it yet) is still
 * key-synced; the key is reported as pending ({@link KeySyncVerdict#pending()}). Holding it is not an
 * extra key. A different key claiming its identity, or a private key that does not match it, is still
 * a problem (DENIC 2026).
 *
 * <p>An HSM whose token does not answer ({@link Hsm#absence()}) fails the check with one line naming
 * it, before any zone is proven.
 *
 * <p>Unlike {@code KeySync.verify} it writes no audit record: the election checks every few seconds.
 *
 * <p>Threads: as safe as the HSMs and the store (keysync's are thread-safe). Does not own (close) the
 * HSMs or the store.
 */
public final class ProvenKeySetCheck implements KeySyncCheck {
    private final ManifestStore store;
    private final List<Hsm> hsms;
    private final KeySetVerifier verifier;
    private final Supplier<? extends List<ZoneName>> zones;
    private final Clock clock;

    /**
     * @param store the cluster's manifest store
     * @param hsms this node's HSM(s): only the keys on these are proven
     * @param verifier the proof-of-possession verifier
     * @param zones the zones this node signs, asked at each check (configuration may be reloaded)
     * @param clock for the verdict's time
     */
    public ProvenKeySetCheck(
            ManifestStore store,
            List<? extends Hsm> hsms,
            KeySetVerifier verifier,
            Supplier<? extends List<ZoneName>> zones,
            Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.hsms = List.copyOf(hsms);
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.zones = Objects.requireNonNull(zones, "zones");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (this.hsms.isEmpty()) {
            throw new IllegalArgumentException("no HSMs to prove the keys on");
        }
    }

    @Override
    public KeySyncVerdict check() {
        List<ZoneName> checked = List.copyOf(zones.get());
        List<String> problems = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        if (checked.isEmpty()) {
            problems.add("no zones configured: nothing to prove, a node without zones does not lead");
        }
        // A token that does not answer (removed) is named as such rather than as every key missing;
        // the node re-opens it by itself (TokenRecovery) and the next check proves the keys again.
        List<String> absent = new ArrayList<>();
        for (Hsm h : hsms) {
            h.absence().ifPresent(why -> absent.add(h.id() + ": token absent (" + why + ")"));
        }
        if (!absent.isEmpty()) {
            problems.add("HSM " + String.join("; HSM ", absent) + ": keys cannot be proven until it is back");
            return KeySyncVerdict.notSynced(clock.instant(), checked, problems, pending);
        }
        for (ZoneName zone : checked) {
            Optional<VersionedManifest> read;
            try {
                read = store.read(zone.toString());
            } catch (ManifestException e) {
                problems.add("zone " + zone + ": manifest unreadable: " + e.getMessage());
                continue;
            }
            if (read.isEmpty()) {
                problems.add("zone " + zone + ": no key manifest in ZooKeeper (run signerctl keys generate and sync)");
                continue;
            }
            ZoneKeySet manifest =
                    ZoneKeySet.fromProto(read.get().manifest(), read.get().version());
            if (manifest.live().isEmpty()) {
                problems.add("zone " + zone + ": the manifest (version " + manifest.version() + ") lists no live key");
                continue;
            }
            KeySetReport report = verifier.verify(manifest, hsms);
            report.problemsForSigning(manifest).stream().map(KeyCheck::describe).forEach(problems::add);
            report.pendingReplication(manifest).stream()
                    .map(c -> c.describe() + " (GENERATED: pending replication)")
                    .forEach(pending::add);
        }
        return problems.isEmpty()
                ? KeySyncVerdict.synced(clock.instant(), checked, pending)
                : KeySyncVerdict.notSynced(clock.instant(), checked, problems, pending);
    }
}
