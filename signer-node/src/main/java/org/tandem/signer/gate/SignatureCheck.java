package org.tandem.signer.gate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.ZoneIndex.Kind;
import org.tandem.signer.gate.ZoneIndex.Owner;
import org.tandem.signer.gate.ZoneKeys.ZoneKey;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Checks every RRSIG of a range of owners against the published zone keys, and that every
 * authoritative RRset has one of each algorithm (RFC 4035 §2.2). Verifies with the signing input
 * built from RFC 4034 §3.1.8.1. One instance per gate run, shared by the worker threads; each
 * {@link #check} call returns its own results, merged by the caller in zone order.
 */
final class SignatureCheck {
    private final ZoneIndex index;
    private final ZoneKeys keys;
    private final Instant now;
    private final Instant horizon;
    private final Duration margin;
    private final int[] algorithms;
    private final byte[] originWire;
    private final ThreadLocal<Context> context;

    /** One thread's verifier (one Signature per algorithm) and buffer. */
    private static final class Context {
        final GateCrypto.Verifier verifier;
        final WireBuffer buffer = new WireBuffer();

        Context(GateCrypto.Verifier verifier) {
            this.verifier = verifier;
        }
    }

    /** The outcome of one range of owners. */
    static final class Result {
        final FailureLog log = new FailureLog();
        long rrsets;
        long signatures;
        long earliestExpiration = Long.MAX_VALUE;
    }

    SignatureCheck(ZoneIndex index, ZoneKeys keys, GateCrypto crypto, Instant now, Duration margin) {
        this.index = index;
        this.keys = keys;
        this.now = now;
        this.margin = margin;
        this.horizon = now.plus(margin);
        this.algorithms = keys.algorithms();
        this.originWire = Canonical.name(index.origin);
        this.context = ThreadLocal.withInitial(() -> new Context(crypto.verifier()));
    }

    /** Checks owners {@code [from, to)} of {@link ZoneIndex#owners}; run by one worker thread. */
    Result check(int from, int to) {
        Context ctx = context.get();
        Result r = new Result();
        Record[] recs = index.records;
        List<RRSIGRecord> sigs = new ArrayList<>();
        List<RRSIGRecord> covering = new ArrayList<>();
        for (int oi = from; oi < to; oi++) {
            Owner o = index.owners.get(oi);
            sigs.clear();
            for (int i = o.from; i < o.to; i++) {
                if (recs[i].getType() == Type.RRSIG) {
                    sigs.add((RRSIGRecord) recs[i]);
                }
            }
            boolean[] used = new boolean[sigs.size()];
            int i = o.from;
            while (i < o.to) {
                int type = recs[i].getType();
                int j = i + 1;
                while (j < o.to && recs[j].getType() == type) {
                    j++;
                }
                if (type != Type.RRSIG) {
                    covering.clear();
                    for (int s = 0; s < sigs.size(); s++) {
                        if (sigs.get(s).getTypeCovered() == type) {
                            covering.add(sigs.get(s));
                            used[s] = true;
                        }
                    }
                    checkRrset(o, type, i, j, covering, ctx, r);
                }
                i = j;
            }
            for (int s = 0; s < sigs.size(); s++) {
                if (!used[s]) {
                    RRSIGRecord sig = sigs.get(s);
                    r.log.add(failure(
                            o.name,
                            sig,
                            o.kind == Kind.OCCLUDED ? Reason.SIGNED_NON_AUTHORITATIVE : Reason.ORPHAN_SIGNATURE,
                            "RRSIG covers " + Type.string(sig.getTypeCovered()) + ", which is absent at this owner"));
                }
            }
        }
        return r;
    }

    /** RFC 4035 §2.2: delegation NS, glue and occluded data are not signed; DS and NSEC at a cut are. */
    private static boolean mustBeSigned(Kind kind, int type) {
        switch (kind) {
            case OCCLUDED:
                return false;
            case DELEGATION:
                return type == Type.DS || type == Type.NSEC;
            default:
                return true;
        }
    }

    private void checkRrset(Owner o, int type, int from, int to, List<RRSIGRecord> sigs, Context ctx, Result r) {
        Record[] recs = index.records;
        if (!mustBeSigned(o.kind, type)) {
            for (RRSIGRecord sig : sigs) {
                r.log.add(failure(
                        o.name,
                        sig,
                        Reason.SIGNED_NON_AUTHORITATIVE,
                        (o.kind == Kind.OCCLUDED ? "occluded or glue " : "delegation ") + Type.string(type)
                                + " must not be signed (RFC 4035 §2.2)"));
            }
            return;
        }
        r.rrsets++;
        if (type == Type.DS && o.kind != Kind.DELEGATION) {
            r.log.add(GateFailure.of(
                    o.name,
                    type,
                    Reason.MISPLACED_DS,
                    "DS at " + (o.kind == Kind.APEX ? "the apex" : "a name without NS") + ", not at a delegation"));
        }
        long ttl = recs[from].getTTL();
        long minTtl = ttl;
        long maxTtl = ttl;
        byte[][] rdata = new byte[to - from][];
        for (int i = from; i < to; i++) {
            rdata[i - from] = Canonical.rdata(recs[i]);
            minTtl = Math.min(minTtl, recs[i].getTTL());
            maxTtl = Math.max(maxTtl, recs[i].getTTL());
        }
        if (minTtl != maxTtl) {
            r.log.add(GateFailure.of(
                    o.name,
                    type,
                    Reason.TTL_MISMATCH_IN_RRSET,
                    "TTLs from " + minTtl + " to " + maxTtl + " in one RRset (RFC 2181 §5.2)"));
        }
        int n = Canonical.sortDistinct(rdata);

        int present = 0; // bit per entry of algorithms: some RRSIG of that algorithm
        int sepPresent = 0; // some RRSIG naming a SEP key of that algorithm
        for (RRSIGRecord sig : sigs) {
            int a = indexOf(sig.getAlgorithm());
            List<ZoneKey> candidates = keys.candidates(sig.getAlgorithm(), sig.getFootprint());
            if (a >= 0) {
                present |= 1 << a;
                for (ZoneKey k : candidates) {
                    if (k.sep()) {
                        sepPresent |= 1 << a;
                    }
                }
            }
            checkSignature(o, type, sig, candidates, ttl, rdata, n, ctx, r);
        }
        checkAlgorithms(r.log, o.name, type, o.kind == Kind.APEX, algorithms, present, sepPresent);
    }

    /**
     * RFC 4035 §2.2: an RRset carries an RRSIG of every algorithm in the DNSKEY RRset, and at the
     * apex the DNSKEY RRset one by a published SEP key of each. {@code present} and {@code sepPresent}
     * hold a bit per entry of {@code algorithms} (shared with {@link IncrementalGate});
     * {@code apex}: the owner is the zone apex.
     */
    static void checkAlgorithms(
            FailureLog log, Name owner, int type, boolean apex, int[] algorithms, int present, int sepPresent) {
        for (int a = 0; a < algorithms.length; a++) {
            if ((present & (1 << a)) == 0) {
                log.add(GateFailure.of(
                        owner,
                        type,
                        Reason.NOT_SIGNED,
                        "no RRSIG of algorithm " + algorithms[a] + ", which the DNSKEY RRset has (RFC 4035 §2.2)"));
            } else if (type == Type.DNSKEY && apex && (sepPresent & (1 << a)) == 0) {
                log.add(GateFailure.of(
                        owner,
                        type,
                        Reason.DNSKEY_NOT_SIGNED_BY_SEP,
                        "no RRSIG of algorithm " + algorithms[a] + " by a published SEP (flags 257) key"));
            }
        }
    }

    private int indexOf(int algorithm) {
        for (int a = 0; a < algorithms.length; a++) {
            if (algorithms[a] == algorithm) {
                return a;
            }
        }
        return -1;
    }

    /** Checks one RRSIG; every defect is its own failure, reported with the key tag it claims. */
    private void checkSignature(
            Owner o,
            int type,
            RRSIGRecord sig,
            List<ZoneKey> candidates,
            long ttl,
            byte[][] rdata,
            int n,
            Context ctx,
            Result r) {
        Name owner = o.name;
        Instant expire = sig.getExpire();
        r.earliestExpiration = Math.min(r.earliestExpiration, expire.getEpochSecond());
        if (!sig.getSigner().equals(index.origin)) {
            r.log.add(failure(owner, sig, candidates, Reason.WRONG_SIGNER, "signer " + sig.getSigner()));
        }
        int labels = Canonical.expectedLabels(owner);
        if (sig.getLabels() != labels) {
            r.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.WRONG_LABELS,
                    "labels " + sig.getLabels() + ", expected " + labels
                            + (owner.isWild() ? " (wildcard owner)" : "")));
        }
        if (sig.getOrigTTL() != ttl) {
            r.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.ORIGINAL_TTL_MISMATCH,
                    "original TTL " + sig.getOrigTTL() + ", RRset TTL " + ttl));
        }
        if (sig.getTTL() != ttl) {
            r.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.RRSIG_TTL_MISMATCH,
                    "RRSIG TTL " + sig.getTTL() + ", RRset TTL " + ttl));
        }
        if (sig.getTimeSigned().isAfter(now)) {
            r.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.SIGNATURE_NOT_YET_VALID,
                    "inception " + sig.getTimeSigned() + " is after now " + now));
        }
        if (expire.isBefore(now)) {
            r.log.add(failure(owner, sig, candidates, Reason.SIGNATURE_EXPIRED, "expired " + expire + ", now " + now));
        } else if (expire.isBefore(horizon)) {
            r.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.SIGNATURE_EXPIRES_WITHIN_MARGIN,
                    "expires " + expire + ", before now + " + margin + " = " + horizon));
        }
        if (candidates.isEmpty()) {
            r.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.NO_MATCHING_DNSKEY,
                    "no published zone key with algorithm " + sig.getAlgorithm() + " and tag " + sig.getFootprint()));
            return;
        }
        GateCrypto.Algorithm alg = GateCrypto.Algorithm.of(sig.getAlgorithm());
        byte[] signedOwner = Canonical.signedOwner(owner, sig.getLabels());
        if (alg == null || signedOwner == null) {
            return; // reported as UNSUPPORTED_ALGORITHM on the key, or as WRONG_LABELS above
        }
        WireBuffer b = ctx.buffer;
        signingInput(
                b,
                sig,
                expire,
                sig.getSigner().equals(index.origin) ? originWire : Canonical.name(sig.getSigner()),
                signedOwner,
                type,
                rdata,
                n);
        boolean anyKey = false;
        for (ZoneKey k : candidates) {
            if (k.publicKey() == null) {
                continue; // reported as BAD_DNSKEY
            }
            anyKey = true;
            r.signatures++;
            if (ctx.verifier.verify(alg, k.publicKey(), b.array(), b.length(), sig.getSignature())) {
                return;
            }
        }
        if (anyKey) {
            r.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.BAD_SIGNATURE,
                    "RRSIG by key " + sig.getFootprint() + " (algorithm " + sig.getAlgorithm()
                            + ") does not verify with the published DNSKEY"
                            + (candidates.size() > 1 ? "s of that tag" : "")));
        }
    }

    /**
     * Builds the data an RRSIG signs into {@code b} (reset first): RFC 4034 §3.1.8.1, the RRSIG RDATA
     * without the signature (signer name in canonical form), then each RR in canonical form and order
     * with the original TTL (RFC 4034 §6.2, §6.3). Shared by the full and the incremental gate.
     *
     * @param expire the RRSIG expiration as read (its wire value is the low 32 bits)
     * @param rdata the RRset's RDATA in canonical form, sorted, the first {@code count} distinct
     */
    static void signingInput(
            WireBuffer b,
            RRSIGRecord sig,
            Instant expire,
            byte[] signerWire,
            byte[] signedOwner,
            int type,
            byte[][] rdata,
            int count) {
        b.reset();
        b.u16(sig.getTypeCovered());
        b.u8(sig.getAlgorithm());
        b.u8(sig.getLabels());
        b.u32(sig.getOrigTTL());
        b.u32(expire.getEpochSecond() & 0xFFFFFFFFL);
        b.u32(sig.getTimeSigned().getEpochSecond() & 0xFFFFFFFFL);
        b.u16(sig.getFootprint());
        b.bytes(signerWire);
        for (int i = 0; i < count; i++) {
            b.bytes(signedOwner);
            b.u16(type);
            b.u16(sig.getDClass());
            b.u32(sig.getOrigTTL());
            b.u16(rdata[i].length);
            b.bytes(rdata[i]);
        }
    }

    private static GateFailure failure(Name owner, RRSIGRecord sig, Reason reason, String detail) {
        return GateFailure.of(owner, sig.getTypeCovered(), sig.getFootprint(), null, reason, detail);
    }

    private static GateFailure failure(
            Name owner, RRSIGRecord sig, List<ZoneKey> candidates, Reason reason, String detail) {
        Fingerprint fp = candidates.size() == 1 ? candidates.get(0).fingerprint() : null;
        return GateFailure.of(owner, sig.getTypeCovered(), sig.getFootprint(), fp, reason, detail);
    }
}
