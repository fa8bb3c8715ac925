package org.tandem.signer.sign;

import java.util.Arrays;
import java.util.Comparator;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSOutput;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The canonical RR form and order (RFC 4034 §6) and the RRSIG signing input (RFC 4034 §3.1.8.1).
 *
 * <p>Domain names inside RDATA are down-cased only for the types listed in RFC 4034 §6.2 item 3,
 * less NSEC (RFC 6840 §5.1); every later type keeps its case (RFC 3597 §7). dnsjava's
 * {@code rdataToWireCanonical} also down-cases later types (SVCB, HTTPS targets) and NSEC, which
 * BIND, Knot and ldns do not, so RDATA for those types is taken from the plain uncompressed wire.
 *
 * <p>Deliberate duplicate: the validation gate's twin is {@code org.tandem.signer.gate.Canonical}. The gate
 * computes this independently of the signer on purpose, so that one bug cannot pass both; do not
 * merge the two (docs/adr/0003-gate-independent-of-the-signer.md).
 */
final class Canonical {
    private static final boolean[] DOWNCASE = new boolean[256];

    static {
        int[] types = {
            Type.NS,
            Type.MD,
            Type.MF,
            Type.CNAME,
            Type.SOA,
            Type.MB,
            Type.MG,
            Type.MR,
            Type.PTR,
            Type.HINFO,
            Type.MINFO,
            Type.MX,
            Type.RP,
            Type.AFSDB,
            Type.RT,
            Type.SIG,
            Type.PX,
            Type.NXT,
            Type.NAPTR,
            Type.KX,
            Type.SRV,
            Type.DNAME,
            Type.A6,
            Type.RRSIG
        };
        for (int t : types) {
            DOWNCASE[t] = true;
        }
    }

    /** Canonical order of records of one owner and type: by canonical RDATA (RFC 4034 §6.3). */
    static final Comparator<byte[]> RDATA_ORDER = Arrays::compareUnsigned;

    private Canonical() {}

    /** True when RFC 4034 §6.2 (as amended) down-cases the names in this type's RDATA. */
    static boolean downcasesRdataNames(int type) {
        return type < DOWNCASE.length && DOWNCASE[type];
    }

    /** The RDATA of {@code r} in canonical form (uncompressed; names down-cased where the RFC says). */
    static byte[] rdata(Record r) {
        if (downcasesRdataNames(r.getType())) {
            return r.rdataToWireCanonical();
        }
        byte[] wire = r.toWire(Section.ANSWER); // no compression: owner, type, class, TTL, RDLENGTH, RDATA
        int offset = r.getName().length() + 10;
        return Arrays.copyOfRange(wire, offset, wire.length);
    }

    /**
     * The RR part of the signing input: each RR as owner | type | class | original TTL | RDLENGTH |
     * RDATA, owner in canonical form, RRs in canonical order, no duplicates.
     *
     * @param sortedRdata canonical RDATA of each RR, sorted and without duplicates
     */
    static byte[] rrsetPart(Name owner, int type, long ttl, byte[][] sortedRdata) {
        byte[] ownerWire = owner.toWireCanonical();
        int size = 0;
        for (byte[] rd : sortedRdata) {
            size += ownerWire.length + 10 + rd.length;
        }
        DNSOutput out = new DNSOutput(size);
        for (byte[] rd : sortedRdata) {
            out.writeByteArray(ownerWire);
            out.writeU16(type);
            out.writeU16(DClass.IN);
            out.writeU32(ttl);
            out.writeU16(rd.length);
            out.writeByteArray(rd);
        }
        return out.toByteArray();
    }

    /** RRSIG RDATA without the signature field, signer's name canonical (RFC 4034 §3.1.8.1). */
    static byte[] rrsigHeader(
            int covered,
            int algorithm,
            int labels,
            long originalTtl,
            long expiration,
            long inception,
            int keyTag,
            Name signer) {
        DNSOutput out = new DNSOutput(18 + signer.length());
        out.writeU16(covered);
        out.writeU8(algorithm);
        out.writeU8(labels);
        out.writeU32(originalTtl);
        out.writeU32(expiration);
        out.writeU32(inception);
        out.writeU16(keyTag);
        signer.toWireCanonical(out);
        return out.toByteArray();
    }

    /** The signing input: RRSIG header followed by the RR part. */
    static byte[] signingInput(byte[] rrsigHeader, byte[] rrsetPart) {
        byte[] data = Arrays.copyOf(rrsigHeader, rrsigHeader.length + rrsetPart.length);
        System.arraycopy(rrsetPart, 0, data, rrsigHeader.length, rrsetPart.length);
        return data;
    }

    /** The signing input of an existing signature over an RR part: what its signer signed, if it signed that. */
    static byte[] signingInput(RRSIGRecord sig, byte[] rrsetPart) {
        return signingInput(
                rrsigHeader(
                        sig.getTypeCovered(),
                        sig.getAlgorithm(),
                        sig.getLabels(),
                        sig.getOrigTTL(),
                        sig.getExpire().getEpochSecond(),
                        sig.getTimeSigned().getEpochSecond(),
                        sig.getFootprint(),
                        sig.getSigner()),
                rrsetPart);
    }

    /** RRSIG labels field (RFC 4034 §3.1.3): owner labels without the root and a leading {@code *}. */
    static int rrsigLabels(Name owner) {
        return owner.labels() - 1 - (owner.isWild() ? 1 : 0);
    }

    /**
     * Canonical order of RRSIG records at one owner, equal to comparing their canonical RDATA: the
     * fixed-width fields are big-endian unsigned, so comparing them in order gives the byte order.
     */
    static final Comparator<RRSIGRecord> RRSIG_ORDER = (a, b) -> {
        int c = Integer.compare(a.getTypeCovered(), b.getTypeCovered());
        if (c == 0) c = Integer.compare(a.getAlgorithm(), b.getAlgorithm());
        if (c == 0) c = Integer.compare(a.getLabels(), b.getLabels());
        if (c == 0) c = Long.compare(a.getOrigTTL(), b.getOrigTTL());
        if (c == 0)
            c = Long.compare(a.getExpire().getEpochSecond(), b.getExpire().getEpochSecond());
        if (c == 0)
            c = Long.compare(
                    a.getTimeSigned().getEpochSecond(), b.getTimeSigned().getEpochSecond());
        if (c == 0) c = Integer.compare(a.getFootprint(), b.getFootprint());
        if (c == 0 && !a.getSigner().equals(b.getSigner())) {
            c = Arrays.compareUnsigned(
                    a.getSigner().toWireCanonical(), b.getSigner().toWireCanonical());
        }
        if (c == 0) c = Arrays.compareUnsigned(a.getSignature(), b.getSignature());
        return c;
    };
}
