package org.tandem.keysync.proof;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;

/**
 * The verdict on one zone's key set across HSMs. {@link #keySynced()} is the one fact the cluster
 * acts on: every manifest key present and proven on every HSM, nothing else there.
 */
public record KeySetReport(ZoneName zone, long manifestVersion, List<HsmId> hsms, List<KeyCheck> checks) {
    public KeySetReport {
        Objects.requireNonNull(zone, "zone");
        hsms = List.copyOf(hsms);
        checks = List.copyOf(checks);
    }

    public boolean keySynced() {
        return checks.stream().allMatch(KeyCheck::ok);
    }

    public List<KeyCheck> problems() {
        return checks.stream().filter(c -> !c.ok()).toList();
    }

    public List<KeyCheck> on(HsmId hsm) {
        return checks.stream().filter(c -> c.hsm().equals(hsm)).toList();
    }

    /**
     * The problems that keep these HSMs from signing the zone in a signer cluster: every problem
     * except a GENERATED key that is {@link KeyStatus#MISSING} or cannot be proven ({@link
     * KeyStatus#HSM_ERROR}) there. A GENERATED key is neither published nor signs until every node
     * holds it, proven, so a node may lack it ("pending replication", see {@link
     * #pendingReplication}); holding it is not an extra key either. A GENERATED key that another
     * object claims ({@link KeyStatus#DIFFERENT_PUBLIC_KEY}) or whose private key does not match
     * ({@link KeyStatus#PRIVATE_KEY_MISMATCH}) stays a problem: a diverged key is there (DENIC 2026).
     * Nor is a key the manifest lists as REMOVED (a rollover took it out of the zone) or DELETED (to be
     * destroyed by every node, which this node has not done yet: it was down, or its HSM unreachable) a
     * problem while it is still on the HSM: it is neither published nor used, and waits for its destruction
     * (DELETED) or {@code signerctl keys delete}; {@link #problems()} still names it as an extra key. A key
     * the manifest does not list at all stays a problem (a stray key).
     *
     * @param manifest the manifest this report was made against (its states decide)
     */
    public List<KeyCheck> problemsForSigning(ZoneKeySet manifest) {
        Set<Fingerprint> generated = generated(manifest);
        Set<Fingerprint> removed = manifest.entries().stream()
                .filter(e -> e.state().gone())
                .map(e -> e.key().fingerprint())
                .collect(Collectors.toSet());
        return problems().stream()
                .filter(c -> !pending(c, generated))
                .filter(c -> !(c.status() == KeyStatus.UNEXPECTED_EXTRA_KEY
                        && c.found().filter(removed::contains).isPresent()))
                .toList();
    }

    /**
     * The checks of GENERATED keys that are missing or cannot be proven on these HSMs: the keys this
     * node still has to receive (pending replication). Not problems for {@link #problemsForSigning}.
     */
    public List<KeyCheck> pendingReplication(ZoneKeySet manifest) {
        Set<Fingerprint> generated = generated(manifest);
        return problems().stream().filter(c -> pending(c, generated)).toList();
    }

    private static Set<Fingerprint> generated(ZoneKeySet manifest) {
        Objects.requireNonNull(manifest, "manifest");
        return manifest.pendingReplication().stream()
                .map(e -> e.key().fingerprint())
                .collect(Collectors.toSet());
    }

    private static boolean pending(KeyCheck c, Set<Fingerprint> generated) {
        return (c.status() == KeyStatus.MISSING || c.status() == KeyStatus.HSM_ERROR)
                && c.fingerprint().filter(generated::contains).isPresent();
    }

    /** True when every manifest key on that HSM is OK and no extra key is there. */
    public boolean keySynced(HsmId hsm) {
        return on(hsm).stream().allMatch(KeyCheck::ok);
    }
}
