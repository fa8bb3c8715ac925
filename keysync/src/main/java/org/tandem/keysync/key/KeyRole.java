package org.tandem.keysync.key;

import org.xbill.DNS.DNSKEYRecord;

/** What a key signs. The role decides the DNSKEY flags and therefore takes part in the identity. */
public enum KeyRole {
    /** Key-signing key: DNSKEY, CDS and CDNSKEY RRsets; SEP flag set. */
    KSK(DNSKEYRecord.Flags.ZONE_KEY | DNSKEYRecord.Flags.SEP_KEY),
    /** Zone-signing key: every other authoritative RRset. */
    ZSK(DNSKEYRecord.Flags.ZONE_KEY),
    /** Combined signing key: both roles. */
    CSK(DNSKEYRecord.Flags.ZONE_KEY | DNSKEYRecord.Flags.SEP_KEY);

    private final int flags;

    KeyRole(int flags) {
        this.flags = flags;
    }

    /** DNSKEY flags field for this role (257 or 256). */
    public int flags() {
        return flags;
    }

    /** Parses {@code ksk}, {@code ZSK}, {@code csk} (any case). */
    public static KeyRole parse(String text) {
        for (KeyRole role : values()) {
            if (role.name().equalsIgnoreCase(text.trim())) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown key role '" + text + "' (expected ksk, zsk or csk)");
    }
}
