package org.tandem.keysync.proof;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
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
 * <p>Thread-safety: stateless apart from the clock and random source; safe for concurrent use.
 */
public final class KeySetVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(KeySetVerifier.class);

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
        return new KeySetReport(manifest.zone(), manifest.version(), hsms.stream().map(Hsm::id).toList(), checks);
    }

    private List<KeyCheck> verifyOne(ZoneKeySet manifest, Hsm hsm, byte[] nonce) {
        String zone = manifest.zone().toString();
        List<KeyCheck> checks = new ArrayList<>();
        List<HsmKey> found;
        try {
            found = hsm.list(manifest.zone());
        } catch (HsmException e) {
            for (ZoneKeySet.Entry entry : manifest.live()) {
                checks.add(check(hsm, entry.key(), Optional.empty(), KeyStatus.HSM_ERROR, e.getMessage(),
                        "make HSM " + hsm.id() + " reachable, then run: signerctl keys verify --zone " + zone));
            }
            return checks;
        }
        Set<HsmKey> matched = new HashSet<>();
        for (ZoneKeySet.Entry entry : manifest.live()) {
            DnssecKey expected = entry.key();
            List<HsmKey> exact = found.stream()
                    .filter(k -> k.fingerprint().filter(expected.fingerprint()::equals).isPresent())
                    .toList();
            List<HsmKey> claimants = found.stream()
                    .filter(k -> !exact.contains(k))
                    .filter(k -> k.idClaims(expected.fingerprint())
                            || (k.role() == expected.role() && k.algorithm() == expected.algorithm()
                                    && k.claimedTag().equals(expected.keyTag())))
                    .toList();
            if (!exact.isEmpty()) {
                HsmKey k = exact.get(0);
                matched.add(k);
                checks.add(prove(hsm, k, expected, nonce, zone));
                for (HsmKey twin : exact.subList(1, exact.size())) {
                    matched.add(twin);
                    checks.add(check(hsm, expected, Optional.of(expected.fingerprint()), KeyStatus.UNEXPECTED_EXTRA_KEY,
                            "a second object holds the same key (label '" + twin.label() + "')",
                            "remove the duplicate object; the key itself is present"));
                }
            } else if (!claimants.isEmpty()) {
                HsmKey k = claimants.get(0);
                matched.add(k);
                String what = k.publicKey().isPresent()
                        ? "HSM object '" + k.label() + "' claims this key but holds public key fp " + k.fingerprint().get().shortHex()
                        : "HSM object '" + k.label() + "' claims this key: " + k.problem().orElse("public key unreadable");
                checks.add(check(hsm, expected, k.fingerprint(), KeyStatus.DIFFERENT_PUBLIC_KEY, what,
                        "replace the stray key with the manifest's: signerctl keys sync --zone " + zone + " --replace-diverged"));
            } else {
                checks.add(check(hsm, expected, Optional.empty(), KeyStatus.MISSING, "not on this HSM",
                        "copy it from an HSM that holds it: signerctl keys sync --zone " + zone));
            }
        }
        for (HsmKey k : found) {
            if (matched.contains(k)) {
                continue;
            }
            Optional<ZoneKeySet.Entry> known = k.fingerprint().flatMap(manifest::find);
            String collision = manifest.live().stream()
                    .filter(e -> e.key().algorithm() == k.algorithm() && e.key().keyTag().equals(k.claimedTag()))
                    .map(e -> "; shares key tag " + k.claimedTag() + " with manifest key fp " + e.key().fingerprint().shortHex())
                    .findFirst()
                    .orElse("");
            String detail = known.map(e -> "manifest lists it as " + e.state() + ", not live")
                    .orElse("not in the manifest (label '" + k.label() + "')") + collision;
            checks.add(new KeyCheck(manifest.zone(), hsm.id(), k.role(), k.claimedTag(), k.fingerprint(), k.fingerprint(),
                    KeyStatus.UNEXPECTED_EXTRA_KEY, detail, "find out who created it; remove it with: signerctl keys delete --zone "
                            + zone + " --hsm " + hsm.id() + " --fingerprint "
                            + k.fingerprint().map(Fingerprint::hex).orElse("<see keys list>")));
        }
        return checks;
    }

    private KeyCheck prove(Hsm hsm, HsmKey k, DnssecKey expected, byte[] nonce, String zone) {
        RRSIGRecord rrsig;
        try {
            rrsig = PossessionProof.sign(hsm, k.ref(), expected, nonce, clock);
        } catch (HsmException e) {
            return check(hsm, expected, Optional.of(expected.fingerprint()), KeyStatus.HSM_ERROR,
                    "cannot sign the proof: " + e.getMessage(), "check HSM " + hsm.id());
        }
        Optional<String> failure = PossessionProof.verify(expected, nonce, rrsig, clock);
        if (failure.isPresent()) {
            LOG.warn("zone={} key={} hsm={} proof failed: {}", zone, expected.fingerprint().shortHex(), hsm.id(), failure.get());
            return check(hsm, expected, Optional.empty(), KeyStatus.PRIVATE_KEY_MISMATCH,
                    "the private key does not match the public key (its signature over a fresh nonce does not verify)",
                    "replace the stray key with the manifest's: signerctl keys sync --zone " + zone + " --replace-diverged");
        }
        return check(hsm, expected, Optional.empty(), KeyStatus.OK, "", "");
    }

    private static KeyCheck check(Hsm hsm, DnssecKey expected, Optional<Fingerprint> found, KeyStatus status, String detail,
            String fix) {
        return new KeyCheck(expected.zone(), hsm.id(), expected.role(), expected.keyTag(), Optional.of(expected.fingerprint()),
                found, status, detail, fix);
    }
}
