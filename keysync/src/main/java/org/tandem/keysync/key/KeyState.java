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
    REMOVED
}
