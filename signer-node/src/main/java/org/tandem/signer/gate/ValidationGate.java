package org.tandem.signer.gate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * The pre-publication validation gate (INV-D1): decides whether a signed zone may be published,
 * independently of the code that signed it.
 *
 * <p>It checks, against the apex DNSKEY RRset <em>as published in the zone</em>:
 *
 * <ol>
 *   <li>an apex SOA and DNSKEY RRset with usable zone keys, all of whose algorithms it can verify;
 *   <li>every authoritative RRset (not delegation NS, glue or occluded data; DS at a cut is) has an
 *       RRSIG of every algorithm in the DNSKEY RRset, and the DNSKEY RRset one by a SEP key of each
 *       algorithm; every RRSIG present verifies with the published key it names, even when another
 *       RRSIG of the RRset does (DENIC, May 2026);
 *   <li>every RRSIG's inception is not after {@code now}, its expiration not before {@code now} plus
 *       the policy's margin, its original TTL and TTL equal the RRset's TTL, its labels field fits
 *       the owner (wildcards), its signer is the apex;
 *   <li>a complete NSEC chain, or NSEC3 chain with NSEC3PARAM (iterations 0, empty salt, opt-out
 *       honoured), with exact type bitmaps and TTL min(SOA TTL, SOA minimum);
 *   <li>an apex ZONEMD (SIMPLE scheme), when present or required by the policy.
 * </ol>
 *
 * <p>Threads: signatures are verified by a fixed pool of {@link GatePolicy#threads()} threads
 * created for each {@link #verify} call and shut down before it returns (one {@code Signature}
 * instance per thread and algorithm); the calling thread meanwhile checks the denial chain and
 * ZONEMD. Instances are immutable and may be shared.
 *
 * <p>IMPORTANT: publish only when {@link GateVerdict#passed()}. Anything else, including an
 * exception from {@code verify}, means the previous zone stays published.
 */
public final class ValidationGate {
    private static final Logger LOG = LoggerFactory.getLogger(ValidationGate.class);

    private final GatePolicy policy;
    private final GateCrypto crypto;

    /** A gate verifying with ACCP where it loads, else the JDK's providers (logged once). */
    public ValidationGate(GatePolicy policy) {
        this(policy, GateCrypto.preferred());
    }

    ValidationGate(GatePolicy policy, GateCrypto crypto) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.crypto = Objects.requireNonNull(crypto, "crypto");
    }

    public GatePolicy policy() {
        return policy;
    }

    /**
     * Checks a signed zone.
     *
     * @param origin the zone apex (absolute)
     * @param signedZone every record of the zone as it will be published, in any order
     * @param now the instant the validity windows are checked at (and {@code now} plus the margin)
     * @return the verdict; the zone may be published only if it {@linkplain GateVerdict#passed()
     *     passed}
     * @throws InterruptedException if interrupted while the workers verify; no verdict then
     */
    public GateVerdict verify(Name origin, List<Record> signedZone, Instant now) throws InterruptedException {
        return verify(origin, signedZone, now, List.of());
    }

    /**
     * As {@link #verify(Name, List, Instant)}, for a zone in an algorithm rollover (RFC 6781 §4.1.4) whose
     * signer also signed with keys that are not in the DNSKEY RRset ({@code unpublishedSigners}: pre-active
     * keys before their DNSKEY, post-active keys after it left). The rule: an RRSIG by such a key is verified
     * with it (and must verify, as every RRSIG must), but does not count for any algorithm; every
     * authoritative RRset must still carry an RRSIG by a key of the DNSKEY RRset for each algorithm of the
     * DNSKEY RRset (RFC 4035 §2.2, RFC 6840 §5.11), the DNSKEY RRset one by a published SEP key of each. An
     * RRSIG naming a key in neither set fails as before (NO_MATCHING_DNSKEY).
     */
    public GateVerdict verify(Name origin, List<Record> signedZone, Instant now, List<DNSKEYRecord> unpublishedSigners)
            throws InterruptedException {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(signedZone, "signedZone");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(unpublishedSigners, "unpublishedSigners");
        if (!origin.isAbsolute()) {
            throw new IllegalArgumentException("origin must be absolute: " + origin);
        }
        long start = System.nanoTime();
        FailureLog apexLog = new FailureLog();
        ZoneIndex index = ZoneIndex.build(origin, signedZone, apexLog);

        List<Record> soas = index.records(index.apex, Type.SOA);
        SOARecord soa = soas.isEmpty() ? null : (SOARecord) soas.get(0);
        List<DNSKEYRecord> dnskeys = new ArrayList<>();
        for (Record r : index.records(index.apex, Type.DNSKEY)) {
            dnskeys.add((DNSKEYRecord) r);
        }
        ZoneKeys keys = ZoneKeys.read(origin, dnskeys, unpublishedSigners, crypto, apexLog);
        RrsetRules.apex(apexLog, origin, soas.size(), dnskeys.size(), keys);

        FailureLog signatureLog = new FailureLog();
        FailureLog denialLog = new FailureLog();
        FailureLog zonemdLog = new FailureLog();
        long rrsets = 0;
        long signatures = 0;
        long earliest = Long.MAX_VALUE;
        ExecutorService pool = Executors.newFixedThreadPool(policy.threads(), threads(origin));
        try {
            List<Future<SignatureCheck.Result>> results = new ArrayList<>();
            if (!keys.isEmpty()) {
                SignatureCheck check = new SignatureCheck(index, keys, crypto, now, policy.minimumValidity());
                int owners = index.owners.size();
                int chunk = chunkSize(owners, policy.threads());
                for (int from = 0; from < owners; from += chunk) {
                    int f = from;
                    int t = Math.min(owners, from + chunk);
                    results.add(pool.submit(() -> check.check(f, t)));
                }
            }
            DenialCheck.check(index, soa, denialLog);
            Zonemd.check(index, soa, policy.requireZonemd(), zonemdLog);
            for (Future<SignatureCheck.Result> f : results) {
                SignatureCheck.Result r = await(f);
                signatureLog.addAll(r.log);
                rrsets += r.rrsets;
                signatures += r.signatures;
                earliest = Math.min(earliest, r.earliestExpiration);
            }
        } finally {
            pool.shutdownNow();
        }
        FailureLog all = new FailureLog();
        all.addAll(apexLog);
        all.addAll(signatureLog);
        all.addAll(denialLog);
        all.addAll(zonemdLog);
        GateVerdict verdict = new GateVerdict(
                origin,
                all.listed(GateVerdict.MAX_LISTED_FAILURES),
                all.total(),
                all.counts(),
                rrsets,
                signatures,
                earliest == Long.MAX_VALUE ? Optional.empty() : Optional.of(Instant.ofEpochSecond(earliest)),
                Duration.ofNanos(System.nanoTime() - start));
        LOG.info(
                "event=gate-verdict zone={} passed={} failures={} rrsets={} signatures={} elapsed_ms={} threads={}"
                        + " crypto=\"{}\"",
                origin,
                verdict.passed(),
                verdict.failureCount(),
                rrsets,
                signatures,
                verdict.elapsed().toMillis(),
                policy.threads(),
                crypto.description());
        return verdict;
    }

    /**
     * The RFC 8976 SIMPLE-scheme SHA-384 digest of a zone, for the signer to put in the apex
     * ZONEMD record: over every in-zone class IN record in canonical order and canonical wire form,
     * duplicates once, excluding the apex ZONEMD RRset and the RRSIGs covering it (so it may be
     * computed before or after a placeholder ZONEMD is added, but after everything else is signed).
     * Records outside the zone are not digested.
     */
    public static byte[] zonemdDigest(Name origin, List<Record> zone) {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(zone, "zone");
        return Zonemd.digest(origin, ZoneIndex.sortedInZone(origin, zone), Zonemd.HASH_SHA384);
    }

    private static int chunkSize(int owners, int threads) {
        return Math.max(64, Math.min(4096, owners / (threads * 32) + 1));
    }

    private static SignatureCheck.Result await(Future<SignatureCheck.Result> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException("gate worker failed", cause);
        }
    }

    private static ThreadFactory threads(Name origin) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "gate-" + origin + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
