package org.tandem.signer.gate;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.signer.gate.GateFailure.Reason;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * The zone keys of the apex DNSKEY RRset <em>as published</em>: the keys the gate accepts signatures
 * from, and the algorithms every authoritative RRset must be signed with. During an algorithm rollover
 * (RFC 6781 §4.1.4) the signer also names the keys that sign without being in the DNSKEY RRset
 * (pre-active, post-active): their RRSIGs are verified with them, but they count for no algorithm.
 * Immutable once read; shared by the verification threads.
 */
final class ZoneKeys {
    static final int FLAG_ZONE = 0x0100;
    static final int FLAG_REVOKE = 0x0080;
    static final int FLAG_SEP = 0x0001;
    static final int PROTOCOL_DNSSEC = 3;

    /**
     * One published zone key.
     *
     * @param algorithm null when the gate cannot verify this algorithm
     * @param publicKey null when the algorithm is unsupported or the key does not decode
     * @param published in the apex DNSKEY RRset; false for a key the signer named as signing without it
     */
    record ZoneKey(
            DNSKEYRecord record,
            int tag,
            Fingerprint fingerprint,
            GateCrypto.Algorithm algorithm,
            PublicKey publicKey,
            boolean sep,
            boolean revoked,
            boolean published) {}

    private final Map<Integer, List<ZoneKey>> byAlgorithmAndTag;
    private final int[] algorithms;

    private ZoneKeys(Map<Integer, List<ZoneKey>> byAlgorithmAndTag, int[] algorithms) {
        this.byAlgorithmAndTag = byAlgorithmAndTag;
        this.algorithms = algorithms;
    }

    /**
     * Reads the apex DNSKEY RRset. Keys without the zone-key flag or with a protocol other than 3
     * are not zone signing keys (RFC 4034 §2.1.1) and are ignored. A key the gate cannot use is a
     * failure (BAD_DNSKEY, UNSUPPORTED_ALGORITHM), never silently skipped.
     */
    static ZoneKeys read(Name origin, List<DNSKEYRecord> dnskeys, GateCrypto crypto, FailureLog log) {
        return read(origin, dnskeys, List.of(), crypto, log);
    }

    /**
     * As {@link #read(Name, List, GateCrypto, FailureLog)}, with the keys that sign without being in the
     * DNSKEY RRset ({@code unpublished}, as the signer names them): accepted as signers, not as algorithms of
     * the DNSKEY RRset.
     */
    static ZoneKeys read(
            Name origin,
            List<DNSKEYRecord> dnskeys,
            List<DNSKEYRecord> unpublished,
            GateCrypto crypto,
            FailureLog log) {
        Map<Integer, List<ZoneKey>> map = new HashMap<>();
        TreeSet<Integer> algs = new TreeSet<>();
        TreeSet<Integer> unpublishedAlgs = new TreeSet<>();
        List<DNSKEYRecord> all = new ArrayList<>(dnskeys);
        all.addAll(unpublished);
        for (int n = 0; n < all.size(); n++) {
            DNSKEYRecord k = all.get(n);
            boolean published = n < dnskeys.size();
            TreeSet<Integer> into = published ? algs : unpublishedAlgs;
            if ((k.getFlags() & FLAG_ZONE) == 0 || k.getProtocol() != PROTOCOL_DNSSEC) {
                continue;
            }
            byte[] rdata = Canonical.rdata(k);
            int tag = keyTag(rdata);
            Fingerprint fp = fingerprint(origin, rdata);
            GateCrypto.Algorithm alg = GateCrypto.Algorithm.of(k.getAlgorithm());
            PublicKey pk = null;
            if (alg == null) {
                log.add(GateFailure.of(
                        origin,
                        Type.DNSKEY,
                        tag,
                        fp,
                        Reason.UNSUPPORTED_ALGORITHM,
                        "DNSKEY algorithm " + k.getAlgorithm() + " cannot be verified by the gate"));
            } else {
                try {
                    pk = crypto.decode(alg, k.getKey());
                    into.add(alg.number);
                } catch (GeneralSecurityException e) {
                    log.add(GateFailure.of(
                            origin, Type.DNSKEY, tag, fp, Reason.BAD_DNSKEY, alg + " public key: " + e.getMessage()));
                    into.add(alg.number);
                }
            }
            ZoneKey zk = new ZoneKey(
                    k, tag, fp, alg, pk, (k.getFlags() & FLAG_SEP) != 0, (k.getFlags() & FLAG_REVOKE) != 0, published);
            map.computeIfAbsent(index(k.getAlgorithm(), tag), i -> new ArrayList<>(1))
                    .add(zk);
        }
        return new ZoneKeys(map, algs.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Zone keys with this algorithm and key tag (more than one on a tag collision): the published ones and
     * those named as signing without being published.
     */
    List<ZoneKey> candidates(int algorithm, int tag) {
        return byAlgorithmAndTag.getOrDefault(index(algorithm, tag), List.of());
    }

    /**
     * The verifiable algorithms of the published zone keys, ascending: each authoritative RRset
     * must carry a valid RRSIG of each (RFC 4035 §2.2, RFC 6840 §5.11).
     */
    int[] algorithms() {
        return algorithms.clone();
    }

    boolean isEmpty() {
        return byAlgorithmAndTag.values().stream().flatMap(List::stream).noneMatch(ZoneKey::published);
    }

    private static int index(int algorithm, int tag) {
        return (algorithm << 16) | tag;
    }

    /** RFC 4034 Appendix B key tag over the DNSKEY RDATA. */
    static int keyTag(byte[] rdata) {
        long ac = 0;
        for (int i = 0; i < rdata.length; i++) {
            ac += (i & 1) == 0 ? (rdata[i] & 0xff) << 8 : rdata[i] & 0xff;
        }
        ac += (ac >> 16) & 0xFFFF;
        return (int) (ac & 0xFFFF);
    }

    /** SHA-256 DS digest (RFC 4509): canonical owner name followed by the DNSKEY RDATA. */
    static Fingerprint fingerprint(Name owner, byte[] rdata) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(Canonical.name(owner));
            md.update(rdata);
            return Fingerprint.of(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
