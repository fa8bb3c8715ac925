package org.tandem.signer.sign;

/** How the signed zone proves that names and types do not exist. */
public enum Denial {
    /** NSEC chain (RFC 4034 §4). */
    NSEC,
    /** NSEC3 chain and NSEC3PARAM (RFC 5155), parameters per RFC 9276. */
    NSEC3
}
