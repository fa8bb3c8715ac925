package org.tandem.signer.sign;

import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** Test-side inspection of a signed zone: RRsets, their RRSIGs, and verification of every RRSIG. */
final class SignedZones {
    private SignedZones() {}

    static String key(Name owner, int type) {
        return owner + " " + Type.string(type);
    }

    /** RRsets (RRSIGs excluded) keyed "owner TYPE", in output order. */
    static Map<String, RRset> rrsets(List<Record> records) {
        Map<String, RRset> m = new LinkedHashMap<>();
        for (Record r : records) {
            if (r.getType() != Type.RRSIG) {
                m.computeIfAbsent(key(r.getName(), r.getType()), k -> new RRset())
                        .addRR(r);
            }
        }
        return m;
    }

    /** RRSIGs keyed "owner COVERED". */
    static Map<String, List<RRSIGRecord>> rrsigs(List<Record> records) {
        Map<String, List<RRSIGRecord>> m = new LinkedHashMap<>();
        for (Record r : records) {
            if (r instanceof RRSIGRecord s) {
                m.computeIfAbsent(key(s.getName(), s.getTypeCovered()), k -> new ArrayList<>())
                        .add(s);
            }
        }
        return m;
    }

    /** Key tags of the RRSIGs over one RRset, sorted. */
    static List<Integer> signedBy(List<Record> records, String owner, int type) {
        List<RRSIGRecord> sigs = rrsigs(records).getOrDefault(key(Name.fromConstantString(owner), type), List.of());
        return sigs.stream().map(RRSIGRecord::getFootprint).sorted().toList();
    }

    /**
     * Verifies every RRSIG against the apex DNSKEY it names; returns how many. Uses dnsjava, except
     * where dnsjava's canonical form differs from the RFC's (then the JCA over the RFC input).
     */
    static int verifyAll(List<Record> records, Name apex, Instant now) throws Exception {
        Map<String, RRset> rrsets = rrsets(records);
        RRset dnskeys = rrsets.get(key(apex, Type.DNSKEY));
        int verified = 0;
        for (Map.Entry<String, List<RRSIGRecord>> e : rrsigs(records).entrySet()) {
            RRset rrset = rrsets.get(e.getKey());
            if (rrset == null) {
                throw new AssertionError("RRSIG over a missing RRset " + e.getKey());
            }
            for (RRSIGRecord sig : e.getValue()) {
                DNSKEYRecord key = dnskeys.rrs().stream()
                        .map(DNSKEYRecord.class::cast)
                        .filter(k -> k.getFootprint() == sig.getFootprint() && k.getAlgorithm() == sig.getAlgorithm())
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no DNSKEY " + sig.getFootprint() + " for " + sig));
                verify(rrset, sig, key, now);
                verified++;
            }
        }
        return verified;
    }

    static void verify(RRset rrset, RRSIGRecord sig, DNSKEYRecord key, Instant now) throws Exception {
        PreparedRrset p = PreparedRrset.of(rrset.getName(), rrset.getType(), rrset.rrs());
        byte[] ours = Canonical.signingInput(sig, p.rrsetPart());
        if (Arrays.equals(ours, DNSSEC.digestRRset(sig, rrset))) {
            DNSSEC.verify(rrset, sig, key, now);
            return;
        }
        Signature v = Signature.getInstance(
                sig.getAlgorithm() == 8
                        ? "SHA256withRSA"
                        : sig.getAlgorithm() == 13 ? "SHA256withECDSAinP1363Format" : "SHA384withECDSAinP1363Format");
        v.initVerify(key.getPublicKey());
        v.update(ours);
        if (!v.verify(sig.getSignature())) {
            throw new AssertionError("bad signature (RFC form) " + sig);
        }
    }
}
