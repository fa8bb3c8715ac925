package org.tandem.coordinator.preflight;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.tandem.coordinator.view.ClusterView;
import org.tandem.coordinator.view.Fixes;
import org.tandem.coordinator.view.FoundKey;
import org.tandem.coordinator.view.HsmKeys;
import org.tandem.coordinator.view.KeyFacts;
import org.tandem.coordinator.view.LedgerEntry;
import org.tandem.coordinator.view.ManifestKey;
import org.tandem.coordinator.view.NodeKeys;
import org.tandem.proto.coordinator.v1.PreflightCheck;
import org.tandem.proto.coordinator.v1.Refusal;
import org.tandem.proto.keysync.v1.KeyRole;
import org.tandem.proto.keysync.v1.KeyState;

/**
 * The preflight checks of a cut-over to a standby, per zone, over gathered {@link ZoneEvidence}.
 * Pure: no I/O, the time is a parameter. Every check adds a {@link PreflightCheck}; every problem a
 * {@link Refusal} naming zone, check, role, key tag, fingerprint, node, HSM, the problem and the fix.
 *
 * <p>The checks (names as in the contract):
 *
 * <ul>
 *   <li>{@code keys-identical}: every HSM of the standby holds every live manifest key (by
 *       fingerprint, computed from the public key) and nothing else; a different key under the same
 *       role, algorithm and key tag, or under the key's CKA_ID, is reported as such (DENIC 2026). A
 *       GENERATED key the standby lacks is no refusal: it is neither published nor signed with until
 *       every node proves it; the check's detail names it as pending replication (unless a node
 *       published it all the same: then it is refused like any published key).
 *   <li>{@code possession}: every such key signed the coordinator's nonce and the signature verifies
 *       with the manifest's DNSKEY.
 *   <li>{@code published-long-enough}: every key the standby would sign with (not a GENERATED key,
 *       unless a node published it all the same) is in the last
 *       committed DNSKEY RRset and has been in every committed version for at least the DNSKEY TTL
 *       before now (or since the zone's first publication); records without DNSKEY fingerprints or
 *       TTL are "unknown" and refuse (APNIC 2012).
 *   <li>{@code retired-keys-published}: every key of the last committed DNSKEY RRset is still held
 *       by every HSM of the standby, so it would stay published (RFC 7583 §3.3). Not modelled: when a
 *       retired key may leave (its last signatures' TTL); the manifest's REMOVED state decides that.
 *   <li>{@code canary}: the standby's self-test canary passed for the zone.
 *   <li>{@code serial-epoch-current}: the standby's epoch is ZooKeeper's (a standby that never led
 *       reports 0, unknown: then the serial alone decides) and its view of the zone's committed serial
 *       is the ledger's.
 *   <li>{@code expiry-safe}: the published zone's earliest RRSIG expiry is at least the configured
 *       margin after now.
 * </ul>
 */
public final class Preflight {
    private final Duration minExpiryAfterTakeover;

    public Preflight(Duration minExpiryAfterTakeover) {
        this.minExpiryAfterTakeover = Objects.requireNonNull(minExpiryAfterTakeover, "minExpiryAfterTakeover");
    }

    /** The checks and refusals of one zone. */
    public record ZoneVerdict(List<PreflightCheck> checks, List<Refusal> refusals) {
        public ZoneVerdict {
            checks = List.copyOf(checks);
            refusals = List.copyOf(refusals);
        }
    }

    /**
     * Judges one zone.
     *
     * @param standby the target node
     * @param standbyEpoch the epoch the standby reports
     * @param zkEpoch ZooKeeper's epoch
     */
    public ZoneVerdict judge(ZoneEvidence e, String standby, long standbyEpoch, long zkEpoch, Instant now) {
        Objects.requireNonNull(e, "e");
        Objects.requireNonNull(standby, "standby");
        Objects.requireNonNull(now, "now");
        Run run = new Run(e, standby);
        run.keys();
        run.published(now);
        run.retired();
        run.canary();
        run.current(standbyEpoch, zkEpoch);
        run.expiry(now, minExpiryAfterTakeover);
        return new ZoneVerdict(run.checks, run.refusals);
    }

    private static final class Run {
        final ZoneEvidence e;
        final String zone;
        final String standby;
        final List<PreflightCheck> checks = new ArrayList<>();
        final List<Refusal> refusals = new ArrayList<>();

        Run(ZoneEvidence e, String standby) {
            this.e = e;
            this.zone = e.zone();
            this.standby = standby;
        }

        void keys() {
            List<ManifestKey> live =
                    e.manifest().stream().filter(ManifestKey::live).toList();
            NodeKeys s = e.standbyKeys();
            if (live.isEmpty()) {
                refuse(
                        "keys-identical",
                        null,
                        "",
                        "",
                        "zone " + zone + " has no live key in its manifest",
                        "create the zone's keys: signerctl keys generate --config signerctl.yaml --zone " + zone
                                + " --role ksk --on NODE, and a ZSK, then signerctl keys sync --config signerctl.yaml"
                                + " --zone " + zone);
                check("keys-identical", false, "no live manifest key");
                check("possession", false, "no live manifest key");
                return;
            }
            if (s.unreachable().isPresent()) {
                String why = s.unreachable().get();
                refuse(
                        "keys-identical",
                        null,
                        "",
                        "",
                        "zone " + zone + ": the KeySync service of " + standby + " could not be asked: " + why,
                        "make " + standby + " reachable from the coordinator and retry");
                check("keys-identical", false, "Inventory of " + standby + " failed: " + why);
                check("possession", false, "Inventory of " + standby + " failed: " + why);
                return;
            }
            int identicalBefore = refusals.size();
            List<String> pending = new ArrayList<>();
            List<Refusal> possession = new ArrayList<>();
            int proven = 0;
            for (HsmKeys hsm : s.hsms()) {
                if (!hsm.error().isEmpty()) {
                    refusals.add(refusal(
                            "keys-identical",
                            null,
                            "",
                            hsm.hsm(),
                            "zone " + zone + ": HSM " + hsm.hsm() + " of " + standby + " could not be read: "
                                    + hsm.error(),
                            "check HSM " + hsm.hsm() + " on " + standby));
                    continue;
                }
                boolean[] matched = new boolean[hsm.keys().size()];
                for (ManifestKey m : live) {
                    int exact = -1;
                    int claimant = -1;
                    for (int i = 0; i < hsm.keys().size(); i++) {
                        FoundKey k = hsm.keys().get(i);
                        if (k.fingerprint().filter(m.fingerprint()::equals).isPresent()) {
                            if (exact < 0) {
                                exact = i;
                            }
                        } else if (claimant < 0 && ClusterView.claims(k, m)) {
                            claimant = i;
                        }
                    }
                    if (exact >= 0) {
                        matched[exact] = true;
                        FoundKey k = hsm.keys().get(exact);
                        if (k.proven()) {
                            proven++;
                        } else {
                            possession.add(refusal(
                                    "possession",
                                    m,
                                    m.fingerprint(),
                                    hsm.hsm(),
                                    "zone " + zone + ": "
                                            + m.role() + " " + m.keyTag() + " fp " + m.fingerprint() + " on HSM "
                                            + hsm.hsm()
                                            + " of " + standby + " has no valid proof of possession: "
                                            + k.proofProblem().orElse("not proven")
                                            + " (the private key does not match the public key)",
                                    Fixes.of("private-key-mismatch", zone, standby, hsm.hsm(), m.fingerprint(), true)));
                        }
                    } else if (claimant >= 0) {
                        matched[claimant] = true;
                        FoundKey k = hsm.keys().get(claimant);
                        refusals.add(refusal(
                                "keys-identical",
                                m,
                                k.fingerprint().orElse(""),
                                hsm.hsm(),
                                "zone " + zone
                                        + ": " + m.role() + " key tag " + m.keyTag() + " on HSM " + hsm.hsm() + " of "
                                        + standby
                                        + " is a different key pair (fp "
                                        + k.fingerprint().orElse("unreadable") + ", label '"
                                        + k.label() + "') than the manifest's fp " + m.fingerprint()
                                        + ": same key tag, other key",
                                Fixes.of(
                                        "different-public-key",
                                        zone,
                                        standby,
                                        hsm.hsm(),
                                        k.fingerprint().orElse(""),
                                        true)));
                    } else if (m.state() == KeyState.GENERATED && !inLastRrset(m)) {
                        // not published, not signed with: the standby may lack it until the sync has copied it
                        pending.add(m.role() + " " + m.keyTag() + " fp " + KeyFacts.shortHex(m.fingerprint()) + " on "
                                + hsm.hsm());
                    } else {
                        refusals.add(refusal(
                                "keys-identical",
                                m,
                                m.fingerprint(),
                                hsm.hsm(),
                                "zone " + zone + ": "
                                        + m.role() + " " + m.keyTag() + " fp " + m.fingerprint() + " (" + state(m)
                                        + ") is missing on HSM " + hsm.hsm() + " of " + standby,
                                copyFix(m)));
                    }
                }
                for (int i = 0; i < matched.length; i++) {
                    if (matched[i]) {
                        continue;
                    }
                    FoundKey k = hsm.keys().get(i);
                    if (k.fingerprint().isPresent()
                            && e.manifest().stream()
                                    .anyMatch(m -> m.gone()
                                            && m.fingerprint()
                                                    .equals(k.fingerprint().get()))) {
                        // REMOVED or DELETED in the manifest: out of the zone, neither required nor a stray
                        // key (a DELETED one is destroyed by the standby itself when it sees the state)
                        continue;
                    }
                    refusals.add(Refusal.newBuilder()
                            .setZone(zone)
                            .setCheck("keys-identical")
                            .setRole(k.role())
                            .setKeyTag(k.keyTag())
                            .setFingerprint(k.fingerprint().orElse(""))
                            .setNode(standby)
                            .setHsm(hsm.hsm())
                            .setProblem("zone " + zone + ": " + k.role() + " " + k.keyTag() + " fp "
                                    + k.fingerprint().orElse("unreadable") + " (label '" + k.label() + "') on HSM "
                                    + hsm.hsm() + " of " + standby
                                    + " is not a live key of the manifest: unexpected extra key")
                            .setFix(Fixes.of(
                                    "unexpected-extra-key",
                                    zone,
                                    standby,
                                    hsm.hsm(),
                                    k.fingerprint().orElse(""),
                                    false))
                            .build());
                }
            }
            // the active's key set: keys the leader's HSMs hold (proven) that the standby does not
            Set<String> standbyFps = standbyFingerprints();
            List<String> leaderOnly = new ArrayList<>();
            e.leaderKeys().filter(l -> l.unreachable().isEmpty()).ifPresent(l -> {
                for (HsmKeys h : l.hsms()) {
                    for (FoundKey k : h.keys()) {
                        k.fingerprint()
                                .filter(fp -> !standbyFps.contains(fp))
                                .ifPresent(fp -> leaderOnly.add(k.role() + " " + k.keyTag() + " fp "
                                        + KeyFacts.shortHex(fp) + " on " + h.hsm()));
                    }
                }
            });
            boolean identical = refusals.size() == identicalBefore;
            String pendingNote = pending.isEmpty()
                    ? ""
                    : "; pending replication (generated, not yet published, not a" + " refusal): " + pending;
            check(
                    "keys-identical",
                    identical,
                    (identical
                                    ? live.size() + " live manifest key(s) on each of "
                                            + s.hsms().size() + " HSM(s) of " + standby
                                            + (pending.isEmpty() ? "" : " but " + pending.size() + " generated one(s)")
                                            + ", nothing else"
                                            + (leaderOnly.isEmpty() ? "" : "; the leader also holds " + leaderOnly)
                                    : (refusals.size() - identicalBefore) + " key difference(s) on " + standby
                                            + (leaderOnly.isEmpty()
                                                    ? ""
                                                    : "; the leader holds " + leaderOnly + " that " + standby
                                                            + " lacks"))
                            + pendingNote);
            refusals.addAll(possession);
            check(
                    "possession",
                    possession.isEmpty() && identical,
                    (possession.isEmpty()
                                    ? proven
                                            + " proof(s) over the coordinator's nonce verified with the manifest's "
                                            + "DNSKEYs"
                                            + (identical ? "" : " (keys missing or different: see keys-identical)")
                                    : possession.size() + " key(s) on " + standby + " failed the proof of possession")
                            + pendingNote);
        }

        /** Whether the last committed DNSKEY RRset holds the key (a GENERATED key should not be there). */
        private boolean inLastRrset(ManifestKey m) {
            List<LedgerEntry> h = e.history();
            return !h.isEmpty() && h.get(h.size() - 1).dnskeyFingerprints().contains(m.fingerprint());
        }

        /** Where to copy a key from: the leader's HSM that holds it proven, else where it was generated. */
        private String source(ManifestKey m) {
            if (e.leaderKeys().isPresent()) {
                for (HsmKeys h : e.leaderKeys().get().hsms()) {
                    for (FoundKey k : h.keys()) {
                        if (k.fingerprint().filter(m.fingerprint()::equals).isPresent() && k.proven()) {
                            return e.leaderKeys().get().node() + " (HSM " + h.hsm() + ")";
                        }
                    }
                }
            }
            return m.generatedOn().isEmpty() ? "the node that holds it" : "HSM " + m.generatedOn();
        }

        /** The fix of a key the standby lacks: the cluster's key sync, through the coordinator. */
        private String copyFix(ManifestKey m) {
            return "copy it from " + source(m) + ": signerctl keys sync --config signerctl.yaml --zone " + zone;
        }

        private Set<String> standbyFingerprints() {
            Set<String> out = new LinkedHashSet<>();
            for (HsmKeys h : e.standbyKeys().hsms()) {
                for (FoundKey k : h.keys()) {
                    k.fingerprint().ifPresent(out::add);
                }
            }
            return out;
        }

        /** Fingerprints present on every HSM of the standby (their proof is the possession check's). */
        private Set<String> standbyOnEveryHsm() {
            Set<String> out = null;
            if (e.standbyKeys().hsms().isEmpty()) {
                return Set.of();
            }
            for (HsmKeys h : e.standbyKeys().hsms()) {
                Set<String> here = new LinkedHashSet<>();
                for (FoundKey k : h.keys()) {
                    k.fingerprint().ifPresent(here::add);
                }
                if (out == null) {
                    out = here;
                } else {
                    out.retainAll(here);
                }
            }
            return out;
        }

        void published(Instant now) {
            List<LedgerEntry> h = e.history();
            // a GENERATED key is not signed with; one that a node published all the same is judged like the others.
            // A PRE_ACTIVE or POST_ACTIVE key signs without its DNSKEY (algorithm rollover, RFC 6781 §4.1.4): the
            // validators that do not know its DNSKEY ignore its signatures, so it needs no publication
            List<ManifestKey> signing = e.manifest().stream()
                    .filter(m ->
                            (m.signing() && m.inDnskeySet()) || (m.state() == KeyState.GENERATED && inLastRrset(m)))
                    .toList();
            int before = refusals.size();
            if (h.isEmpty()) {
                for (ManifestKey m : signing) {
                    refuse(
                            "published-long-enough",
                            m,
                            m.fingerprint(),
                            "",
                            "zone " + zone + ": " + m.role() + " " + m.keyTag() + " fp " + m.fingerprint()
                                    + " is in no committed DNSKEY RRset: the zone was never published",
                            "let the leader publish the zone first");
                }
                check("published-long-enough", refusals.size() == before, "the zone was never published");
                return;
            }
            LedgerEntry last = h.get(h.size() - 1);
            if (!last.knowsDnskeys() || last.dnskeyTtlSeconds() <= 0) {
                for (ManifestKey m : signing) {
                    refuse(
                            "published-long-enough",
                            m,
                            m.fingerprint(),
                            "",
                            "zone " + zone + ": cannot tell since when "
                                    + m.role() + " " + m.keyTag() + " fp " + m.fingerprint()
                                    + " is published: the last ledger record"
                                    + " (serial " + last.serial() + " by " + last.node() + ") has "
                                    + (last.knowsDnskeys() ? "no DNSKEY TTL" : "no DNSKEY fingerprints") + " (unknown)",
                            "let the leader publish again with a node version that records the DNSKEY "
                                    + "RRset, then retry");
                }
                check(
                        "published-long-enough",
                        signing.isEmpty(),
                        "the ledger does not record the published DNSKEY RRset" + " (unknown)");
                return;
            }
            Duration ttl = Duration.ofSeconds(last.dnskeyTtlSeconds());
            StringBuilder detail = new StringBuilder();
            for (ManifestKey m : signing) {
                Optional<Instant> since = LedgerEntry.publishedSince(h, m.fingerprint());
                if (since.isEmpty()) {
                    refuse(
                            "published-long-enough",
                            m,
                            m.fingerprint(),
                            "",
                            "zone " + zone + ": " + m.role() + " "
                                    + m.keyTag() + " fp " + m.fingerprint() + " (" + state(m)
                                    + ") is not in the published DNSKEY"
                                    + " RRset (serial " + last.serial() + "): " + standby
                                    + " would sign with a key resolvers do not know",
                            "wait until the leader publishes the key and " + ttl.toSeconds()
                                    + " s (the DNSKEY TTL) pass," + " then retry");
                    continue;
                }
                Instant safe = since.get().equals(Instant.MIN)
                        ? Instant.MIN
                        : since.get().plus(ttl);
                if (safe.isAfter(now)) {
                    long held = Duration.between(since.get(), now).toSeconds();
                    refuse(
                            "published-long-enough",
                            m,
                            m.fingerprint(),
                            "",
                            "zone " + zone + ": " + m.role() + " "
                                    + m.keyTag() + " fp " + m.fingerprint() + " is published since " + since.get()
                                    + ", " + held
                                    + " s, less than the DNSKEY TTL " + ttl.toSeconds()
                                    + " s: resolvers may still hold a DNSKEY"
                                    + " RRset without it",
                            "wait until " + safe + " ("
                                    + Duration.between(now, safe).toSeconds() + " s) and retry");
                } else {
                    detail.append(detail.length() == 0 ? "" : ", ")
                            .append(m.role())
                            .append(' ')
                            .append(m.keyTag())
                            .append(
                                    since.get().equals(Instant.MIN)
                                            ? " since the first publication"
                                            : " since " + since.get());
                }
            }
            check(
                    "published-long-enough",
                    refusals.size() == before,
                    refusals.size() == before
                            ? "every signing key in every committed DNSKEY RRset for at least the TTL "
                                    + ttl.toSeconds() + " s: " + detail
                            : (refusals.size() - before) + " signing key(s) not published for the DNSKEY TTL "
                                    + ttl.toSeconds() + " s");
        }

        void retired() {
            List<LedgerEntry> h = e.history();
            if (h.isEmpty()) {
                check("retired-keys-published", true, "the zone was never published: no key signed cached data");
                return;
            }
            LedgerEntry last = h.get(h.size() - 1);
            if (!last.knowsDnskeys()) {
                refuse(
                        "retired-keys-published",
                        null,
                        "",
                        "",
                        "zone " + zone + ": the last ledger record (serial " + last.serial()
                                + ") has no DNSKEY fingerprints (unknown): cannot tell which keys must stay published",
                        "let the leader publish again with a node version that records the DNSKEY RRset, then retry");
                check("retired-keys-published", false, "the published DNSKEY RRset is unknown");
                return;
            }
            Set<String> held = standbyOnEveryHsm();
            int before = refusals.size();
            for (String fp : last.dnskeyFingerprints()) {
                if (held.contains(fp)) {
                    continue;
                }
                Optional<ManifestKey> m = e.manifest().stream()
                        .filter(k -> k.fingerprint().equals(fp))
                        .findFirst();
                refuse(
                        "retired-keys-published",
                        m.orElse(null),
                        fp,
                        "",
                        "zone " + zone + ": "
                                + m.map(k -> k.role() + " " + k.keyTag() + " (" + state(k) + ")")
                                        .orElse("a key not in the manifest")
                                + " fp " + fp + " is in the published DNSKEY RRset (serial " + last.serial() + ") but "
                                + standby
                                + " does not hold it on every HSM: it would drop a key whose signatures resolvers may "
                                + "still cache",
                        m.map(this::copyFix)
                                .orElse("restore the key in the manifest and on every HSM, or wait until the"
                                        + " leader stops publishing it and the TTLs pass"));
            }
            check(
                    "retired-keys-published",
                    refusals.size() == before,
                    refusals.size() == before
                            ? "the " + last.dnskeyFingerprints().size()
                                    + " key(s) of the published DNSKEY RRset (serial " + last.serial()
                                    + ") stay published by " + standby
                            : (refusals.size() - before) + " published key(s) that " + standby + " would drop");
        }

        void canary() {
            if (e.canaryPassed().isEmpty()) {
                refuse(
                        "canary",
                        null,
                        "",
                        "",
                        "zone " + zone + ": the self-test of " + standby + " could not run: " + e.canaryDetail(),
                        "check " + standby + " (signerctl status) and retry");
                check("canary", false, "self-test failed to run: " + e.canaryDetail());
            } else if (!e.canaryPassed().get()) {
                refuse(
                        "canary",
                        null,
                        "",
                        "",
                        "zone " + zone + ": the capability canary of " + standby + " failed: " + e.canaryDetail(),
                        "fix what the canary names on " + standby
                                + " (record type, HSM) before cutting over; see its log");
                check("canary", false, e.canaryDetail());
            } else {
                check("canary", true, e.canaryDetail());
            }
        }

        void current(long standbyEpoch, long zkEpoch) {
            int before = refusals.size();
            String detail = "epoch " + standbyEpoch + " (ZooKeeper " + zkEpoch + ")";
            if (standbyEpoch == 0 && zkEpoch != 0) {
                // a standby that never led reports no epoch (0: unknown); its committed serial, which it
                // reads from the ledger, is then the evidence that its view is current
                detail = "epoch not reported by " + standby + " (0, never led; ZooKeeper " + zkEpoch
                        + "): judged by the committed serial alone";
            } else if (standbyEpoch != zkEpoch) {
                refuse(
                        "serial-epoch-current",
                        null,
                        "",
                        "",
                        "zone " + zone + ": " + standby + " sees epoch " + standbyEpoch + ", ZooKeeper's is " + zkEpoch,
                        "wait until " + standby + " has caught up with ZooKeeper (or"
                                + " check its ZooKeeper connection) and retry");
            }
            Optional<LedgerEntry> last = e.history().isEmpty()
                    ? Optional.empty()
                    : Optional.of(e.history().get(e.history().size() - 1));
            if (last.isPresent()) {
                detail += ", serial "
                        + (e.standbySerial().isPresent() ? e.standbySerial().getAsLong() : "unknown") + " (ledger "
                        + last.get().serial() + ")";
                if (e.standbySerial().isEmpty()
                        || e.standbySerial().getAsLong() != last.get().serial()) {
                    refuse(
                            "serial-epoch-current",
                            null,
                            "",
                            "",
                            "zone " + zone + ": " + standby + " sees serial "
                                    + (e.standbySerial().isPresent()
                                            ? e.standbySerial().getAsLong()
                                            : "none")
                                    + ", the ledger committed " + last.get().serial() + " (by "
                                    + last.get().node() + ")",
                            "wait until " + standby + " has read the ledger again and retry");
                }
            }
            check("serial-epoch-current", refusals.size() == before, detail);
        }

        void expiry(Instant now, Duration min) {
            if (e.earliestExpiry().isEmpty()) {
                refuse(
                        "expiry-safe",
                        null,
                        "",
                        "",
                        "zone " + zone + ": the earliest RRSIG expiry of the published zone"
                                + " is unknown (the leader did not report it)",
                        "let the leader publish the zone and retry");
                check("expiry-safe", false, "earliest RRSIG expiry unknown");
                return;
            }
            Instant exp = e.earliestExpiry().get();
            Duration left = Duration.between(now, exp);
            if (left.compareTo(min) < 0) {
                refuse(
                        "expiry-safe",
                        null,
                        "",
                        "",
                        "zone " + zone + ": the published zone's earliest RRSIG expires at "
                                + exp + ", in " + left.toSeconds() + " s, less than min-expiry-after-takeover "
                                + min.toSeconds()
                                + " s",
                        "let the leader re-sign the zone first (signerctl reload --zone " + zone + ") and retry");
                check("expiry-safe", false, "earliest RRSIG expiry " + exp + ", " + left.toSeconds() + " s left");
            } else {
                check(
                        "expiry-safe",
                        true,
                        "earliest RRSIG expiry " + exp + ", " + left.toSeconds() + " s left (at least "
                                + min.toSeconds() + " s)");
            }
        }

        private static String state(ManifestKey m) {
            return m.state().name().toLowerCase(Locale.ROOT);
        }

        private void check(String name, boolean passed, String detail) {
            checks.add(PreflightCheck.newBuilder()
                    .setName(name)
                    .setZone(zone)
                    .setPassed(passed)
                    .setDetail(detail)
                    .build());
        }

        private void refuse(String check, ManifestKey m, String fp, String hsm, String problem, String fix) {
            refusals.add(refusal(check, m, fp, hsm, problem, fix));
        }

        private Refusal refusal(String check, ManifestKey m, String fp, String hsm, String problem, String fix) {
            String on = hsm.isEmpty()
                    ? String.join(
                            ",",
                            e.standbyKeys().hsms().stream().map(HsmKeys::hsm).toList())
                    : hsm;
            Refusal.Builder b = Refusal.newBuilder()
                    .setZone(zone)
                    .setCheck(check)
                    .setNode(standby)
                    .setHsm(on)
                    .setFingerprint(fp)
                    .setProblem(problem)
                    .setFix(fix);
            if (m != null) {
                b.setRole(m.role()).setKeyTag(m.keyTag());
            } else {
                b.setRole(KeyRole.KEY_ROLE_UNSPECIFIED);
            }
            return b.build();
        }
    }
}
