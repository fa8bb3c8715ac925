package org.tandem.signer.sign;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;
import org.tandem.signer.nsec.EmptyNonTerminals;
import org.tandem.signer.nsec.Nsec3Chain;
import org.tandem.signer.nsec.Nsec3CollisionException;
import org.tandem.signer.nsec.NsecChain;
import org.tandem.signer.nsec.OwnerNode;
import org.tandem.signer.zone.UnsignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * Signs a whole zone with keys held in HSMs.
 *
 * <p>What is signed (RFC 4035 §2): the apex DNSKEY RRset is exactly the given {@link SigningKey#published()
 * published} keys' DNSKEYs (those that do not {@link SigningKey#signs() sign} included; an algorithm
 * rollover's keys that sign without being published left out); it and the apex CDS and CDNSKEY RRsets are
 * signed by every signing KSK and CSK, every other authoritative RRset (DS at zone cuts included) by
 * every signing ZSK and CSK: one RRSIG per key, so every algorithm covers
 * every RRset. Delegation NS RRsets, glue and other data at or below a zone cut are published
 * unsigned. NSEC or NSEC3 per the policy; the SOA serial per {@link SerialPolicy}, never backwards;
 * ZONEMD last, when asked for. Before anything is signed, the {@link CapabilityCanary} signs and
 * verifies one RRset of every type in the run with every key.
 *
 * <p>Threads: RRsets are signed on a fixed pool of {@link SigningPolicy#threads()} threads, created
 * for the run and gone when {@code sign} returns (also on failure: no thread uses an HSM after it);
 * HSMs are used concurrently (several sessions). The output does not depend on scheduling. A
 * {@code ZoneSigner} may be shared; runs are independent.
 *
 * <p>IMPORTANT: the result is not verified here beyond the canary. The validation gate must pass it
 * before it is published (INV-D1).
 */
public final class ZoneSigner {
    /** Default for how many RRsets pass between two progress reports. */
    public static final int DEFAULT_PROGRESS_INTERVAL = 10_000;

    /** The algorithms the signer signs with; a new {@link Algorithm} is enabled here deliberately. */
    static final Set<Algorithm> SUPPORTED =
            EnumSet.of(Algorithm.RSASHA256, Algorithm.ECDSAP256SHA256, Algorithm.ECDSAP384SHA384, Algorithm.ED25519);

    /** NSEC3PARAM TTL: resolvers never use it; 0 like BIND. */
    static final long NSEC3PARAM_TTL = 0;

    private static final Logger LOG = LoggerFactory.getLogger(ZoneSigner.class);
    private static final int CHUNK = 256;

    private final SigningProgress progress;
    private final int progressInterval;

    /** A signer that reports no progress. */
    public ZoneSigner() {
        this(SigningProgress.NONE, DEFAULT_PROGRESS_INTERVAL);
    }

    /**
     * @param progress told on the calling thread after every {@code interval} RRsets and at the end
     * @param interval RRsets between two reports, at least 1
     */
    public ZoneSigner(SigningProgress progress, int interval) {
        this.progress = Objects.requireNonNull(progress, "progress");
        if (interval < 1) {
            throw new IllegalArgumentException("progress interval must be at least 1, got " + interval);
        }
        this.progressInterval = interval;
    }

    /**
     * Signs {@code zone}.
     *
     * @param zone the unsigned zone (no RRSIG, NSEC, NSEC3, NSEC3PARAM, apex DNSKEY or apex ZONEMD)
     * @param keys every key of the zone: the DNSKEY RRset is made of exactly these; those that {@link
     *     SigningKey#signs()} sign
     * @param policy validity, jitter, denial, serial, ZONEMD, threads
     * @param now the signing time (RRSIG inception and expiration, the serial)
     * @param previousSerial the SOA serial last published for this zone (for a first signing, the
     *     serial of the unsigned zone); the new serial is greater in RFC 1982 arithmetic
     * @throws CanaryFailedException a record type cannot be signed and verified with some key
     * @throws UnsupportedRecordException the zone holds a record the signer refuses
     * @throws UnsupportedKeyException a key the signer refuses
     * @throws IncompleteKeySetException the keys cannot sign the zone validly
     * @throws RrsetSigningException an HSM failed on an RRset; nothing is returned
     * @throws SigningException interrupted
     */
    public SignedZone sign(
            UnsignedZone zone, List<SigningKey> keys, SigningPolicy policy, Instant now, long previousSerial)
            throws SigningException {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(now, "now");
        long started = System.nanoTime();
        ZoneName origin = zone.origin();
        Name apex = origin.name();
        List<SigningKey> all = List.copyOf(keys);
        checkKeys(origin, all);
        List<SigningKey> signing = all.stream().filter(SigningKey::signs).toList();
        List<SigningKey> keySigners =
                signing.stream().filter(SigningKey::signsKeys).toList();
        List<SigningKey> dataSigners =
                signing.stream().filter(SigningKey::signsData).toList();

        long serial = policy.serial().next(previousSerial, now);
        SOARecord old = zone.soa();
        SOARecord soa = new SOARecord(
                apex,
                DClass.IN,
                old.getTTL(),
                old.getHost(),
                old.getAdmin(),
                serial,
                old.getRefresh(),
                old.getRetry(),
                old.getExpire(),
                old.getMinimum());
        Stages stages = new Stages(started);
        ZoneIndex index = ZoneIndex.build(zone, soa);
        stages.mark("index");
        // the DNSKEY RRset: the published keys (an algorithm rollover's pre- and post-active keys sign without)
        index.addApex(Type.DNSKEY, SigningKey.dnskeys(all, policy.dnskeyTtl()));

        addDenial(index, policy, soa, stages);
        List<ZoneIndex.Rrset> rrsets = index.rrsets();

        CapabilityCanary.run(origin, canarySamples(index, rrsets, policy, soa), signing, now);
        stages.mark("canary");

        long[] counts = signAll(origin, rrsets, keySigners, dataSigners, policy, now);
        stages.mark("sign");

        List<Record> out = new ArrayList<>(rrsets.size() + (int) counts[1] + 16);
        List<ZoneIndex.Owner> owners = index.owners();
        if (policy.zonemd()) {
            List<Record> apexPart = new ArrayList<>();
            ZoneIndex.emit(index.apex(), apexPart);
            List<Record> rest = new ArrayList<>(rrsets.size() + (int) counts[1]);
            for (int i = 1; i < owners.size(); i++) {
                ZoneIndex.emit(owners.get(i), rest);
            }
            byte[] digest = ZonemdDigest.sha384Simple(apex, () -> concat(apexPart, rest));
            ZoneIndex.Rrset zonemd =
                    index.addApex(Type.ZONEMD, List.of(ZonemdDigest.record(apex, soa.getTTL(), serial, digest)));
            long[] z = signRange(new RrsetSigner(origin), List.of(zonemd), 0, 1, keySigners, dataSigners, policy, now);
            counts[0] += z[0];
            counts[1] += z[1];
            ZoneIndex.emit(index.apex(), out);
            out.addAll(rest);
        } else {
            for (ZoneIndex.Owner o : owners) {
                ZoneIndex.emit(o, out);
            }
        }
        stages.mark(policy.zonemd() ? "assemble+zonemd" : "assemble");
        LOG.debug("zone={} event=stages {}", origin, stages);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        SignedZone signed = new SignedZone(
                origin,
                serial,
                out,
                counts[0],
                counts[1],
                elapsed,
                SigningKey.unpublishedSigners(all, policy.dnskeyTtl()));
        LOG.info(
                "zone={} event=signed serial={} denial={} records={} rrsets-signed={} signatures={} threads={} ms={} "
                        + "signatures-per-s={}",
                origin,
                serial,
                policy.denial() == Denial.NSEC ? "NSEC" : policy.nsec3(),
                out.size(),
                counts[0],
                counts[1],
                policy.threads(),
                elapsed.toMillis(),
                Math.round(signed.signaturesPerSecond()));
        return signed;
    }

    /**
     * The NSEC or NSEC3 chain, built from the zone's nodes. A method of its own so that the node list
     * (a million entries at a million delegations) is garbage before signing starts.
     */
    private static void addDenial(ZoneIndex index, SigningPolicy policy, SOARecord soa, Stages stages)
            throws Nsec3CollisionException {
        Name apex = index.apex;
        // RFC 9077: NSEC and NSEC3 TTL = min(SOA TTL, SOA MINIMUM)
        long denialTtl = Math.min(soa.getTTL(), soa.getMinimum());
        List<OwnerNode> nodes =
                EmptyNonTerminals.insert(apex, policy.zonemd() ? index.nodes(Type.ZONEMD) : index.nodes());
        stages.mark("nodes");
        if (policy.denial() == Denial.NSEC) {
            index.addNsec(NsecChain.build(apex, nodes, denialTtl));
        } else {
            index.addNsec3(Nsec3Chain.build(apex, nodes, policy.nsec3(), denialTtl, NSEC3PARAM_TTL), NSEC3PARAM_TTL);
        }
        stages.mark("chain");
    }

    private static Iterator<Record> concat(List<Record> a, List<Record> b) {
        return Stream.concat(a.stream(), b.stream()).iterator();
    }

    /** The first RRset of every type in the run (canonical order), and a ZONEMD probe when asked for. */
    private static List<PreparedRrset> canarySamples(
            ZoneIndex index, List<ZoneIndex.Rrset> rrsets, SigningPolicy policy, SOARecord soa) {
        boolean[] seen = new boolean[65536];
        List<PreparedRrset> samples = new ArrayList<>();
        for (ZoneIndex.Rrset r : rrsets) {
            if (!seen[r.type]) {
                seen[r.type] = true;
                samples.add(r.sample());
            }
        }
        if (policy.zonemd()) {
            samples.add(PreparedRrset.of(
                    index.apex,
                    Type.ZONEMD,
                    List.of(ZonemdDigest.record(
                            index.apex, soa.getTTL(), soa.getSerial(), new byte[ZonemdDigest.SHA384_LENGTH]))));
        }
        return samples;
    }

    static void checkKeys(ZoneName origin, List<SigningKey> keys) throws SigningException {
        if (keys.isEmpty()) {
            throw new IncompleteKeySetException(origin, "no keys given");
        }
        Set<Fingerprint> seen = new HashSet<>();
        Map<Algorithm, boolean[]> roles = new TreeMap<>();
        for (SigningKey k : keys) {
            if (!k.key().zone().equals(origin)) {
                throw new UnsupportedKeyException(
                        origin,
                        k.key(),
                        k.hsm().id(),
                        "it is a key of zone " + k.key().zone());
            }
            if (!SUPPORTED.contains(k.key().algorithm())) {
                throw new UnsupportedKeyException(
                        origin,
                        k.key(),
                        k.hsm().id(),
                        "the signer does not sign with algorithm " + k.key().algorithm());
            }
            if (!seen.add(k.key().fingerprint())) {
                throw new UnsupportedKeyException(
                        origin,
                        k.key(),
                        k.hsm().id(),
                        "the same key is given twice (it would sign every RRset twice); give one HSM's copy");
            }
            boolean[] r = roles.computeIfAbsent(k.key().algorithm(), a -> new boolean[2]);
            r[0] |= k.signs() && k.signsKeys();
            r[1] |= k.signs() && k.signsData();
        }
        for (Map.Entry<Algorithm, boolean[]> e : roles.entrySet()) {
            if (!e.getValue()[0] || !e.getValue()[1]) {
                throw new IncompleteKeySetException(
                        origin,
                        "algorithm " + e.getKey() + " (" + e.getKey().number()
                                + ") has no " + (e.getValue()[0] ? "ZSK or CSK" : "KSK or CSK")
                                + " that signs, but every algorithm in the DNSKEY RRset must sign every RRset (RFC "
                                + "6840 §5.11)");
            }
        }
    }

    /** Prepares and signs every RRset on the pool; returns {RRsets signed, signatures}. */
    private long[] signAll(
            ZoneName origin,
            List<ZoneIndex.Rrset> rrsets,
            List<SigningKey> keySigners,
            List<SigningKey> dataSigners,
            SigningPolicy policy,
            Instant now)
            throws SigningException {
        RrsetSigner signer = new RrsetSigner(origin);
        List<SigningPool.Task<long[]>> tasks = new ArrayList<>();
        for (int from = 0; from < rrsets.size(); from += CHUNK) {
            int f = from;
            int t = Math.min(rrsets.size(), from + CHUNK);
            tasks.add(() -> signRange(signer, rrsets, f, t, keySigners, dataSigners, policy, now));
        }
        long[] total = new long[2];
        long[] processed = new long[1];
        long[] reported = new long[1];
        SigningPool.run(origin, "signing", "signer", policy.threads(), tasks, c -> {
            total[0] += c[0];
            total[1] += c[1];
            processed[0] += c[2];
            if (processed[0] - reported[0] >= progressInterval) {
                progress.progress(processed[0], rrsets.size(), total[1]);
                reported[0] = processed[0];
            }
        });
        if (reported[0] != processed[0] || processed[0] == 0) {
            progress.progress(processed[0], rrsets.size(), total[1]);
        }
        return total;
    }

    /** Prepares and signs rrsets[from, to); returns {RRsets signed, signatures, RRsets processed}. */
    private static long[] signRange(
            RrsetSigner signer,
            List<ZoneIndex.Rrset> rrsets,
            int from,
            int to,
            List<SigningKey> keySigners,
            List<SigningKey> dataSigners,
            SigningPolicy policy,
            Instant now)
            throws RrsetSigningException {
        Instant inception = policy.inception(now);
        long signed = 0;
        long signatures = 0;
        for (int i = from; i < to; i++) {
            if (Thread.currentThread().isInterrupted()) {
                break; // the run failed elsewhere and was stopped
            }
            ZoneIndex.Rrset r = rrsets.get(i);
            PreparedRrset p = r.prepare();
            if (p.ttlAdjusted()) {
                LOG.warn(
                        "zone={} owner={} type={} event=ttl-adjusted ttl={} reason=\"RRs of one RRset had different "
                                + "TTLs; the lowest applies (RFC 2181 §5.2)\"",
                        signer.zone(),
                        r.owner,
                        Type.string(r.type),
                        p.ttl());
            }
            if (r.signer == ZoneIndex.Signer.NONE) {
                continue;
            }
            List<SigningKey> keys = r.signer == ZoneIndex.Signer.KEYS ? keySigners : dataSigners;
            byte[] part = p.rrsetPart();
            Instant expiration = policy.expiration(now, r.owner, r.type);
            RRSIGRecord[] sigs = new RRSIGRecord[keys.size()];
            for (int k = 0; k < sigs.length; k++) {
                sigs[k] = signer.sign(p, part, keys.get(k), inception, expiration);
            }
            r.signatures = sigs;
            signed++;
            signatures += sigs.length;
        }
        return new long[] {signed, signatures, to - from};
    }

    /** Wall time of each stage of a run, for the debug log. */
    private static final class Stages {
        private final StringBuilder text = new StringBuilder();
        private long last;

        Stages(long started) {
            this.last = started;
        }

        void mark(String stage) {
            long now = System.nanoTime();
            text.append(text.length() == 0 ? "" : " ")
                    .append(stage)
                    .append("-ms=")
                    .append((now - last) / 1_000_000);
            last = now;
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
