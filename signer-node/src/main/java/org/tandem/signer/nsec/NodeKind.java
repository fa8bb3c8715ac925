package org.tandem.signer.nsec;

/**
 * What an owner name is in the zone, as far as denial of existence cares. Names below a zone cut
 * (glue, occluded data) are no nodes at all: they get neither signatures nor denial records.
 */
public enum NodeKind {
    /** The zone apex (SOA, NS, DNSKEY ...). */
    APEX,
    /** An authoritative name with data below the apex, not a zone cut (wildcards included). */
    AUTHORITATIVE,
    /** A zone cut with a DS RRset: NS unsigned, DS signed (RFC 4035 §2.2). */
    SECURE_DELEGATION,
    /** A zone cut without DS: nothing at it is signed; NSEC3 opt-out may skip it (RFC 5155 §6). */
    INSECURE_DELEGATION,
    /** A name without data that has descendants with data (RFC 5155 §7.1, RFC 4592 §2.2.2). */
    EMPTY_NON_TERMINAL;

    /** True when an RRSIG exists at this name apart from the one over its NSEC (or NSEC3). */
    public boolean hasSignedData() {
        return this == APEX || this == AUTHORITATIVE || this == SECURE_DELEGATION;
    }

    public boolean isDelegation() {
        return this == SECURE_DELEGATION || this == INSECURE_DELEGATION;
    }
}
