package org.tandem.signer.gate;

import java.util.Arrays;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * DNSSEC canonical forms (RFC 4034 §6, as amended by RFC 3597 §7 and RFC 6840 §5.1), built here
 * rather than taken from dnsjava's {@code DNSSEC} class so that the gate does not share a signer's
 * canonicalisation bugs. From dnsjava only the uncompressed RDATA encoders are used.
 *
 * <p>Deliberate duplicate: the signer's twin is {@code org.tandem.signer.sign.Canonical}. The gate computes this
 * independently of the signer on purpose, so that one bug cannot pass both; do not merge the two
 * (docs/adr/0003-gate-independent-of-the-signer.md).
 */
final class Canonical {
    private Canonical() {}

    /**
     * RFC 4034 §6.2 item 3 as limited by RFC 3597 §7 (only types published before RFC 3597 have
     * their embedded names downcased) and RFC 6840 §5.1 (names in RRSIG RDATA are downcased, in
     * NSEC RDATA they are not). HINFO is in the RFC's list but carries no domain name.
     */
    static boolean downcasesRdataNames(int type) {
        switch (type) {
            case Type.NS:
            case Type.MD:
            case Type.MF:
            case Type.CNAME:
            case Type.SOA:
            case Type.MB:
            case Type.MG:
            case Type.MR:
            case Type.PTR:
            case Type.MINFO:
            case Type.MX:
            case Type.RP:
            case Type.AFSDB:
            case Type.RT:
            case Type.SIG:
            case Type.PX:
            case Type.NXT:
            case Type.NAPTR:
            case Type.KX:
            case Type.SRV:
            case Type.DNAME:
            case Type.A6:
            case Type.RRSIG:
                return true;
            default:
                return false;
        }
    }

    /**
     * Canonical RDATA: uncompressed, with embedded names downcased only for the types RFC 3597 §7
     * lists. Every other type (SVCB, HTTPS, NSEC, unknown types) keeps the case it was given.
     */
    static byte[] rdata(Record r) {
        if (downcasesRdataNames(r.getType())) {
            // dnsjava's canonical encoders downcase exactly the embedded domain names of these types
            return r.rdataToWireCanonical();
        }
        // uncompressed, case preserved: owner | type | class | TTL | RDLENGTH | RDATA
        byte[] wire = r.toWire(Section.ANSWER);
        int offset = r.getName().length() + 10;
        return Arrays.copyOfRange(wire, offset, wire.length);
    }

    /** Canonical owner name form: uncompressed wire format, ASCII letters downcased (RFC 4034 §6.2). */
    static byte[] name(Name name) {
        byte[] wire = name.toWire();
        lowercase(wire, 0, wire.length);
        return wire;
    }

    /**
     * The owner name a signature covers (RFC 4035 §5.3.2): the owner itself, or, when the RRSIG
     * labels field is smaller than the owner's label count, the wildcard {@code *.} followed by the
     * rightmost {@code labels} labels. Returns null when labels exceeds the owner's label count
     * (such an RRSIG can never be valid).
     */
    static byte[] signedOwner(Name owner, int labels) {
        int ownerLabels = owner.labels() - 1; // dnsjava counts the root label
        if (labels > ownerLabels) {
            return null;
        }
        if (labels == ownerLabels) {
            return name(owner);
        }
        byte[] suffix = name(new Name(owner, ownerLabels - labels));
        byte[] wild = new byte[suffix.length + 2];
        wild[0] = 1;
        wild[1] = '*';
        System.arraycopy(suffix, 0, wild, 2, suffix.length);
        return wild;
    }

    /** The RRSIG labels value an RRset at this owner must carry (RFC 4034 §3.1.3). */
    static int expectedLabels(Name owner) {
        int labels = owner.labels() - 1;
        return owner.isWild() ? labels - 1 : labels;
    }

    /**
     * Sorts canonical RDATA as left-justified unsigned octet sequences, where the absence of an
     * octet sorts before a zero octet, and drops duplicates (RFC 4034 §6.3). Returns the number
     * of distinct entries, which are moved to the front of the array.
     */
    static int sortDistinct(byte[][] rdata) {
        Arrays.sort(rdata, Arrays::compareUnsigned);
        int n = 0;
        for (int i = 0; i < rdata.length; i++) {
            if (n == 0 || !Arrays.equals(rdata[n - 1], rdata[i])) {
                rdata[n++] = rdata[i];
            }
        }
        return n;
    }

    private static void lowercase(byte[] b, int from, int to) {
        // label length octets are at most 63, so they never fall in 'A'..'Z'
        for (int i = from; i < to; i++) {
            if (b[i] >= 'A' && b[i] <= 'Z') {
                b[i] = (byte) (b[i] + ('a' - 'A'));
            }
        }
    }
}
