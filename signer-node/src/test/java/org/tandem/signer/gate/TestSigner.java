package org.tandem.signer.gate;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Master;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.utils.base32;

/**
 * A deliberately small test-only signer for gate fixtures: software keys, RRSIGs from dnsjava's
 * {@code DNSSEC.sign}, NSEC and NSEC3 chains built here (not by Tandem's signer). Plus the
 * mutations the gate tests apply to signed zones.
 */
public final class TestSigner {
    static final Instant INCEPTION = Instant.parse("2026-01-01T00:00:00Z");
    static final Instant EXPIRATION = Instant.parse("2026-03-01T00:00:00Z");
    static final Instant NOW = Instant.parse("2026-02-01T00:00:00Z");

    enum Denial {
        NSEC,
        NSEC3,
        NSEC3_OPT_OUT
    }

    /** A software key: its DNSKEY record and private key. */
    record Key(DNSKEYRecord dnskey, PrivateKey privateKey) {
        int tag() {
            return dnskey.getFootprint();
        }

        int algorithm() {
            return dnskey.getAlgorithm();
        }
    }

    private TestSigner() {}

    static Key ecdsaP256(Name origin, int flags) {
        return key(origin, flags, DNSSEC.Algorithm.ECDSAP256SHA256, "EC", new ECGenParameterSpec("secp256r1"));
    }

    static Key ecdsaP384(Name origin, int flags) {
        return key(origin, flags, DNSSEC.Algorithm.ECDSAP384SHA384, "EC", new ECGenParameterSpec("secp384r1"));
    }

    static Key ed25519(Name origin, int flags) {
        return key(origin, flags, DNSSEC.Algorithm.ED25519, "Ed25519", new NamedParameterSpec("Ed25519"));
    }

    /** 1024 bits: quick to generate; the gate does not judge key sizes. */
    static Key rsaSha256(Name origin, int flags) {
        return key(
                origin,
                flags,
                DNSSEC.Algorithm.RSASHA256,
                "RSA",
                new RSAKeyGenParameterSpec(1024, RSAKeyGenParameterSpec.F4));
    }

    private static Key key(Name origin, int flags, int alg, String jca, AlgorithmParameterSpec spec) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(jca);
            g.initialize(spec);
            KeyPair kp = g.generateKeyPair();
            return new Key(new DNSKEYRecord(origin, DClass.IN, 3600, flags, 3, alg, kp.getPublic()), kp.getPrivate());
        } catch (GeneralSecurityException | DNSSEC.DNSSECException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a master file from the test resources, e.g. {@code /gate/rfc8976-a1-simple.zone}. */
    static List<Record> resource(String path, Name origin) {
        List<Record> out = new ArrayList<>();
        try (InputStream in = TestSigner.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + path);
            }
            try (Master m = new Master(in, origin, 3600)) {
                Record r;
                while ((r = m.nextRecord()) != null) {
                    out.add(r);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Parses master-file text (relative names against {@code origin}). */
    static List<Record> parse(Name origin, String text) {
        List<Record> out = new ArrayList<>();
        try (Master m = new Master(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), origin, 3600)) {
            Record r;
            while ((r = m.nextRecord()) != null) {
                out.add(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Signs a zone: DNSKEY with the KSKs, every other authoritative RRset with the ZSKs, delegation
     * NS and glue unsigned, DS and NSEC at delegations signed; NSEC or NSEC3 (iterations 0, no salt)
     * with TTL min(SOA TTL, SOA minimum).
     */
    static List<Record> sign(Name origin, List<Record> unsigned, List<Key> ksks, List<Key> zsks, Denial denial) {
        return sign(origin, unsigned, ksks, zsks, denial, 0, new byte[0]);
    }

    /** As {@link #sign(Name, List, List, List, Denial)}, with these NSEC3 iterations and salt. */
    static List<Record> sign(
            Name origin,
            List<Record> unsigned,
            List<Key> ksks,
            List<Key> zsks,
            Denial denial,
            int iterations,
            byte[] salt) {
        List<Record> zone = new ArrayList<>(unsigned);
        for (Key k : ksks) {
            zone.add(k.dnskey());
        }
        for (Key k : zsks) {
            zone.add(k.dnskey());
        }
        SOARecord soa = (SOARecord)
                zone.stream().filter(r -> r.getType() == Type.SOA).findFirst().orElseThrow();
        long denialTtl = Math.min(soa.getTTL(), soa.getMinimum());
        if (denial != Denial.NSEC) {
            zone.add(new NSEC3PARAMRecord(origin, DClass.IN, 0, 1, 0, iterations, salt));
        }
        Map<Name, List<Record>> byOwner = byOwner(zone);
        Set<Name> delegations = new HashSet<>();
        for (Map.Entry<Name, List<Record>> e : byOwner.entrySet()) {
            if (!e.getKey().equals(origin) && e.getValue().stream().anyMatch(r -> r.getType() == Type.NS)) {
                delegations.add(e.getKey());
            }
        }
        Predicate<Name> occluded = n -> delegations.stream().anyMatch(d -> !n.equals(d) && n.subdomain(d));
        List<Name> owners =
                byOwner.keySet().stream().filter(n -> !occluded.test(n)).toList();

        if (denial == Denial.NSEC) {
            for (int i = 0; i < owners.size(); i++) {
                Name n = owners.get(i);
                TreeSet<Integer> types = bitmapTypes(byOwner.get(n), delegations.contains(n));
                types.add(Type.RRSIG);
                types.add(Type.NSEC);
                zone.add(new NSECRecord(n, DClass.IN, denialTtl, owners.get((i + 1) % owners.size()), toArray(types)));
            }
        } else {
            boolean optOut = denial == Denial.NSEC3_OPT_OUT;
            NSEC3PARAMRecord param = new NSEC3PARAMRecord(origin, DClass.IN, 0, 1, 0, iterations, salt);
            TreeMap<String, Name> hashed = new TreeMap<>();
            Set<Name> names = new HashSet<>();
            for (Name n : owners) {
                boolean insecure =
                        delegations.contains(n) && byOwner.get(n).stream().noneMatch(r -> r.getType() == Type.DS);
                if (optOut && insecure) {
                    continue;
                }
                // the name and its empty non-terminal ancestors, up to the apex or a name already present
                Name up = n;
                while (names.add(up) && !up.equals(origin)) {
                    up = new Name(up, 1);
                }
            }
            base32 b32 = new base32(base32.Alphabet.BASE32HEX, false, true);
            for (Name n : names) {
                hashed.put(b32.toString(hash(param, n)), n);
            }
            List<String> order = new ArrayList<>(hashed.keySet());
            for (int i = 0; i < order.size(); i++) {
                Name n = hashed.get(order.get(i));
                List<Record> data = byOwner.getOrDefault(n, List.of());
                TreeSet<Integer> types = bitmapTypes(data, delegations.contains(n));
                boolean signed = !data.isEmpty()
                        && (!delegations.contains(n) || data.stream().anyMatch(r -> r.getType() == Type.DS));
                if (signed) {
                    types.add(Type.RRSIG);
                }
                Name owner = Name.fromConstantString(order.get(i) + "." + origin);
                zone.add(new NSEC3Record(
                        owner,
                        DClass.IN,
                        denialTtl,
                        1,
                        optOut ? 1 : 0,
                        iterations,
                        salt,
                        b32.fromString(order.get((i + 1) % order.size())),
                        toArray(types)));
            }
        }

        List<Record> signed = new ArrayList<>(zone);
        for (Map.Entry<Name, List<Record>> e : byOwner(zone).entrySet()) {
            Name n = e.getKey();
            if (occluded.test(n)) {
                continue;
            }
            for (RRset rrset : rrsets(e.getValue())) {
                int t = rrset.getType();
                if (delegations.contains(n) && t != Type.DS && t != Type.NSEC) {
                    continue;
                }
                for (Key k : t == Type.DNSKEY ? ksks : zsks) {
                    signed.add(sign(rrset, k, INCEPTION, EXPIRATION));
                }
            }
        }
        return signed;
    }

    static RRSIGRecord sign(RRset rrset, Key key, Instant inception, Instant expiration) {
        try {
            return DNSSEC.sign(rrset, key.dnskey(), key.privateKey(), inception, expiration);
        } catch (DNSSEC.DNSSECException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The records of one RRset (not its RRSIGs) in a zone, as an RRset. */
    static RRset rrset(List<Record> zone, Name owner, int type) {
        RRset set = new RRset();
        for (Record r : zone) {
            if (r.getName().equals(owner) && r.getType() == type) {
                set.addRR(r);
            }
        }
        if (set.size() == 0) {
            throw new IllegalArgumentException("no " + Type.string(type) + " at " + owner);
        }
        return set;
    }

    /** The RRSIGs covering one RRset. */
    static List<RRSIGRecord> rrsigs(List<Record> zone, Name owner, int type) {
        List<RRSIGRecord> out = new ArrayList<>();
        for (Record r : zone) {
            if (r instanceof RRSIGRecord s && s.getName().equals(owner) && s.getTypeCovered() == type) {
                out.add(s);
            }
        }
        return out;
    }

    /** A copy of the zone without the records matching {@code drop}. */
    static List<Record> without(List<Record> zone, Predicate<Record> drop) {
        List<Record> out = new ArrayList<>(zone.size());
        for (Record r : zone) {
            if (!drop.test(r)) {
                out.add(r);
            }
        }
        return out;
    }

    /** A copy of the zone with {@code old} replaced by {@code replacement}. */
    static List<Record> replace(List<Record> zone, Record old, Record replacement) {
        List<Record> out = new ArrayList<>(zone.size());
        boolean found = false;
        for (Record r : zone) {
            if (r == old) {
                out.add(replacement);
                found = true;
            } else {
                out.add(r);
            }
        }
        if (!found) {
            throw new IllegalArgumentException("not in zone: " + old);
        }
        return out;
    }

    /** Drops the RRSIGs of an RRset and signs it again with {@code key}. */
    static List<Record> resign(
            List<Record> zone, Name owner, int type, Key key, Instant inception, Instant expiration) {
        List<Record> out = without(
                zone, r -> r instanceof RRSIGRecord s && s.getName().equals(owner) && s.getTypeCovered() == type);
        out.add(sign(rrset(out, owner, type), key, inception, expiration));
        return out;
    }

    /**
     * A valid RRSIG made over the RRset at {@code signedTtl} (so its original TTL is that), published
     * with TTL {@code publishedTtl}: the shape of a signer that signs one TTL and publishes another.
     */
    static RRSIGRecord signAtTtl(RRset rrset, Key key, long signedTtl, long publishedTtl) {
        RRset other = new RRset();
        for (Record r : rrset.rrs()) {
            other.addRR(Record.newRecord(r.getName(), r.getType(), r.getDClass(), signedTtl, r.rdataToWireCanonical()));
        }
        RRSIGRecord s = sign(other, key, INCEPTION, EXPIRATION);
        return new RRSIGRecord(
                s.getName(),
                s.getDClass(),
                publishedTtl,
                s.getTypeCovered(),
                s.getAlgorithm(),
                s.getOrigTTL(),
                s.getExpire(),
                s.getTimeSigned(),
                s.getFootprint(),
                s.getSigner(),
                s.getSignature());
    }

    /** The RRSIG with one byte of its signature flipped. */
    public static RRSIGRecord flipSignatureByte(RRSIGRecord s) {
        byte[] sig = s.getSignature().clone(); // dnsjava hands out its own array
        sig[sig.length / 3] ^= 0x01;
        return new RRSIGRecord(
                s.getName(),
                s.getDClass(),
                s.getTTL(),
                s.getTypeCovered(),
                s.getAlgorithm(),
                s.getOrigTTL(),
                s.getExpire(),
                s.getTimeSigned(),
                s.getFootprint(),
                s.getSigner(),
                sig);
    }

    private static byte[] hash(NSEC3PARAMRecord param, Name n) {
        try {
            return param.hashName(n);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<Name, List<Record>> byOwner(List<Record> zone) {
        TreeMap<Name, List<Record>> m = new TreeMap<>();
        for (Record r : zone) {
            m.computeIfAbsent(r.getName(), k -> new ArrayList<>()).add(r);
        }
        return m;
    }

    private static List<RRset> rrsets(List<Record> records) {
        TreeMap<Integer, RRset> m = new TreeMap<>();
        for (Record r : records) {
            if (r.getType() != Type.RRSIG) {
                m.computeIfAbsent(r.getType(), t -> new RRset()).addRR(r);
            }
        }
        return new ArrayList<>(m.values());
    }

    private static TreeSet<Integer> bitmapTypes(List<Record> records, boolean delegation) {
        TreeSet<Integer> types = new TreeSet<>();
        for (Record r : records) {
            int t = r.getType();
            if (t == Type.RRSIG || t == Type.NSEC || t == Type.NSEC3) {
                continue;
            }
            if (!delegation || t == Type.NS || t == Type.DS) {
                types.add(t);
            }
        }
        return types;
    }

    private static int[] toArray(TreeSet<Integer> types) {
        return types.stream().mapToInt(Integer::intValue).toArray();
    }
}
