package org.tandem.signer.sign;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.NoManifestException;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ManifestStore;
import org.tandem.keysync.manifest.VersionedManifest;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeyCheck;
import org.tandem.keysync.proof.KeySetReport;
import org.tandem.keysync.proof.KeySetVerifier;

/**
 * The keys a zone is signed with on one HSM, handed out only after that HSM has proven, now, that it
 * holds the manifest's key set (every key present with the manifest's public key, every private key
 * signing a fresh nonce, nothing extra): a node signs only while key-synced (INV-K2, DENIC 2026).
 * The one place where {@code signerctl sign} and the signer-node daemon get their keys. Two entry
 * points, because a key in state GENERATED means something else with and without a cluster:
 *
 * <ul>
 *   <li>{@link #on} — offline, {@code signerctl sign} (one process, no cluster): every live key must
 *       be on the HSM, proven; GENERATED, PUBLISHED and ACTIVE keys sign, RETIRED keys are published
 *       (in the DNSKEY RRset) without signing. GENERATED keys sign here because there is no other
 *       node to wait for.
 *   <li>{@link #published} — the signer-node daemon: a GENERATED key is <em>not</em> replicated and
 *       proven on every node yet, so it is neither published nor signs, and the HSM may lack it
 *       ("pending replication", reported); every PUBLISHED, ACTIVE and RETIRED key must be there,
 *       proven; PUBLISHED and ACTIVE keys sign, RETIRED keys are only published.
 * </ul>
 *
 * <p>Threads: as safe as the store, the verifier and the HSM.
 */
public final class ProvenKeys {
    private ProvenKeys() {}

    /**
     * The keys of an offline signing run ({@code signerctl sign}): every live manifest key, GENERATED
     * ones included (see the class comment); RETIRED keys come back with {@link SigningKey#signs()}
     * false.
     *
     * @throws NoManifestException the zone has no manifest, or no live key in it
     * @throws NotKeySyncedException the HSM does not hold the manifest's key set, proven; the message
     *     names every problem (zone, role, key tag, fingerprint, HSM) and its fix
     * @throws KeySyncException the manifest or the HSM cannot be read
     */
    public static List<SigningKey> on(ManifestStore store, KeySetVerifier verifier, ZoneName zone, Hsm hsm)
            throws KeySyncException {
        Objects.requireNonNull(verifier, "verifier");
        ZoneKeySet manifest = manifest(store, zone, hsm);
        if (manifest.live().isEmpty()) {
            throw new NoManifestException(zone);
        }
        KeySetReport report = verifier.verify(manifest, List.of(hsm));
        if (!report.keySynced()) {
            throw new NotKeySyncedException(report, report.problems());
        }
        return keys(zone, hsm, manifest.live(), false);
    }

    /**
     * The keys the signer-node daemon publishes and signs with: the manifest's PUBLISHED, ACTIVE and
     * RETIRED keys (RETIRED ones with {@link SigningKey#signs()} false); GENERATED keys are left out
     * and may be missing on the HSM (see the class comment).
     *
     * @return the keys, and the GENERATED keys that wait for replication; {@link
     *     PublishedKeySet#keys()} is empty when no key of the zone is replicated to every node yet
     * @throws NoManifestException the zone has no manifest, or no live key in it
     * @throws NotKeySyncedException the HSM does not hold every PUBLISHED, ACTIVE and RETIRED key,
     *     proven, or holds an extra or diverged key
     * @throws KeySyncException the manifest or the HSM cannot be read
     */
    public static PublishedKeySet published(ManifestStore store, KeySetVerifier verifier, ZoneName zone, Hsm hsm)
            throws KeySyncException {
        return published(store, verifier, zone, hsm, false);
    }

    /**
     * As {@link #published(ManifestStore, KeySetVerifier, ZoneName, Hsm)}; with {@code planned} (a zone
     * whose policy has {@code keys:}, rolled by the rollover agent) the keys sign by their planned
     * states: ACTIVE keys sign, PUBLISHED keys (pre-published, RFC 7583 §3.2.1) and RETIRED keys are in
     * the DNSKEY RRset without signing, PRE_ACTIVE and POST_ACTIVE keys (an algorithm rollover, RFC 6781
     * §4.1.4) sign without being in the DNSKEY RRset. A zone without any ACTIVE key yet (its keys predate its
     * {@code keys:}) signs as without {@code planned} until the agent's first pass.
     */
    public static PublishedKeySet published(
            ManifestStore store, KeySetVerifier verifier, ZoneName zone, Hsm hsm, boolean planned)
            throws KeySyncException {
        return published(manifest(store, zone, hsm), verifier, zone, hsm, planned);
    }

    /**
     * As {@link #published(ManifestStore, KeySetVerifier, ZoneName, Hsm, boolean)}, from a manifest the
     * caller has read ({@link #manifest}): a signing run that needs more of the same manifest version (its
     * CDS request) reads it once.
     */
    public static PublishedKeySet published(
            ZoneKeySet manifest, KeySetVerifier verifier, ZoneName zone, Hsm hsm, boolean planned)
            throws KeySyncException {
        Objects.requireNonNull(verifier, "verifier");
        Objects.requireNonNull(manifest, "manifest");
        if (manifest.live().isEmpty()) {
            throw new NoManifestException(zone);
        }
        KeySetReport report = verifier.verify(manifest, List.of(hsm));
        List<KeyCheck> problems = report.problemsForSigning(manifest);
        if (!problems.isEmpty()) {
            throw new NotKeySyncedException(report, problems);
        }
        List<KeyCheck> missing = report.pendingReplication(manifest);
        List<PublishedKeySet.Pending> pending = new ArrayList<>();
        for (ZoneKeySet.Entry e : manifest.pendingReplication()) {
            Optional<KeyCheck> here = missing.stream()
                    .filter(c -> c.fingerprint()
                            .filter(e.key().fingerprint()::equals)
                            .isPresent())
                    .findFirst();
            pending.add(new PublishedKeySet.Pending(
                    e.key(),
                    here.map(c -> c.status().display() + (c.detail().isEmpty() ? "" : " (" + c.detail() + ")")
                                    + " on HSM " + c.hsm())
                            .orElse("held, proven, on HSM " + hsm.id())));
        }
        // a zone the agent has not activated a key of yet (keys from before its policy had keys:) signs
        // as before until the agent's first pass makes its keys ACTIVE
        boolean byState = planned && manifest.publishable().stream().anyMatch(e -> e.state() == KeyState.ACTIVE);
        Set<Fingerprint> signedBeforePublished = manifest.used().stream()
                .filter(e -> e.entered(KeyState.PRE_ACTIVE).isPresent())
                .map(e -> e.key().fingerprint())
                .collect(Collectors.toSet());
        return new PublishedKeySet(
                zone, manifest.version(), keys(zone, hsm, manifest.used(), byState), pending, signedBeforePublished);
    }

    /**
     * The zone's manifest, read once.
     *
     * @throws NoManifestException the zone has no manifest
     */
    public static ZoneKeySet manifest(ManifestStore store, ZoneName zone, Hsm hsm) throws KeySyncException {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(hsm, "hsm");
        Optional<VersionedManifest> read = store.read(zone.toString());
        if (read.isEmpty()) {
            throw new NoManifestException(zone);
        }
        return ZoneKeySet.fromProto(read.get().manifest(), read.get().version());
    }

    private static List<SigningKey> keys(ZoneName zone, Hsm hsm, List<ZoneKeySet.Entry> entries, boolean planned)
            throws HsmException {
        List<HsmKey> onHsm = hsm.list(zone);
        List<SigningKey> keys = new ArrayList<>();
        for (ZoneKeySet.Entry e : entries) {
            HsmKey k = onHsm.stream()
                    .filter(h -> h.fingerprint()
                            .filter(e.key().fingerprint()::equals)
                            .isPresent())
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("zone " + zone + ": "
                            + e.key().describe() + " was proven on " + hsm.id() + " but is no longer listed there"));
            // RFC 7583 §3.3: a retired key stays in the DNSKEY RRset while its signatures may be cached
            // planned: only ACTIVE keys sign (a PUBLISHED key is pre-published, RFC 7583 §3.2.1)
            // an algorithm rollover's PRE_ACTIVE and POST_ACTIVE keys sign without their DNSKEY (RFC 6781 §4.1.4)
            boolean signs = planned ? e.state().signs() : e.state() != KeyState.RETIRED;
            boolean published = e.state() != KeyState.PRE_ACTIVE && e.state() != KeyState.POST_ACTIVE;
            keys.add(new SigningKey(e.key(), hsm, k.ref(), signs || !published, published));
        }
        return keys;
    }

    /** Refused: the signing HSM does not hold the manifest's key set, proven. */
    public static final class NotKeySyncedException extends KeySyncException {
        private static final long serialVersionUID = 1L;

        private final transient KeySetReport report;
        private final transient List<KeyCheck> problems;

        NotKeySyncedException(KeySetReport report, List<KeyCheck> problems) {
            super("refusing to sign " + report.zone() + ": HSM " + report.hsms().get(0)
                    + " does not hold the manifest's key set, proven:\n  "
                    + String.join(
                            "\n  ",
                            problems.stream()
                                    .map(c -> c.describe() + "; fix: " + c.fix())
                                    .toList()));
            this.report = report;
            this.problems = List.copyOf(problems);
        }

        /** The key-set report with every check. */
        public KeySetReport report() {
            return report;
        }

        /** The problems that refused the keys (for the daemon: without the GENERATED keys pending replication). */
        public List<KeyCheck> problems() {
            return problems;
        }
    }
}
