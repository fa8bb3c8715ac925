package org.tandem.signer.election;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.ZoneName;

/**
 * The DNSKEY RRsets the cluster committed for one zone recently, from the publish ledger's history
 * ({@code dnskey_fingerprints}, {@code dnskey_ttl_seconds}): the answer to "may this key sign now,
 * or may a resolver still hold a DNSKEY RRset without it?" (APNIC 2012: a standby signed with a key
 * that resolvers did not know). Read by {@link PublishLedger#dnskeyHistory}; pure.
 *
 * <p>The rule (published-long-enough), per key: it passes when it is in the last committed DNSKEY
 * RRset and has been in every committed version since at least the DNSKEY TTL before now, or since
 * the zone's first publication (then no older RRset exists that a resolver could hold); it passes
 * too when the zone was never published. It fails when the key is not in the last RRset, when it
 * joined less than the TTL ago, and when the ledger does not say (a record without fingerprints or
 * TTL, written by an older node: unknown). The TTL is the largest DNSKEY TTL among the records read,
 * so lowering the TTL does not shorten the wait for an RRset cached under the old one. This is the
 * coordinator preflight's {@code published-long-enough} check, computed by the node itself.
 *
 * @param zone the zone
 * @param window the records read, oldest first: the newest record committed at or before now minus
 *     the TTL (when there is one), and every record after it
 * @param fromFirst whether {@code window} starts with the zone's first publication
 */
public record PublishedDnskeys(ZoneName zone, List<PublishRecord> window, boolean fromFirst) {
    /** The name of the check in logs, status and messages. */
    public static final String CHECK = "published-long-enough";

    public PublishedDnskeys {
        Objects.requireNonNull(zone, "zone");
        window = List.copyOf(window);
        if (window.isEmpty() && !fromFirst) {
            throw new IllegalArgumentException("an empty history starts with the first publication");
        }
    }

    /**
     * The verdict for one key.
     *
     * @param passed true when the key may sign now
     * @param detail one sentence naming what was found (serials, times, TTL)
     */
    public record Verdict(boolean passed, String detail) {
        public Verdict {
            Objects.requireNonNull(detail, "detail");
        }
    }

    /** The zone was never published: there is no DNSKEY RRset a resolver could hold. */
    public boolean neverPublished() {
        return window.isEmpty();
    }

    /** The last committed publication, if any. */
    public Optional<PublishRecord> last() {
        return window.isEmpty() ? Optional.empty() : Optional.of(window.get(window.size() - 1));
    }

    /** The DNSKEY TTL the rule uses: the largest recorded in the window; zero when unknown. */
    public Duration ttl() {
        return Duration.ofSeconds(
                window.stream().mapToLong(PublishRecord::dnskeyTtlSeconds).max().orElse(0));
    }

    /** Whether the key may sign at {@code now} (see the class comment). */
    public Verdict check(Fingerprint key, Instant now) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(now, "now");
        if (window.isEmpty()) {
            return new Verdict(true, "the zone was never published: no resolver holds an older DNSKEY RRset");
        }
        PublishRecord last = window.get(window.size() - 1);
        if (last.dnskeyFingerprints().isEmpty() || last.dnskeyTtlSeconds() <= 0) {
            return new Verdict(
                    false,
                    "unknown: the last ledger record (serial " + last.serial() + " by " + last.node()
                            + ") does not record the published DNSKEY RRset and its TTL");
        }
        String hex = key.hex();
        if (!last.dnskeyFingerprints().contains(hex)) {
            return new Verdict(
                    false,
                    "not in the published DNSKEY RRset (serial " + last.serial() + " by " + last.node()
                            + "): resolvers do not know it yet");
        }
        int first = window.size() - 1;
        while (first > 0 && window.get(first - 1).dnskeyFingerprints().contains(hex)) {
            first--;
        }
        PublishRecord since = window.get(first);
        Duration ttl = ttl();
        if (first == 0 && fromFirst) {
            return new Verdict(
                    true,
                    "in every committed DNSKEY RRset since the zone's first publication (serial " + since.serial()
                            + " at " + since.committedAt() + ")");
        }
        Duration held = Duration.between(since.committedAt(), now);
        if (held.compareTo(ttl) >= 0) {
            return new Verdict(
                    true,
                    "in every committed DNSKEY RRset since " + (first == 0 ? "at least " : "")
                            + since.committedAt() + " (serial " + since.serial() + "), " + held.toSeconds()
                            + " s, at least the DNSKEY TTL " + ttl.toSeconds() + " s");
        }
        return new Verdict(
                false,
                "published since " + since.committedAt() + " (serial " + since.serial() + "), "
                        + Math.max(0, held.toSeconds()) + " s, less than the DNSKEY TTL " + ttl.toSeconds()
                        + " s: resolvers may still hold a DNSKEY RRset without it until "
                        + since.committedAt().plus(ttl));
    }
}
