package org.tandem.keysync.key;

/** Where a key stands in its life, in RFC 7583 terms. */
public enum KeyState {
    /** Generated on one HSM; not yet proven on every HSM; not in the DNSKEY RRset. */
    GENERATED,
    /** In the DNSKEY RRset, not yet signing (pre-publication, RFC 7583 §3.3). */
    PUBLISHED,
    /** Published and signing. */
    ACTIVE,
    /** No longer signing; still published while its signatures may be cached. */
    RETIRED,
    /** Out of the DNSKEY RRset; may be deleted from the HSMs. */
    REMOVED,
    /**
     * Signing, its DNSKEY not in the DNSKEY RRset: a new algorithm's key before its DNSKEY is published
     * (RFC 6781 §4.1.4 algorithm rollover; Knot's "pre-active").
     */
    PRE_ACTIVE,
    /**
     * Signing, its DNSKEY already out of the DNSKEY RRset: an old algorithm's key after its DNSKEY left
     * (RFC 6781 §4.1.4 algorithm rollover; Knot's "post-active").
     */
    POST_ACTIVE,
    /**
     * REMOVED long enough that no cache can hold its DNSKEY or signatures (the rollover planner's DELETE_KEY):
     * every node destroys its copy on each of its HSMs when it sees this state. The entry stays in the manifest
     * so that a copy not destroyed yet (a node down, an HSM unreachable) is known: neither required nor an
     * unexpected extra key.
     */
    DELETED;

    /** Out of the zone: REMOVED or DELETED. Every HSM may lack it; a copy on an HSM is no stray key. */
    public boolean gone() {
        return this == REMOVED || this == DELETED;
    }

    /** Makes signatures in a signer cluster: ACTIVE, PRE_ACTIVE and POST_ACTIVE. */
    public boolean signs() {
        return this == ACTIVE || this == PRE_ACTIVE || this == POST_ACTIVE;
    }

    /** In the DNSKEY RRset a signer cluster publishes: PUBLISHED, ACTIVE and RETIRED. */
    public boolean inDnskeySet() {
        return this == PUBLISHED || this == ACTIVE || this == RETIRED;
    }
}
