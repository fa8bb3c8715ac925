package org.tandem.signer.gate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.ZoneIndex.Kind;
import org.tandem.signer.gate.ZoneKeys.ZoneKey;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The rules for the records at one owner name, the same for the full gate (every owner of the zone,
 * {@link SignatureCheck}) and the incremental gate (the owners a change touched): the apex SOA and
 * zone keys; each authoritative RRset carries an RRSIG of every algorithm of the DNSKEY RRset (RFC
 * 4035 §2.2), the DNSKEY RRset one by a SEP key of each; no RRSIG on delegation NS, glue or occluded
 * data; one TTL per RRset (RFC 2181 §5.2); and each RRSIG's signer, labels, TTLs, validity window and
 * signature, verified with the gate's own signing input (RFC 4034 §3.1.8.1) and crypto.
 *
 * <p>One instance per check, shared by worker threads; each thread brings its own {@link Tally}.
 */
final class RrsetRules {
    private final Name origin;
    private final byte[] originWire;
    private final ZoneKeys keys;
    private final int[] algorithms;
    private final Instant now;
    private final Duration margin;
    private final Instant horizon;

    /** What one thread found and counted, with its verifier and buffer. */
    static final class Tally {
        final FailureLog log;
        final GateCrypto.Verifier verifier;
        final WireBuffer buffer = new WireBuffer();
        long rrsets;
        long signatures;
        long earliestExpiration = Long.MAX_VALUE;
        /** RRSIGs found expired, and found expiring within the margin. */
        long expired;

        long expiringWithinMargin;

        Tally(FailureLog log, GateCrypto.Verifier verifier) {
            this.log = log;
            this.verifier = verifier;
        }
    }

    /**
     * @param keys the apex zone keys as published
     * @param now the instant validity windows are checked at
     * @param margin how long every signature must stay valid after {@code now}
     */
    RrsetRules(Name origin, ZoneKeys keys, Instant now, Duration margin) {
        this.origin = origin;
        this.originWire = Canonical.name(origin);
        this.keys = keys;
        this.algorithms = keys.algorithms();
        this.now = now;
        this.margin = margin;
        this.horizon = now.plus(margin);
    }

    /** The apex: exactly one SOA, and at least one usable zone key among the {@code dnskeys} DNSKEY records. */
    static void apex(FailureLog log, Name origin, int soas, int dnskeys, ZoneKeys keys) {
        if (soas != 1) {
            log.add(GateFailure.of(
                    origin, Type.SOA, Reason.MISSING_SOA, soas + " SOA records at the apex, expected 1"));
        }
        if (keys.isEmpty()) {
            log.add(GateFailure.of(
                    origin,
                    Type.DNSKEY,
                    Reason.MISSING_DNSKEY,
                    dnskeys + " DNSKEY records at the apex, none a zone key (flags 256/257, protocol 3)"));
        }
    }

    /**
     * Checks every RRset and RRSIG at one owner: {@code records[from..to)}, all of that owner,
     * sorted by type.
     *
     * @param kind what the owner is to DNSSEC
     */
    void owner(Name name, Kind kind, Record[] records, int from, int to, Tally t) {
        List<RRSIGRecord> sigs = new ArrayList<>();
        for (int i = from; i < to; i++) {
            if (records[i].getType() == Type.RRSIG) {
                sigs.add((RRSIGRecord) records[i]);
            }
        }
        boolean[] used = new boolean[sigs.size()];
        List<RRSIGRecord> covering = new ArrayList<>();
        int i = from;
        while (i < to) {
            int type = records[i].getType();
            int j = i + 1;
            while (j < to && records[j].getType() == type) {
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
                rrset(name, kind, type, records, i, j, covering, t);
            }
            i = j;
        }
        for (int s = 0; s < sigs.size(); s++) {
            if (!used[s]) {
                RRSIGRecord sig = sigs.get(s);
                t.log.add(failure(
                        name,
                        sig,
                        List.of(),
                        kind == Kind.OCCLUDED ? Reason.SIGNED_NON_AUTHORITATIVE : Reason.ORPHAN_SIGNATURE,
                        "RRSIG covers " + Type.string(sig.getTypeCovered()) + ", which is absent at this owner"));
            }
        }
    }

    /** RFC 4035 §2.2: delegation NS, glue and occluded data are not signed; DS and NSEC at a cut are. */
    static boolean mustBeSigned(Kind kind, int type) {
        return switch (kind) {
            case OCCLUDED, EMPTY_NON_TERMINAL, ABSENT -> false;
            case DELEGATION -> type == Type.DS || type == Type.NSEC;
            default -> true;
        };
    }

    private void rrset(
            Name owner, Kind kind, int type, Record[] records, int from, int to, List<RRSIGRecord> sigs, Tally t) {
        if (!mustBeSigned(kind, type)) {
            for (RRSIGRecord sig : sigs) {
                t.log.add(GateFailure.of(
                        owner,
                        type,
                        sig.getFootprint(),
                        null,
                        Reason.SIGNED_NON_AUTHORITATIVE,
                        (kind == Kind.OCCLUDED ? "occluded or glue " : "delegation ") + Type.string(type)
                                + " must not be signed (RFC 4035 §2.2)"));
            }
            return;
        }
        t.rrsets++;
        if (type == Type.DS && kind != Kind.DELEGATION) {
            t.log.add(GateFailure.of(
                    owner,
                    type,
                    Reason.MISPLACED_DS,
                    "DS at " + (kind == Kind.APEX ? "the apex" : "a name without NS") + ", not at a delegation"));
        }
        long ttl = records[from].getTTL();
        long minTtl = ttl;
        long maxTtl = ttl;
        byte[][] rdata = new byte[to - from][];
        for (int i = from; i < to; i++) {
            rdata[i - from] = Canonical.rdata(records[i]);
            minTtl = Math.min(minTtl, records[i].getTTL());
            maxTtl = Math.max(maxTtl, records[i].getTTL());
        }
        if (minTtl != maxTtl) {
            t.log.add(GateFailure.of(
                    owner,
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
            // a pre- or post-active key's RRSIG (algorithm rollover) is verified but does not stand in for one by
            // a key of the DNSKEY RRset; an RRSIG naming no key at all fails as NO_MATCHING_DNSKEY alone
            boolean unpublishedOnly =
                    !candidates.isEmpty() && candidates.stream().noneMatch(ZoneKey::published);
            if (a >= 0 && !unpublishedOnly) {
                present |= 1 << a;
                for (ZoneKey k : candidates) {
                    if (k.sep() && k.published()) {
                        sepPresent |= 1 << a;
                    }
                }
            }
            signature(owner, type, sig, candidates, ttl, rdata, n, t);
        }
        for (int a = 0; a < algorithms.length; a++) {
            if ((present & (1 << a)) == 0) {
                t.log.add(GateFailure.of(
                        owner,
                        type,
                        Reason.NOT_SIGNED,
                        "no RRSIG of algorithm " + algorithms[a] + " by a key of the DNSKEY RRset, which has that"
                                + " algorithm (RFC 4035 §2.2)"));
            } else if (type == Type.DNSKEY && kind == Kind.APEX && (sepPresent & (1 << a)) == 0) {
                t.log.add(GateFailure.of(
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
    private void signature(
            Name owner, int type, RRSIGRecord sig, List<ZoneKey> candidates, long ttl, byte[][] rdata, int n, Tally t) {
        Instant expire = sig.getExpire();
        t.earliestExpiration = Math.min(t.earliestExpiration, expire.getEpochSecond());
        if (!sig.getSigner().equals(origin)) {
            t.log.add(failure(owner, sig, candidates, Reason.WRONG_SIGNER, "signer " + sig.getSigner()));
        }
        int labels = Canonical.expectedLabels(owner);
        if (sig.getLabels() != labels) {
            t.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.WRONG_LABELS,
                    "labels " + sig.getLabels() + ", expected " + labels
                            + (owner.isWild() ? " (wildcard owner)" : "")));
        }
        if (sig.getOrigTTL() != ttl) {
            t.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.ORIGINAL_TTL_MISMATCH,
                    "original TTL " + sig.getOrigTTL() + ", RRset TTL " + ttl));
        }
        if (sig.getTTL() != ttl) {
            t.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.RRSIG_TTL_MISMATCH,
                    "RRSIG TTL " + sig.getTTL() + ", RRset TTL " + ttl));
        }
        if (sig.getTimeSigned().isAfter(now)) {
            t.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.SIGNATURE_NOT_YET_VALID,
                    "inception " + sig.getTimeSigned() + " is after now " + now));
        }
        if (expire.isBefore(now)) {
            t.expired++;
            t.log.add(failure(owner, sig, candidates, Reason.SIGNATURE_EXPIRED, "expired " + expire + ", now " + now));
        } else if (expire.isBefore(horizon)) {
            t.expiringWithinMargin++;
            t.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.SIGNATURE_EXPIRES_WITHIN_MARGIN,
                    "expires " + expire + ", before now + " + margin + " = " + horizon));
        }
        if (candidates.isEmpty()) {
            t.log.add(failure(
                    owner,
                    sig,
                    candidates,
                    Reason.NO_MATCHING_DNSKEY,
                    "no published zone key (nor key signing without its DNSKEY) with algorithm " + sig.getAlgorithm()
                            + " and tag " + sig.getFootprint()));
            return;
        }
        GateCrypto.Algorithm alg = GateCrypto.Algorithm.of(sig.getAlgorithm());
        byte[] signedOwner = Canonical.signedOwner(owner, sig.getLabels());
        if (alg == null || signedOwner == null) {
            return; // reported as UNSUPPORTED_ALGORITHM on the key, or as WRONG_LABELS above
        }
        WireBuffer b = t.buffer;
        signingInput(
                b,
                sig,
                expire,
                sig.getSigner().equals(origin) ? originWire : Canonical.name(sig.getSigner()),
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
            t.signatures++;
            if (t.verifier.verify(alg, k.publicKey(), b.array(), b.length(), sig.getSignature())) {
                return;
            }
        }
        if (anyKey) {
            t.log.add(failure(
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
     * with the original TTL (RFC 4034 §6.2, §6.3).
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

    private static GateFailure failure(
            Name owner, RRSIGRecord sig, List<ZoneKey> candidates, Reason reason, String detail) {
        Fingerprint fp = candidates.size() == 1 ? candidates.get(0).fingerprint() : null;
        return GateFailure.of(owner, sig.getTypeCovered(), sig.getFootprint(), fp, reason, detail);
    }
}
