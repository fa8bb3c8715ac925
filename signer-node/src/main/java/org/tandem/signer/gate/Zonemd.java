package org.tandem.signer.gate;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.tandem.signer.gate.GateFailure.Reason;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneMDRecord;

/**
 * ZONEMD, RFC 8976, SIMPLE scheme: the digest and its check.
 *
 * <p>Deliberate duplicate: the signer's twin is {@code org.tandem.signer.sign.ZonemdDigest}. The gate computes this
 * independently of the signer on purpose, so that one bug cannot pass both; do not merge the two
 * (docs/adr/0003-gate-independent-of-the-signer.md).
 */
final class Zonemd {
    static final int SCHEME_SIMPLE = 1;
    static final int HASH_SHA384 = 1;
    static final int HASH_SHA512 = 2;

    private Zonemd() {}

    /**
     * RFC 8976 §3.3 SIMPLE digest over the in-zone records given in canonical order (owner, then
     * type; {@link ZoneIndex#CANONICAL_ORDER}): every record including glue, occluded data and
     * RRSIGs, except the apex ZONEMD RRset and the RRSIGs covering it (§3.3.1); each RRset's records
     * in canonical RDATA order, duplicates once (§3.3.1.2), in canonical wire form (RFC 4034 §6.2).
     */
    static byte[] digest(Name origin, Record[] sorted, int hashAlgorithm) {
        MessageDigest md = messageDigest(hashAlgorithm);
        WireBuffer b = new WireBuffer();
        int i = 0;
        while (i < sorted.length) {
            Record first = sorted[i];
            int j = i + 1;
            while (j < sorted.length
                    && sorted[j].getType() == first.getType()
                    && sorted[j].getName().equals(first.getName())) {
                j++;
            }
            boolean apex = first.getName().equals(origin);
            if (!(apex && first.getType() == Type.ZONEMD)) {
                byte[] owner = Canonical.name(first.getName());
                List<byte[]> rdata = new ArrayList<>(j - i);
                List<Long> ttls = new ArrayList<>(j - i);
                for (int k = i; k < j; k++) {
                    Record r = sorted[k];
                    if (apex && r instanceof RRSIGRecord && ((RRSIGRecord) r).getTypeCovered() == Type.ZONEMD) {
                        continue; // RFC 8976 §3.3.1: the RRSIGs covering the apex ZONEMD RRset are excluded
                    }
                    rdata.add(Canonical.rdata(r));
                    ttls.add(r.getTTL());
                }
                Integer[] idx = new Integer[rdata.size()];
                for (int k = 0; k < idx.length; k++) {
                    idx[k] = k;
                }
                // stable sort: of duplicate RRs, the first in zone order is digested
                Arrays.sort(idx, (x, y) -> Arrays.compareUnsigned(rdata.get(x), rdata.get(y)));
                byte[] previous = null;
                for (int k : idx) {
                    byte[] rd = rdata.get(k);
                    if (previous != null && Arrays.equals(previous, rd)) {
                        continue;
                    }
                    previous = rd;
                    b.reset();
                    b.bytes(owner);
                    b.u16(first.getType());
                    b.u16(first.getDClass());
                    b.u32(ttls.get(k));
                    b.u16(rd.length);
                    b.bytes(rd);
                    md.update(b.array(), 0, b.length());
                }
            }
            i = j;
        }
        return md.digest();
    }

    /** RFC 8976 §4 verification of the apex ZONEMD RRset. */
    static void check(ZoneIndex index, SOARecord soa, boolean required, FailureLog log) {
        Name origin = index.origin;
        List<Record> zonemds = index.records(index.apex, Type.ZONEMD);
        Set<Integer> seen = new HashSet<>();
        boolean sha384 = false;
        byte[][] computed = new byte[3][];
        for (Record r : zonemds) {
            ZoneMDRecord z = (ZoneMDRecord) r;
            int key = z.getScheme() << 8 | z.getHashAlgorithm();
            if (!seen.add(key)) {
                log.add(GateFailure.of(
                        origin,
                        Type.ZONEMD,
                        Reason.ZONEMD_DUPLICATE,
                        "two ZONEMD records with scheme " + z.getScheme() + " and hash " + z.getHashAlgorithm()));
                continue;
            }
            boolean supported = z.getScheme() == SCHEME_SIMPLE
                    && (z.getHashAlgorithm() == HASH_SHA384 || z.getHashAlgorithm() == HASH_SHA512);
            if (!supported) {
                continue; // RFC 8976 §4: unsupported scheme or hash algorithms are ignored
            }
            sha384 |= z.getHashAlgorithm() == HASH_SHA384;
            if (soa != null && z.getSerial() != soa.getSerial()) {
                log.add(GateFailure.of(
                        origin,
                        Type.ZONEMD,
                        Reason.ZONEMD_SERIAL_MISMATCH,
                        "ZONEMD serial " + z.getSerial() + ", SOA serial " + soa.getSerial()));
            }
            if (computed[z.getHashAlgorithm()] == null) {
                computed[z.getHashAlgorithm()] = digest(origin, index.records, z.getHashAlgorithm());
            }
            if (!Arrays.equals(computed[z.getHashAlgorithm()], z.getDigest())) {
                log.add(GateFailure.of(
                        origin,
                        Type.ZONEMD,
                        Reason.ZONEMD_MISMATCH,
                        "hash " + z.getHashAlgorithm() + " digest "
                                + HexFormat.of().formatHex(z.getDigest()).substring(0, 16) + "..., the zone's is "
                                + HexFormat.of()
                                        .formatHex(computed[z.getHashAlgorithm()])
                                        .substring(0, 16) + "..."));
            }
        }
        if (required && !sha384) {
            log.add(GateFailure.of(
                    origin,
                    Type.ZONEMD,
                    Reason.ZONEMD_MISSING,
                    "no apex ZONEMD with scheme 1 (SIMPLE) and hash 1 (SHA-384), and the policy requires one"));
        }
    }

    private static MessageDigest messageDigest(int hashAlgorithm) {
        String name;
        switch (hashAlgorithm) {
            case HASH_SHA384:
                name = "SHA-384";
                break;
            case HASH_SHA512:
                name = "SHA-512";
                break;
            default:
                throw new IllegalArgumentException("ZONEMD hash algorithm " + hashAlgorithm + " not supported");
        }
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(name + " is required of every JDK", e);
        }
    }
}
