package org.tandem.signer.node;

import java.util.List;
import java.util.Objects;
import org.tandem.keysync.key.ZoneName;

/**
 * The self-test of one zone: the capability canary and the proof of possession of every key on
 * every HSM of the node.
 *
 * @param zone the zone
 * @param canaryPassed whether one RRset of every record type was signed by every key and verified
 * @param canaryDetail what the canary did, or why it failed (type, owner, key tag, HSM)
 * @param keysProven whether every manifest key signed a fresh nonce on every HSM and verified
 * @param keyProblems one line per problem (zone, role, key tag, fingerprint, HSM, verdict); empty
 *     exactly when {@code keysProven}
 */
public record ZoneSelfTest(
        ZoneName zone, boolean canaryPassed, String canaryDetail, boolean keysProven, List<String> keyProblems) {
    public ZoneSelfTest {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(canaryDetail, "canaryDetail");
        keyProblems = List.copyOf(keyProblems);
        if (keysProven != keyProblems.isEmpty()) {
            throw new IllegalArgumentException("zone " + zone + ": keys proven exactly when there is no key problem");
        }
    }

    /** Both checks passed. */
    public boolean passed() {
        return canaryPassed && keysProven;
    }
}
