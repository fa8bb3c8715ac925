package org.tandem.signer.gate;

import java.time.Duration;
import java.time.Instant;
import org.tandem.signer.gate.ZoneIndex.Owner;

/**
 * The full gate's signature pass: applies {@link RrsetRules} to every owner of a range of the
 * {@link ZoneIndex}. One instance per gate run, shared by the worker threads; each {@link #check}
 * call returns its own results, merged by the caller in zone order.
 */
final class SignatureCheck {
    private final ZoneIndex index;
    private final RrsetRules rules;
    private final ThreadLocal<GateCrypto.Verifier> verifier;

    /** The outcome of one range of owners. */
    static final class Result {
        final FailureLog log;
        final long rrsets;
        final long signatures;
        final long earliestExpiration;

        private Result(RrsetRules.Tally t) {
            this.log = t.log;
            this.rrsets = t.rrsets;
            this.signatures = t.signatures;
            this.earliestExpiration = t.earliestExpiration;
        }
    }

    SignatureCheck(ZoneIndex index, ZoneKeys keys, GateCrypto crypto, Instant now, Duration margin) {
        this.index = index;
        this.rules = new RrsetRules(index.origin, keys, now, margin);
        this.verifier = ThreadLocal.withInitial(crypto::verifier);
    }

    /** Checks owners {@code [from, to)} of {@link ZoneIndex#owners}; run by one worker thread. */
    Result check(int from, int to) {
        RrsetRules.Tally t = new RrsetRules.Tally(new FailureLog(), verifier.get());
        for (int oi = from; oi < to; oi++) {
            Owner o = index.owners.get(oi);
            rules.owner(o.name, o.kind, index.records, o.from, o.to, t);
        }
        return new Result(t);
    }
}
