package org.tandem.signer.sign;

import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.nsec.NodeKind;
import org.tandem.signer.nsec.Nsec3Chain;
import org.tandem.signer.nsec.Nsec3CollisionException;
import org.tandem.signer.nsec.NsecChain;
import org.tandem.signer.nsec.OwnerNode;
import org.tandem.signer.zone.UnsignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The capability canary (INV-D2; the Restena failure, 2025): before a run, one RRset of every
 * record type in the zone (RFC 3597 unknown types included), and of every type the signer will add
 * (SOA, DNSKEY, NSEC or NSEC3 and NSEC3PARAM, ZONEMD), is signed with every key through the same
 * code path and HSM as the real run, and each signature is verified against the key's DNSKEY with
 * dnsjava's {@code DNSSEC.verify}. A type that fails stops the run before anything is signed.
 *
 * <p>Where dnsjava's canonical form differs from RFC 4034 §6.2 as amended (dnsjava down-cases names
 * in the RDATA of later types such as SVCB, see {@link Canonical}), the signature is verified with
 * the JCA over the RFC signing input instead, and that is logged.
 *
 * <p>Thread-safe (stateless); it uses the HSMs of the keys, which the caller keeps open.
 */
public final class CapabilityCanary {
    private static final Logger LOG = LoggerFactory.getLogger(CapabilityCanary.class);

    private CapabilityCanary() {}

    /**
     * Checks every type of {@code zone} and every type {@code policy} makes the signer add.
     *
     * @throws CanaryFailedException naming the type (mnemonic and number), the probe owner, the key
     *     (tag, fingerprint) and the HSM; or the type alone when the signer refuses it outright
     */
    public static CanaryReport check(UnsignedZone zone, List<SigningKey> keys, SigningPolicy policy, Instant now)
            throws CanaryFailedException {
        ZoneName origin = zone.origin();
        Name apex = origin.name();
        // first owner of each type, in file order; then that owner's whole RRset
        Map<Integer, Name> firstOwner = new TreeMap<>();
        for (Record r : zone.records()) {
            Optional<String> refusal =
                    r.getName().equals(apex) ? RecordTypes.apexRefusal(r.getType()) : RecordTypes.refusal(r.getType());
            if (refusal.isPresent()) {
                throw new CanaryFailedException(origin, r.getName(), r.getType(), null, null, refusal.get(), null);
            }
            firstOwner.putIfAbsent(r.getType(), r.getName());
        }
        Map<Integer, List<Record>> members = new HashMap<>();
        for (Record r : zone.records()) {
            Name first = firstOwner.get(r.getType());
            if (first.equals(r.getName()) && r.getDClass() == DClass.IN) {
                members.computeIfAbsent(r.getType(), t -> new ArrayList<>()).add(r);
            }
        }
        List<PreparedRrset> samples = new ArrayList<>();
        for (Map.Entry<Integer, Name> e : firstOwner.entrySet()) {
            List<Record> rrs = members.get(e.getKey());
            if (rrs != null) {
                samples.add(PreparedRrset.of(e.getValue().canonicalize(), e.getKey(), rrs));
            }
        }
        samples.addAll(signerMadeProbes(origin, zone, keys, policy));
        return run(origin, samples, keys, now);
    }

    /** Probe RRsets of the types the signer adds itself, made by the same builders as the real run. */
    private static List<PreparedRrset> signerMadeProbes(
            ZoneName origin, UnsignedZone zone, List<SigningKey> keys, SigningPolicy policy)
            throws CanaryFailedException {
        Name apex = origin.name();
        List<PreparedRrset> probes = new ArrayList<>();
        List<Record> dnskeys = new ArrayList<>();
        for (SigningKey k : keys) {
            dnskeys.add(k.key().dnskey(policy.dnskeyTtl()));
        }
        probes.add(PreparedRrset.of(apex, Type.DNSKEY, dnskeys));
        long ttl = Math.min(zone.soa().getTTL(), zone.soa().getMinimum());
        OwnerNode node = new OwnerNode(apex, NodeKind.APEX, new int[] {Type.NS, Type.SOA, Type.DNSKEY});
        if (policy.denial() == Denial.NSEC) {
            probes.add(PreparedRrset.of(apex, Type.NSEC, NsecChain.build(apex, List.of(node), ttl)));
        } else {
            Nsec3Chain chain;
            try {
                chain = Nsec3Chain.build(apex, List.of(node), policy.nsec3(), ttl, 0);
            } catch (Nsec3CollisionException e) {
                throw new IllegalStateException("one name cannot collide", e);
            }
            Record nsec3 = chain.records().get(0);
            probes.add(PreparedRrset.of(nsec3.getName(), Type.NSEC3, List.of(nsec3)));
            probes.add(PreparedRrset.of(apex, Type.NSEC3PARAM, List.of(chain.param())));
        }
        if (policy.zonemd()) {
            probes.add(PreparedRrset.of(
                    apex,
                    Type.ZONEMD,
                    List.of(ZonemdDigest.record(
                            apex, zone.soa().getTTL(), zone.soa().getSerial(), new byte[ZonemdDigest.SHA384_LENGTH]))));
        }
        return probes;
    }

    /** Signs every sample with every key and verifies each signature; samples of one type count once. */
    static CanaryReport run(ZoneName zone, List<PreparedRrset> samples, List<SigningKey> keys, Instant now)
            throws CanaryFailedException {
        Objects.requireNonNull(now, "now");
        // a key that is only published (SigningKey#signs false) makes no RRSIG in the run, so none here
        List<SigningKey> signing = keys.stream().filter(SigningKey::signs).toList();
        RrsetSigner signer = new RrsetSigner(zone);
        Instant inception = Instant.ofEpochSecond(now.getEpochSecond()).minusSeconds(3600);
        Instant expiration = Instant.ofEpochSecond(now.getEpochSecond()).plusSeconds(3600);
        TreeMap<Integer, Boolean> types = new TreeMap<>();
        int signatures = 0;
        for (PreparedRrset sample : samples) {
            if (types.putIfAbsent(sample.type(), Boolean.TRUE) != null) {
                continue;
            }
            byte[] part = sample.rrsetPart();
            for (SigningKey key : signing) {
                RRSIGRecord sig;
                try {
                    sig = signer.sign(sample, part, key, inception, expiration);
                } catch (RrsetSigningException e) {
                    throw fail(zone, sample, key, "signing failed: " + e.getMessage(), e);
                }
                verify(zone, sample, part, sig, key, now);
                signatures++;
            }
        }
        LOG.info(
                "zone={} event=canary-passed types={} keys={} signatures={}",
                zone,
                types.size(),
                signing.size(),
                signatures);
        return new CanaryReport(new ArrayList<>(types.keySet()), signing.size(), signatures);
    }

    private static void verify(
            ZoneName zone, PreparedRrset sample, byte[] part, RRSIGRecord sig, SigningKey key, Instant now)
            throws CanaryFailedException {
        DnssecKey k = key.key();
        DNSKEYRecord dnskey = k.dnskey(0);
        RRset rrset = new RRset();
        for (Record r : sample.records()) {
            rrset.addRR(r);
        }
        byte[] ours = Canonical.signingInput(sig, part);
        if (Arrays.equals(ours, DNSSEC.digestRRset(sig, rrset))) {
            try {
                DNSSEC.verify(rrset, sig, dnskey, now);
            } catch (DNSSEC.DNSSECException e) {
                throw fail(zone, sample, key, "the signature does not verify against the DNSKEY: " + e.getMessage(), e);
            }
            return;
        }
        LOG.debug(
                "zone={} type={} key={} event=canary-verify-rfc-form reason=\"dnsjava's canonical form of this RDATA "
                        + "differs from RFC 4034 §6.2 as amended (RFC 3597 §7, RFC 6840 §5.1)\"",
                zone,
                Type.string(sample.type()),
                k.fingerprint().shortHex());
        try {
            Signature v = Signature.getInstance(jcaAlgorithm(k));
            v.initVerify(k.jcaPublicKey());
            v.update(ours);
            if (!v.verify(sig.getSignature())) {
                throw fail(zone, sample, key, "the signature does not verify against the DNSKEY", null);
            }
        } catch (GeneralSecurityException e) {
            throw fail(zone, sample, key, "the signature cannot be verified: " + e.getMessage(), e);
        }
    }

    private static String jcaAlgorithm(DnssecKey key) {
        return switch (key.algorithm()) {
            case RSASHA256 -> "SHA256withRSA";
            case ECDSAP256SHA256 -> "SHA256withECDSAinP1363Format";
            case ECDSAP384SHA384 -> "SHA384withECDSAinP1363Format";
            case ED25519 -> "Ed25519";
        };
    }

    private static CanaryFailedException fail(
            ZoneName zone, PreparedRrset sample, SigningKey key, String reason, Throwable cause) {
        return new CanaryFailedException(
                zone, sample.owner(), sample.type(), key.key(), key.hsm().id(), reason, cause);
    }
}
