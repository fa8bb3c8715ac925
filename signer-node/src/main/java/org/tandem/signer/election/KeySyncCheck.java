package org.tandem.signer.election;

/**
 * Proves, now, that this node's HSM holds the manifest's keys for all of its zones: present with the
 * manifest's public key and each private key signing a fresh nonce that verifies (INV-K2).
 * {@link ProvenKeySetCheck} is the implementation over keysync; tests may pass a fake.
 *
 * <p>Contract: called by the election on its own thread, periodically while the node is out of the
 * election or a candidate, on gaining leadership, and periodically while leading; never concurrently
 * with itself. It blocks (HSM signatures, a ZooKeeper read) and should return within a few seconds.
 * Every problem (missing key, HSM error, manifest unreadable) is reported in the verdict, not thrown;
 * a {@link RuntimeException} is treated as "not synced" with its message, loudly.
 */
@FunctionalInterface
public interface KeySyncCheck {
    /**
     * @return the verdict; {@link KeySyncVerdict#synced()} admits the node to the election
     * @throws InterruptedException if interrupted while proving (the election is closing)
     */
    KeySyncVerdict check() throws InterruptedException;
}
