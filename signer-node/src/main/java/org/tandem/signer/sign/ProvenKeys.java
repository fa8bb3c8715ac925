package org.tandem.signer.sign;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.NoManifestException;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ManifestStore;
import org.tandem.keysync.manifest.VersionedManifest;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeySetReport;
import org.tandem.keysync.proof.KeySetVerifier;

/**
 * The keys a zone is signed with on one HSM, handed out only after that HSM has proven, now, that it
 * holds exactly the manifest's key set (every key present with the manifest's public key, every
 * private key signing a fresh nonce, nothing extra): a node signs only while key-synced (DESIGN.md,
 * DENIC 2026). The one place where {@code signerctl sign} and the signer-node daemon get their keys.
 *
 * <p>Keys in state {@code retired} stay published (in the DNSKEY RRset) but do not sign; every other
 * live key (published or active) signs. Threads: as safe as the store, the verifier and the HSM.
 */
public final class ProvenKeys {
    private ProvenKeys() {}

    /**
     * @throws NoManifestException the zone has no manifest, or no live key in it
     * @throws NotKeySyncedException the HSM does not hold the manifest's key set, proven; the message
     *     names every problem (zone, role, key tag, fingerprint, HSM) and its fix
     * @throws KeySyncException the manifest or the HSM cannot be read
     */
    public static List<SigningKey> on(ManifestStore store, KeySetVerifier verifier, ZoneName zone, Hsm hsm)
            throws KeySyncException {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(verifier, "verifier");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(hsm, "hsm");
        Optional<VersionedManifest> read = store.read(zone.toString());
        if (read.isEmpty()) {
            throw new NoManifestException(zone);
        }
        ZoneKeySet manifest = ZoneKeySet.fromProto(read.get().manifest(), read.get().version());
        if (manifest.live().isEmpty()) {
            throw new NoManifestException(zone);
        }
        KeySetReport report = verifier.verify(manifest, List.of(hsm));
        if (!report.keySynced()) {
            throw new NotKeySyncedException(report);
        }
        List<HsmKey> onHsm = hsm.list(zone);
        List<SigningKey> keys = new ArrayList<>();
        for (ZoneKeySet.Entry e : manifest.live()) {
            if (e.state() == KeyState.RETIRED) {
                continue;
            }
            HsmKey k = onHsm.stream().filter(h -> h.fingerprint().filter(e.key().fingerprint()::equals).isPresent())
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("zone " + zone + ": " + e.key().describe()
                            + " was proven on " + hsm.id() + " but is no longer listed there"));
            keys.add(new SigningKey(e.key(), hsm, k.ref()));
        }
        return keys;
    }

    /** Refused: the signing HSM does not hold the manifest's key set, proven. */
    public static final class NotKeySyncedException extends KeySyncException {
        private static final long serialVersionUID = 1L;

        private final transient KeySetReport report;

        NotKeySyncedException(KeySetReport report) {
            super("refusing to sign " + report.zone() + ": HSM " + report.hsms().get(0)
                    + " does not hold the manifest's key set, proven:\n  "
                    + String.join("\n  ", report.problems().stream().map(c -> c.describe() + "; fix: " + c.fix()).toList()));
            this.report = report;
        }

        /** The key-set report with every problem. */
        public KeySetReport report() {
            return report;
        }
    }
}
