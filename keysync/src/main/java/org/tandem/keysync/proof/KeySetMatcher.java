package org.tandem.keysync.proof;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyTag;
import org.tandem.keysync.manifest.ZoneKeySet;

/**
 * The rules that turn what one HSM reports into {@link KeyCheck} verdicts against a manifest, shared
 * by the local {@link KeySetVerifier} (HSMs in this process) and the remote verifier in {@code
 * org.tandem.keysync.grpc} (an {@code Inventory} answer from another node), so that both give the
 * same verdict, word for word, for the same HSM content.
 *
 * <p>Matching is by fingerprint. An object that only <em>claims</em> a manifest key (same CKA_ID, or
 * same role, algorithm and key tag in its label) but holds another public key is {@link
 * KeyStatus#DIFFERENT_PUBLIC_KEY} (DENIC 2026). A key whose public key matches is proven by a {@link
 * Prover}: the private key must sign the caller's nonce, and the signature must verify with the
 * <em>manifest's</em> public key.
 *
 * <p>Stateless and thread-safe.
 */
public final class KeySetMatcher {
    private static final Logger LOG = LoggerFactory.getLogger(KeySetMatcher.class);

    private KeySetMatcher() {}

    /**
     * One private-key object as an HSM reported it. Nothing here is trusted: the label and {@code
     * CKA_ID} are claims, and the fingerprint is the one of the public key found beside the object.
     *
     * @param label the object's {@code CKA_LABEL}
     * @param objectId the object's {@code CKA_ID}
     * @param role role from the label
     * @param algorithm algorithm from the label
     * @param claimedTag key tag from the label
     * @param fingerprint fingerprint of the public key the HSM holds for the object, empty when none
     *     could be read
     * @param problem why {@code fingerprint} is empty, or empty
     */
    public record FoundKey(
            String label,
            byte[] objectId,
            KeyRole role,
            Algorithm algorithm,
            KeyTag claimedTag,
            Optional<Fingerprint> fingerprint,
            Optional<String> problem) {
        public FoundKey {
            Objects.requireNonNull(label, "label");
            objectId = Objects.requireNonNull(objectId, "objectId").clone();
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(claimedTag, "claimedTag");
            Objects.requireNonNull(fingerprint, "fingerprint");
            Objects.requireNonNull(problem, "problem");
        }

        /** How a key found on a local HSM looks to the matcher. */
        public static FoundKey of(HsmKey k) {
            return new FoundKey(
                    k.label(),
                    k.ref().objectId(),
                    k.role(),
                    k.algorithm(),
                    k.claimedTag(),
                    k.fingerprint(),
                    k.problem());
        }

        @Override
        public byte[] objectId() {
            return objectId.clone();
        }

        /** True when the object's {@code CKA_ID} equals the fingerprint's bytes. */
        public boolean idClaims(Fingerprint fp) {
            return Arrays.equals(objectId, fp.bytes());
        }

        /** True when the label claims the key: same role, algorithm and key tag. */
        boolean labelClaims(DnssecKey key) {
            return role == key.role() && algorithm == key.algorithm() && claimedTag.equals(key.keyTag());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FoundKey f
                    && f.label.equals(label)
                    && Arrays.equals(f.objectId, objectId)
                    && f.role == role
                    && f.algorithm == algorithm
                    && f.claimedTag.equals(claimedTag)
                    && f.fingerprint.equals(fingerprint)
                    && f.problem.equals(problem);
        }

        @Override
        public int hashCode() {
            return Objects.hash(label, Arrays.hashCode(objectId), role, algorithm, claimedTag, fingerprint, problem);
        }

        @Override
        public String toString() {
            return "FoundKey[label=" + label + ", fp="
                    + fingerprint.map(Fingerprint::shortHex).orElse("unknown") + "]";
        }
    }

    /**
     * The outcome of a proof of possession for one key: {@link KeyStatus#OK}, {@link
     * KeyStatus#PRIVATE_KEY_MISMATCH} (signed, but the signature does not verify with the manifest's
     * key) or {@link KeyStatus#HSM_ERROR} (no signature to check).
     *
     * @param status the verdict
     * @param reason for a mismatch why the signature failed (logged); for an HSM error the detail
     *     shown to the operator; empty when OK
     */
    public record Proof(KeyStatus status, String reason) {
        public Proof {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(reason, "reason");
            if (status != KeyStatus.OK && status != KeyStatus.PRIVATE_KEY_MISMATCH && status != KeyStatus.HSM_ERROR) {
                throw new IllegalArgumentException("a proof is OK, PRIVATE_KEY_MISMATCH or HSM_ERROR, not " + status);
            }
        }

        /** The signature verified with the manifest's public key. */
        public static Proof valid() {
            return new Proof(KeyStatus.OK, "");
        }

        /** The private key signed, but the signature does not verify with the manifest's public key. */
        public static Proof mismatch(String why) {
            return new Proof(KeyStatus.PRIVATE_KEY_MISMATCH, why);
        }

        /** There is no signature to check; {@code detail} says why, for the operator. */
        public static Proof hsmError(String detail) {
            return new Proof(KeyStatus.HSM_ERROR, detail);
        }
    }

    /** Proves one found key against the manifest key it matched by fingerprint. */
    @FunctionalInterface
    public interface Prover<K> {
        Proof prove(K found, DnssecKey expected);
    }

    /**
     * The verdicts for one HSM whose key list could not be read: {@link KeyStatus#HSM_ERROR} for
     * every live manifest key.
     */
    public static List<KeyCheck> unreadable(ZoneKeySet manifest, HsmId hsm, String error) {
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(error, "error");
        List<KeyCheck> checks = new ArrayList<>();
        for (ZoneKeySet.Entry entry : manifest.live()) {
            checks.add(check(
                    hsm,
                    entry.key(),
                    Optional.empty(),
                    KeyStatus.HSM_ERROR,
                    error,
                    "make HSM " + hsm + " reachable, then run: signerctl keys verify --zone " + manifest.zone()));
        }
        return checks;
    }

    /**
     * The verdicts for one HSM: one check per live manifest key (in manifest order), then one {@link
     * KeyStatus#UNEXPECTED_EXTRA_KEY} per object no manifest key accounted for (in HSM order).
     *
     * @param found the HSM's keys of the zone, in the order the HSM listed them
     * @param view what the matcher needs to know of a found key
     * @param prover proves a key whose public key matches a manifest key; called once per such key
     */
    public static <K> List<KeyCheck> check(
            ZoneKeySet manifest,
            HsmId hsm,
            List<K> found,
            Function<? super K, FoundKey> view,
            Prover<? super K> prover) {
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(prover, "prover");
        List<FoundKey> keys = found.stream().map(view).toList();
        String zone = manifest.zone().toString();
        List<KeyCheck> checks = new ArrayList<>();
        boolean[] matched = new boolean[keys.size()];
        for (ZoneKeySet.Entry entry : manifest.live()) {
            DnssecKey expected = entry.key();
            List<Integer> exact = new ArrayList<>();
            List<Integer> claimants = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                FoundKey k = keys.get(i);
                if (k.fingerprint().filter(expected.fingerprint()::equals).isPresent()) {
                    exact.add(i);
                } else if (k.idClaims(expected.fingerprint()) || k.labelClaims(expected)) {
                    claimants.add(i);
                }
            }
            if (!exact.isEmpty()) {
                int first = exact.get(0);
                matched[first] = true;
                checks.add(proven(hsm, expected, prover.prove(found.get(first), expected), zone));
                for (int twin : exact.subList(1, exact.size())) {
                    matched[twin] = true;
                    checks.add(check(
                            hsm,
                            expected,
                            Optional.of(expected.fingerprint()),
                            KeyStatus.UNEXPECTED_EXTRA_KEY,
                            "a second object holds the same key (label '"
                                    + keys.get(twin).label() + "')",
                            "remove the duplicate object; the key itself is present"));
                }
            } else if (!claimants.isEmpty()) {
                int first = claimants.get(0);
                FoundKey k = keys.get(first);
                matched[first] = true;
                String what = k.fingerprint().isPresent()
                        ? "HSM object '" + k.label() + "' claims this key but holds public key fp "
                                + k.fingerprint().get().shortHex()
                        : "HSM object '" + k.label() + "' claims this key: "
                                + k.problem().orElse("public key unreadable");
                checks.add(check(
                        hsm,
                        expected,
                        k.fingerprint(),
                        KeyStatus.DIFFERENT_PUBLIC_KEY,
                        what,
                        "replace the stray key with the manifest's: signerctl keys sync --zone " + zone
                                + " --replace-diverged"));
            } else {
                checks.add(check(
                        hsm,
                        expected,
                        Optional.empty(),
                        KeyStatus.MISSING,
                        "not on this HSM",
                        "copy it from an HSM that holds it: signerctl keys sync --zone " + zone));
            }
        }
        for (int i = 0; i < keys.size(); i++) {
            if (!matched[i]) {
                checks.add(extra(manifest, hsm, keys.get(i)));
            }
        }
        return checks;
    }

    private static KeyCheck extra(ZoneKeySet manifest, HsmId hsm, FoundKey k) {
        Optional<ZoneKeySet.Entry> known = k.fingerprint().flatMap(manifest::find);
        String collision = manifest.live().stream()
                .filter(e ->
                        e.key().algorithm() == k.algorithm() && e.key().keyTag().equals(k.claimedTag()))
                .map(e -> "; shares key tag " + k.claimedTag() + " with manifest key fp "
                        + e.key().fingerprint().shortHex())
                .findFirst()
                .orElse("");
        String detail = known.map(e -> "manifest lists it as " + e.state() + ", not live")
                        .orElse("not in the manifest (label '" + k.label() + "')")
                + collision;
        return new KeyCheck(
                manifest.zone(),
                hsm,
                k.role(),
                k.claimedTag(),
                k.fingerprint(),
                k.fingerprint(),
                KeyStatus.UNEXPECTED_EXTRA_KEY,
                detail,
                "find out who created it; remove it with: signerctl keys delete --zone "
                        + manifest.zone() + " --hsm " + hsm + " --fingerprint "
                        + k.fingerprint().map(Fingerprint::hex).orElse("<see keys list>"));
    }

    private static KeyCheck proven(HsmId hsm, DnssecKey expected, Proof proof, String zone) {
        return switch (proof.status()) {
            case OK -> check(hsm, expected, Optional.empty(), KeyStatus.OK, "", "");
            case HSM_ERROR ->
                check(
                        hsm,
                        expected,
                        Optional.of(expected.fingerprint()),
                        KeyStatus.HSM_ERROR,
                        proof.reason(),
                        "check HSM " + hsm);
            case PRIVATE_KEY_MISMATCH -> {
                LOG.warn(
                        "zone={} key={} hsm={} proof failed: {}",
                        zone,
                        expected.fingerprint().shortHex(),
                        hsm,
                        proof.reason());
                yield check(
                        hsm,
                        expected,
                        Optional.empty(),
                        KeyStatus.PRIVATE_KEY_MISMATCH,
                        "the private key does not match the public key (its signature over a fresh nonce does not "
                                + "verify)",
                        "replace the stray key with the manifest's: signerctl keys sync --zone " + zone
                                + " --replace-diverged");
            }
            default -> throw new IllegalStateException("proof status " + proof.status());
        };
    }

    private static KeyCheck check(
            HsmId hsm, DnssecKey expected, Optional<Fingerprint> found, KeyStatus status, String detail, String fix) {
        return new KeyCheck(
                expected.zone(),
                hsm,
                expected.role(),
                expected.keyTag(),
                Optional.of(expected.fingerprint()),
                found,
                status,
                detail,
                fix);
    }
}
