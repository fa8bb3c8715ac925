package org.tandem.keysync.proof;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.xbill.DNS.RRSIGRecord;

/**
 * Checks that every HSM holds exactly the manifest's key set, proven: for each live manifest key
 * and each HSM, the key is present with the manifest's public key and its private key signs a
 * fresh nonce that verifies with the manifest's DNSKEY; and no other key of the zone is there.
 *
 * <p>Matching is by fingerprint. An object that only <em>claims</em> the key (same CKA_ID, or same
 * role, algorithm and key tag in its label) but holds another public key is reported as {@link
 * KeyStatus#DIFFERENT_PUBLIC_KEY}: the DENIC 2026 fault.
 *
 * <p>The matching rules live in {@link KeySetMatcher}, shared with the verifier of a remote node's
 * inventory, so that both give the same verdict for the same HSM content.
 *
 * <p>Thread-safety: stateless apart from the clock and random source; safe for concurrent use.
 */
public final class KeySetVerifier {
    private final Clock clock;
    private final SecureRandom random;

    public KeySetVerifier(Clock clock, SecureRandom random) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** A fresh 32-byte nonce. */
    public byte[] nonce() {
        byte[] n = new byte[32];
        random.nextBytes(n);
        return n;
    }

    /** Verifies with a fresh nonce. */
    public KeySetReport verify(ZoneKeySet manifest, List<? extends Hsm> hsms) {
        return verify(manifest, hsms, nonce());
    }

    public KeySetReport verify(ZoneKeySet manifest, List<? extends Hsm> hsms, byte[] nonce) {
        List<KeyCheck> checks = new ArrayList<>();
        for (Hsm hsm : hsms) {
            checks.addAll(verifyOne(manifest, hsm, nonce));
        }
        return new KeySetReport(
                manifest.zone(), manifest.version(), hsms.stream().map(Hsm::id).toList(), checks);
    }

    private List<KeyCheck> verifyOne(ZoneKeySet manifest, Hsm hsm, byte[] nonce) {
        List<HsmKey> found;
        try {
            found = hsm.list(manifest.zone());
        } catch (HsmException e) {
            return KeySetMatcher.unreadable(manifest, hsm.id(), e.getMessage());
        }
        return KeySetMatcher.check(
                manifest, hsm.id(), found, KeySetMatcher.FoundKey::of, (k, expected) -> prove(hsm, k, expected, nonce));
    }

    private KeySetMatcher.Proof prove(Hsm hsm, HsmKey k, DnssecKey expected, byte[] nonce) {
        RRSIGRecord rrsig;
        try {
            rrsig = PossessionProof.sign(hsm, k.ref(), expected, nonce, clock);
        } catch (HsmException e) {
            return KeySetMatcher.Proof.hsmError("cannot sign the proof: " + e.getMessage());
        }
        return PossessionProof.verify(expected, nonce, rrsig, clock)
                .map(KeySetMatcher.Proof::mismatch)
                .orElseGet(KeySetMatcher.Proof::valid);
    }
}
