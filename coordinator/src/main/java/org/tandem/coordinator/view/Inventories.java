package org.tandem.coordinator.view;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.tandem.proto.keysync.v1.HsmInventory;
import org.tandem.proto.keysync.v1.HsmKeyProof;
import org.tandem.proto.keysync.v1.InventoryResponse;
import org.tandem.proto.keysync.v1.KeyDescriptor;
import org.xbill.DNS.TextParseException;

/**
 * Judges an {@code Inventory} answer against the manifest, trusting nothing the node states: the
 * fingerprint of every reported key is computed here from its public key, and every proof is
 * verified over the coordinator's own nonce with the manifest's DNSKEY of that fingerprint.
 */
public final class Inventories {
    private Inventories() {}

    /** The judged answer of {@code node}. */
    public static NodeKeys judge(
            String node, InventoryResponse answer, List<ManifestKey> manifest, byte[] nonce, Instant now) {
        List<HsmKeys> hsms = new ArrayList<>();
        for (HsmInventory inv : answer.getHsmsList()) {
            List<FoundKey> keys = new ArrayList<>();
            for (HsmKeyProof p : inv.getKeysList()) {
                keys.add(judge(inv.getHsm(), p, manifest, nonce, now));
            }
            hsms.add(new HsmKeys(inv.getHsm(), inv.getError(), keys));
        }
        if (hsms.isEmpty()) {
            return NodeKeys.unreachable(node, "node " + node + " reported no HSMs");
        }
        return new NodeKeys(node, hsms, Optional.empty());
    }

    private static FoundKey judge(String hsm, HsmKeyProof p, List<ManifestKey> manifest, byte[] nonce, Instant now) {
        KeyDescriptor d = p.getKey();
        Optional<String> fingerprint = Optional.empty();
        int tag = d.getKeyTag();
        if (!d.getPublicKey().isEmpty()) {
            try {
                fingerprint = Optional.of(KeyFacts.fingerprint(d));
                tag = KeyFacts.keyTag(d);
            } catch (TextParseException | RuntimeException e) {
                fingerprint = Optional.empty();
            }
        }
        String objectId = HexFormat.of().formatHex(p.getObjectId().toByteArray());
        Optional<ManifestKey> expected = fingerprint.flatMap(
                fp -> manifest.stream().filter(m -> m.fingerprint().equals(fp)).findFirst());
        if (expected.isEmpty()) {
            return new FoundKey(
                    hsm,
                    d.getRole(),
                    tag,
                    d.getAlgorithm(),
                    fingerprint,
                    objectId,
                    p.getLabel(),
                    false,
                    Optional.empty());
        }
        Optional<String> problem = !p.getProofError().isEmpty()
                ? Optional.of("the HSM could not sign the proof: " + p.getProofError())
                : KeyFacts.verifyProof(
                        expected.get().descriptor(), nonce, p.getProofRrsig().toByteArray(), now);
        return new FoundKey(
                hsm, d.getRole(), tag, d.getAlgorithm(), fingerprint, objectId, p.getLabel(), true, problem);
    }
}
