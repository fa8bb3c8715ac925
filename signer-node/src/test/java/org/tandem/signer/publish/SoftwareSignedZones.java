package org.tandem.signer.publish;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Signs a {@link PublishTestZones} version with one software CSK (ECDSA P-256) through dnsjava's
 * {@code DNSSEC.sign}, with an NSEC chain: enough for the validation gate to pass it, without an HSM.
 * Public for the watchdog's tests.
 */
public final class SoftwareSignedZones {
    private final KeyPair pair;
    private final DNSKEYRecord dnskey;

    public SoftwareSignedZones() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        pair = g.generateKeyPair();
        dnskey = new DNSKEYRecord(
                PublishTestZones.ZONE.name(),
                DClass.IN,
                3600,
                DNSKEYRecord.Flags.ZONE_KEY | DNSKEYRecord.Flags.SEP_KEY,
                DNSKEYRecord.Protocol.DNSSEC,
                DNSSEC.Algorithm.ECDSAP256SHA256,
                pair.getPublic());
    }

    /** {@code unsigned} plus DNSKEY, NSEC and RRSIGs valid from {@code now} - 1 h to {@code now} + 14 d. */
    public SignedZone sign(SignedZone unsigned, Instant now) throws Exception {
        List<Record> all = new ArrayList<>(unsigned.records());
        all.add(dnskey);
        TreeMap<Name, List<Record>> byName = new TreeMap<>();
        for (Record r : all) {
            byName.computeIfAbsent(r.getName(), n -> new ArrayList<>()).add(r);
        }
        List<Name> names = new ArrayList<>(byName.keySet());
        for (int i = 0; i < names.size(); i++) {
            Name owner = names.get(i);
            int[] types = byName.get(owner).stream()
                    .mapToInt(Record::getType)
                    .distinct()
                    .toArray();
            int[] withDnssec = Arrays.copyOf(types, types.length + 2);
            withDnssec[types.length] = Type.RRSIG;
            withDnssec[types.length + 1] = Type.NSEC;
            byName.get(owner).add(new NSECRecord(owner, DClass.IN, 300, names.get((i + 1) % names.size()), withDnssec));
        }
        List<Record> out = new ArrayList<>();
        for (Map.Entry<Name, List<Record>> e : byName.entrySet()) {
            Map<Integer, RRset> rrsets = new LinkedHashMap<>();
            e.getValue().stream()
                    .sorted(Comparator.comparingInt(Record::getType))
                    .forEach(r -> rrsets.computeIfAbsent(r.getType(), t -> new RRset())
                            .addRR(r));
            for (RRset rrset : rrsets.values()) {
                rrset.rrs().forEach(out::add);
                out.add(DNSSEC.sign(
                        rrset,
                        dnskey,
                        pair.getPrivate(),
                        now.minus(Duration.ofHours(1)),
                        now.plus(Duration.ofDays(14))));
            }
        }
        return new SignedZone(unsigned.origin(), unsigned.serial(), out, out.size(), out.size(), Duration.ZERO);
    }
}
