package org.tandem.signer.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ManifestStore;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeyCheck;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.signer.SigningException;
import org.tandem.signer.election.ClockGuard;
import org.tandem.signer.election.ClockVerdict;
import org.tandem.signer.election.Leadership;
import org.tandem.signer.election.LedgerException;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.election.PublishedDnskeys;
import org.tandem.signer.election.TakeoverVerdict;
import org.tandem.signer.gate.GateRefusedException;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.lifecycle.ManifestParent;
import org.tandem.signer.lifecycle.ZoneTimings;
import org.tandem.signer.publish.ServingPermit;
import org.tandem.signer.publish.SignedZoneFile;
import org.tandem.signer.publish.TransferServer;
import org.tandem.signer.publish.ZoneDirectory;
import org.tandem.signer.publish.ZonePublisher;
import org.tandem.signer.sign.CanaryFailedException;
import org.tandem.signer.sign.CanaryReport;
import org.tandem.signer.sign.CapabilityCanary;
import org.tandem.signer.sign.CdsRecords;
import org.tandem.signer.sign.IncrementalResult;
import org.tandem.signer.sign.IncrementalSigner;
import org.tandem.signer.sign.ProvenKeys;
import org.tandem.signer.sign.PublishedKeySet;
import org.tandem.signer.sign.SignedZone;
import org.tandem.signer.sign.SignedZoneState;
import org.tandem.signer.sign.SigningKey;
import org.tandem.signer.sign.ZoneSigner;
import org.tandem.signer.zone.UnsignedZone;
import org.tandem.signer.zone.ZoneLoadException;
import org.tandem.signer.zone.ZoneLoader;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * One zone's way from its unsigned source to the distribution layer, as the leader runs it:
 *
 * <ol>
 *   <li>check the wall clock against ZooKeeper server time ({@link ClockGuard}, INV-D5): the time the
 *       run signs with must be within the threshold; checked again right before the commit, so a
 *       clock jump during a long run publishes nothing (stage {@link Stage#CLOCK});
 *   <li>load the source (a rejected source keeps the last good zone published);
 *   <li>take the zone's keys from this node's HSM, proven now ({@link ProvenKeys});
 *   <li>sign with a serial above every serial the cluster ever committed ({@link PublishLedger}); the
 *       capability canary runs first. When the zone directory's current file is exactly the version
 *       the cluster last committed (same SHA-256) and was signed by the same keys and policy, only the
 *       difference is signed ({@link IncrementalSigner}): a new leader continues from the published
 *       zone and re-uses its still-valid signatures;
 *   <li>{@link ZonePublisher}: the independent validation gate over the whole result (INV-D1), stage,
 *       the commit of serial and content digest in ZooKeeper fenced by this leadership's epoch (INV-L4,
 *       INV-L5), a fresh lease check, promote, serve for transfer. A refusal keeps the last good zone.
 * </ol>
 *
 * <p>Threads: one cycle per zone, used by one thread at a time (the daemon's zone worker).
 */
final class ZoneCycle {
    private static final Logger LOG = LoggerFactory.getLogger(ZoneCycle.class);

    /** What a run did. */
    sealed interface Outcome {
        /**
         * Published: committed, promoted, served.
         *
         * @param reused signatures kept from the previous version (0 for a full sign)
         * @param notes what the run's key and expiry checks found, one line each ({@code
         *     published-long-enough: …}, {@code expiry-safe: …}): for the log and, on the first run of a
         *     term, the takeover lines of the status
         */
        record Published(PublishRecord record, SignedZone zone, GateVerdict verdict, long reused, List<String> notes)
                implements Outcome {
            public Published {
                notes = List.copyOf(notes);
            }
        }

        /**
         * Nothing published; {@code stage} says where it stopped, {@code reason} why; {@code hsmFault}
         * when this node's HSM failed under the run (the keys no longer proven on it, or a PKCS#11 error
         * while signing): the node re-checks its keys at once (F10).
         */
        record Stopped(Stage stage, String reason, boolean hsmFault) implements Outcome {
            Stopped(Stage stage, String reason) {
                this(stage, reason, false);
            }
        }
    }

    /** Where a run stopped. */
    enum Stage {
        NOT_LEADER,
        /** The wall clock disagrees with ZooKeeper's by more than the threshold (INV-D5). */
        CLOCK,
        SOURCE,
        KEYS,
        /**
         * The keys are proven but cannot sign the zone yet: no key is replicated to every node (all
         * GENERATED), or a role has no key that passes published-long-enough.
         */
        NO_SIGNER,
        CANARY,
        SIGN,
        GATE,
        FENCED,
        WRITE
    }

    private final ZoneConfig zone;
    private final Hsm hsm;
    private final ManifestStore store;
    private final KeySetVerifier verifier;
    private final ZoneSigner signer;
    private final ValidationGate gate;
    private final PublishLedger ledger;
    private final ZoneDirectory directory;
    private final ZonePublisher publisher;
    private final Clock clock;
    private final ClockGuard clockGuard;
    /**
     * The version this node last published, in memory, with its digest: the next run continues from
     * it without reading and parsing the published file again (O(zone) per run otherwise).
     */
    private SignedZoneState kept;
    /**
     * What the takeover checks loaded and ran the canary over, for the first run of the term that
     * follows them at once (the takeover's critical path): that run neither loads the source again
     * nor repeats the canary, unless the source or the signing keys changed in between. Set on the
     * election's thread, taken (and cleared) by the worker's next run.
     */
    private final AtomicReference<TakeoverChecked> takeoverChecked = new AtomicReference<>();

    /** The source as the takeover checks loaded it, and the signing keys the canary passed with. */
    private record TakeoverChecked(UnsignedZone unsigned, SourceStamp stamp, Set<String> canaryKeys) {}

    /** A source file's size and modification time: equal stamps, same content for a re-use right after. */
    private record SourceStamp(long size, FileTime modified) {
        static Optional<SourceStamp> of(Path file) {
            try {
                return Optional.of(new SourceStamp(Files.size(file), Files.getLastModifiedTime(file)));
            } catch (IOException e) {
                return Optional.empty(); // the load that follows says what is wrong with the file
            }
        }
    }

    private String keptDigestHex;
    /** The keys that signed {@link #kept} ({@code algorithm/tag}): a change of signing keys signs in full. */
    private Set<String> keptSigners = Set.of();

    ZoneCycle(
            ZoneConfig zone,
            Hsm hsm,
            ManifestStore store,
            KeySetVerifier verifier,
            ZoneSigner signer,
            ValidationGate gate,
            PublishLedger ledger,
            ZoneDirectory directory,
            Optional<TransferServer> transfer,
            ServingPermit permit,
            Clock clock,
            ClockGuard clockGuard) {
        this.zone = Objects.requireNonNull(zone, "zone");
        this.hsm = Objects.requireNonNull(hsm, "hsm");
        this.store = Objects.requireNonNull(store, "store");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.publisher = new ZonePublisher(gate, directory, transfer, permit, clock);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.clockGuard = Objects.requireNonNull(clockGuard, "clockGuard");
    }

    ZoneConfig zone() {
        return zone;
    }

    ZoneDirectory directory() {
        return directory;
    }

    /**
     * The zone's timings for the rollover planner: the policy's DNSKEY TTL, the largest TTL of the source
     * (every RRSIG has its RRset's TTL; NSEC and NSEC3 the SOA minimum, which is in the source too) and
     * a signing delay of zero: a key that starts or stops signing makes the next version a full sign
     * (see {@code compatible}), published at once, so every RRset carries the change in that version.
     *
     * @throws ZoneLoadException when the source cannot be loaded
     */
    ZoneTimings timings() throws ZoneLoadException {
        UnsignedZone unsigned = ZoneLoader.load(zone.source(), zone.name(), zone.limits());
        long max = unsigned.records().stream().mapToLong(Record::getTTL).max().orElse(0);
        max = Math.max(max, unsigned.soa().getMinimum());
        return new ZoneTimings(Duration.ofSeconds(zone.policy().dnskeyTtl()), Duration.ofSeconds(max), Duration.ZERO);
    }

    /**
     * Signs, gates and publishes the zone under {@code leadership}.
     *
     * @param why for the log: what made this run (leadership gained, source changed, refresh due)
     * @param firstOfTerm the first run of this leadership term: the capability canary runs over every
     *     record type of the zone with every signing key first (an incremental run checks only types
     *     new to the zone), and the run's checks are reported as takeover lines
     * @param replication the replication agent's last word on the zone's GENERATED keys (one line per
     *     key, naming the nodes that lack it), for the message when no key can sign yet; may be empty
     * @throws InterruptedException if interrupted (the node is stopping); nothing half-published
     */
    Outcome publish(Leadership leadership, String why, boolean firstOfTerm, List<String> replication)
            throws InterruptedException {
        Objects.requireNonNull(leadership, "leadership");
        // The clock first: a leader whose clock jumped is told so, not merely "not the leader" once
        // the election has noticed the jump too.
        Instant now = clock.instant();
        ClockVerdict atStart = clockGuard.verdictAt(now);
        if (!atStart.ok()) {
            return clockRefused(leadership, "sign", atStart);
        }
        if (!leadership.isValid()) {
            return new Outcome.Stopped(Stage.NOT_LEADER, "not the leader (lease or leadership lost)");
        }
        TakeoverChecked checked = takeoverChecked.getAndSet(null);
        if (checked != null
                && !(firstOfTerm
                        && SourceStamp.of(zone.source())
                                .filter(checked.stamp()::equals)
                                .isPresent())) {
            checked = null; // not this term's first run, or the source changed since the takeover checks
        }
        UnsignedZone unsigned;
        if (checked != null) {
            unsigned = checked.unsigned();
        } else {
            try {
                unsigned = ZoneLoader.load(zone.source(), zone.name(), zone.limits());
            } catch (ZoneLoadException e) {
                return stopped(Stage.SOURCE, e.getMessage());
            }
        }
        PublishedKeySet keySet;
        ZoneKeySet manifest;
        try {
            // one read: the keys and the CDS request of the same manifest version
            manifest = ProvenKeys.manifest(store, zone.name(), hsm);
            keySet = ProvenKeys.published(
                    manifest,
                    verifier,
                    zone.name(),
                    hsm,
                    zone.policy().rollover().managed());
        } catch (KeySyncException | RuntimeException e) {
            return stopped(
                    Stage.KEYS,
                    e.getMessage(),
                    e instanceof ProvenKeys.NotKeySyncedException || causedBy(e, HsmException.class));
        }
        if (zone.policy().rollover().managed()) {
            try {
                unsigned = withCds(unsigned, keySet, manifest);
            } catch (RuntimeException e) {
                return stopped(Stage.KEYS, "CDS/CDNSKEY: " + e.getMessage());
            }
        }
        List<String> notes = new ArrayList<>();
        List<String> exposure = new ArrayList<>();
        Optional<String> noKeys = keySet.keys().isEmpty() ? keySet.uncovered(replication) : Optional.empty();
        if (noKeys.isPresent()) {
            return stopped(
                    Stage.NO_SIGNER,
                    noKeys.get() + "; nothing is signed until the leader has replicated a key"
                            + " to every node and proven it there");
        }
        try {
            keySet = withholdUnknownToResolvers(keySet, now, exposure);
            notes.add(PublishedDnskeys.CHECK + ": passed: " + String.join("; ", exposure));
        } catch (LedgerException e) {
            return stopped(
                    Stage.FENCED, PublishedDnskeys.CHECK + ": the publish history cannot be read: " + e.getMessage());
        }
        Optional<String> uncovered = keySet.uncovered(replication);
        if (uncovered.isPresent()) {
            return stopped(Stage.NO_SIGNER, uncovered.get() + "; the last good zone stays published");
        }
        List<SigningKey> keys = keySet.keys();
        SignedZone signed;
        long reused = 0;
        Optional<SignedZoneState> previousState = Optional.empty();
        try {
            if (firstOfTerm && (checked == null || !checked.canaryKeys().equals(fingerprints(keys)))) {
                // every record type with every signing key, before anything is signed in this term
                // (already done by the takeover checks when neither the source nor the keys changed)
                CapabilityCanary.check(unsigned, keys, zone.policy(), now);
            }
            Optional<PublishRecord> last = ledger.last(zone.name());
            Optional<SignedZoneState> previous = continuable(last, keys);
            previousState = previous;
            // The continued version is the last committed one (same digest), so its next serial is
            // above every committed serial (INV-L5); the ledger's commit checks it again.
            if (previous.isPresent()) {
                IncrementalResult inc =
                        new IncrementalSigner().resign(previous.get(), unsigned, keys, zone.policy(), now);
                List<Record> records = previous.get().records();
                signed = new SignedZone(
                        zone.name(),
                        inc.serial(),
                        records,
                        inc.rrsetsSigned(),
                        inc.signaturesMade(),
                        inc.elapsed(),
                        SigningKey.unpublishedSigners(keys, zone.policy().dnskeyTtl()));
                reused = inc.signaturesReused();
            } else {
                signed = signer.sign(unsigned, keys, zone.policy(), now, fullSignFrom(last, unsigned));
            }
            Optional<Instant> earliest = earliestExpiry(signed);
            Instant floor = now.plus(zone.policy().refresh());
            if (earliest.isPresent() && earliest.get().isBefore(floor) && previous.isPresent()) {
                // expiry-safe: never publish a version that would be due for re-signing at once; a full
                // sign makes every signature new
                LOG.warn(
                        "zone={} event=full-sign reason=\"expiry-safe: the incremental version's earliest RRSIG expiry"
                                + " {} is closer than the refresh {}\"",
                        zone.name(),
                        earliest.get(),
                        zone.policy().refresh());
                previous.get().rollback();
                previousState = Optional.empty();
                reused = 0;
                signed = signer.sign(unsigned, keys, zone.policy(), now, fullSignFrom(last, unsigned));
                earliest = earliestExpiry(signed);
            }
            if (earliest.isPresent() && earliest.get().isBefore(floor)) {
                return stopped(
                        Stage.SIGN,
                        "expiry-safe: the signed version's earliest RRSIG expiry " + earliest.get()
                                + " is closer than the refresh " + zone.policy().refresh()
                                + " after now; not published");
            }
            notes.add("expiry-safe: passed: earliest RRSIG expiry "
                    + earliest.map(Instant::toString).orElse("(none)")
                    + ", at least the refresh " + zone.policy().refresh().toSeconds() + " s after now ("
                    + (previous.isPresent()
                            ? reused + " signatures reused, " + signed.signatures() + " made"
                            : "signed in full")
                    + ")");
        } catch (CanaryFailedException e) {
            forget(previousState);
            return stopped(Stage.CANARY, e.getMessage());
        } catch (LedgerException e) {
            forget(previousState);
            return stopped(Stage.FENCED, e.getMessage());
        } catch (SigningException e) {
            forget(previousState);
            return stopped(Stage.SIGN, e.getMessage(), causedBy(e, HsmException.class));
        }
        byte[] digest = digest(signed.records());
        Optional<SignedZoneState> continued = previousState;
        List<String> dnskeyFingerprints = dnskeyFingerprints(signed);
        long dnskeyTtl = signed.records().stream()
                .filter(r -> r instanceof DNSKEYRecord
                        && r.getName().equals(zone.name().name()))
                .mapToLong(Record::getTTL)
                .findFirst()
                .orElse(0);
        PublishRecord[] committed = new PublishRecord[1];
        ZonePublisher.Result result;
        SignedZone toPublish = signed;
        try {
            result = publisher.publish(toPublish, (staged, verdict) -> {
                ClockVerdict beforeCommit = clockGuard.verdict();
                if (!beforeCommit.ok()) {
                    throw new ClockRefusedException(beforeCommit);
                }
                if (!leadership.isValid()) {
                    throw new ZonePublisher.NotLeaderException(zone.name(), toPublish.serial(), "before the commit");
                }
                committed[0] = ledger.commit(
                        leadership, zone.name(), toPublish.serial(), digest, dnskeyFingerprints, dnskeyTtl);
            });
        } catch (ClockRefusedException e) {
            forget(continued);
            return clockRefused(leadership, "commit", e.verdict);
        } catch (GateRefusedException e) {
            forget(continued);
            return stopped(Stage.GATE, e.getMessage());
        } catch (ZonePublisher.NotLeaderException e) {
            forget(continued);
            return stopped(Stage.NOT_LEADER, e.getMessage());
        } catch (LedgerException e) {
            forget(continued);
            return stopped(Stage.FENCED, e.getMessage());
        } catch (SigningException e) {
            forget(continued);
            return stopped(Stage.WRITE, e.getMessage());
        }
        keep(continued, signed, digest, keys);
        LOG.info(
                "zone={} event=published serial={} epoch={} node={} why=\"{}\" signatures-made={} reused={} gate-ms={}"
                        + " dnskeys={} signing={}",
                zone.name(),
                signed.serial(),
                leadership.epoch(),
                leadership.node(),
                why,
                signed.signatures(),
                reused,
                result.verdict().elapsed().toMillis(),
                keys.size(),
                keySet.signing().size());
        return new Outcome.Published(committed[0], signed, result.verdict(), reused, notes);
    }

    /**
     * The source with the CDS and CDNSKEY RRsets (RFC 7344, RFC 8078) the rollover agent asks the parent
     * for, as the manifest records them ({@link ManifestParent}): a CDS (SHA-256) and a CDNSKEY per key,
     * at the apex, with the DNSKEY TTL; they replace any the source has. With none asked for, the source
     * stays as it is. A key asked for must be in the DNSKEY RRset.
     */
    private UnsignedZone withCds(UnsignedZone unsigned, PublishedKeySet keySet, ZoneKeySet manifest) {
        Set<Fingerprint> cds = ManifestParent.of(manifest).cds();
        return CdsRecords.add(unsigned, zone.name().name(), zone.policy().dnskeyTtl(), keySet.keys(), cds);
    }

    private long fullSignFrom(Optional<PublishRecord> last, UnsignedZone unsigned) {
        return last.map(PublishRecord::serial)
                .or(() -> currentSerial())
                .orElse(unsigned.soa().getSerial());
    }

    /** The earliest RRSIG expiration in the signed records. */
    static Optional<Instant> earliestExpiry(SignedZone signed) {
        Instant min = null;
        for (Record r : signed.records()) {
            if (r instanceof RRSIGRecord sig && (min == null || sig.getExpire().isBefore(min))) {
                min = sig.getExpire();
            }
        }
        return Optional.ofNullable(min);
    }

    /**
     * The published-long-enough check (APNIC 2012): a key that is not in every DNSKEY RRset the
     * cluster committed during the last DNSKEY TTL (or since the zone's first publication) stays in
     * the DNSKEY RRset but does not sign in this run, like a RETIRED key, until it passes. Adds one
     * detail per withheld key (or one saying that every key passed) to {@code details}, and logs it.
     */
    private PublishedKeySet withholdUnknownToResolvers(PublishedKeySet keySet, Instant now, List<String> details)
            throws LedgerException {
        PublishedDnskeys history = ledger.dnskeyHistory(zone.name(), now);
        Map<Fingerprint, String> withheld = new LinkedHashMap<>();
        for (SigningKey k : keySet.signing()) {
            if (!k.published()
                    || keySet.signedBeforePublished().contains(k.key().fingerprint())) {
                // an algorithm rollover's key signing without its DNSKEY, or whose signatures were out before its
                // DNSKEY (RFC 6781 §4.1.4): a validator that does not know the DNSKEY ignores the algorithm
                continue;
            }
            PublishedDnskeys.Verdict v = history.check(k.key().fingerprint(), now);
            if (!v.passed()) {
                withheld.put(k.key().fingerprint(), v.detail());
            }
        }
        PublishedKeySet out = keySet.withhold(withheld, PublishedDnskeys.CHECK);
        for (PublishedKeySet.Withheld w : out.withheld()) {
            String d = w.key().role() + " " + w.key().keyTag() + " fp "
                    + w.key().fingerprint().shortHex() + " published, not signing: " + w.reason();
            details.add(d);
            LOG.info(
                    "zone={} key={} tag={} role={} event=key-withheld check={} reason=\"{}\"",
                    zone.name(),
                    w.key().fingerprint().shortHex(),
                    w.key().keyTag(),
                    w.key().role(),
                    PublishedDnskeys.CHECK,
                    w.reason());
        }
        if (out.withheld().isEmpty()) {
            details.add("every signing key ("
                    + String.join(
                            ", ",
                            out.signing().stream()
                                    .map(k -> k.key().role() + " " + k.key().keyTag())
                                    .toList())
                    + ") "
                    + (history.neverPublished()
                            ? "signs the zone's first publication"
                            : "is in every DNSKEY RRset committed during the DNSKEY TTL "
                                    + history.ttl().toSeconds() + " s"));
        }
        return out;
    }

    /**
     * The takeover checks of this zone, run by a node that has just won the election, before it bumps
     * the epoch ({@link TakeoverPreflight}): keys-identical (the keys proven on this node's HSM now;
     * GENERATED keys are pending, not required), published-long-enough (a role left without a key
     * that may sign refuses), canary (every record type of the source with every signing key; a
     * failure refuses), expiry-safe (checked before the first commit: never a refusal, the first
     * version re-signs what would be too close to expiry). Nothing is signed, written or committed.
     */
    List<TakeoverVerdict.Outcome> takeoverChecks(Instant now, List<String> replication) {
        takeoverChecked.set(null);
        Optional<ZoneName> z = Optional.of(zone.name());
        List<TakeoverVerdict.Outcome> out = new ArrayList<>();
        PublishedKeySet keySet;
        try {
            keySet = ProvenKeys.published(
                    store, verifier, zone.name(), hsm, zone.policy().rollover().managed());
        } catch (ProvenKeys.NotKeySyncedException e) {
            out.add(new TakeoverVerdict.Outcome(
                    z,
                    "keys-identical",
                    TakeoverVerdict.Result.REFUSED,
                    String.join(
                            "; ", e.problems().stream().map(KeyCheck::describe).toList())));
            return out;
        } catch (KeySyncException | RuntimeException e) {
            out.add(new TakeoverVerdict.Outcome(
                    z, "keys-identical", TakeoverVerdict.Result.REFUSED, String.valueOf(e.getMessage())));
            return out;
        }
        out.add(new TakeoverVerdict.Outcome(
                z,
                "keys-identical",
                TakeoverVerdict.Result.PASSED,
                keySet.keys().size()
                        + " published key(s) of manifest version " + keySet.manifestVersion() + " proven on HSM "
                        + hsm.id()
                        + " with a fresh nonce"
                        + (keySet.pending().isEmpty()
                                ? ""
                                : "; pending replication (GENERATED, neither"
                                        + " published nor signing): "
                                        + String.join(
                                                "; ",
                                                keySet.pending().stream()
                                                        .map(PublishedKeySet.Pending::describe)
                                                        .toList()))));
        if (keySet.keys().isEmpty()) {
            String why = keySet.uncovered(replication).orElse("no published key");
            out.add(new TakeoverVerdict.Outcome(z, PublishedDnskeys.CHECK, TakeoverVerdict.Result.NOT_RUN, why));
            out.add(new TakeoverVerdict.Outcome(z, "canary", TakeoverVerdict.Result.NOT_RUN, why));
            out.add(new TakeoverVerdict.Outcome(z, "expiry-safe", TakeoverVerdict.Result.NOT_RUN, why));
            return out;
        }
        List<String> details = new ArrayList<>();
        try {
            keySet = withholdUnknownToResolvers(keySet, now, details);
        } catch (LedgerException e) {
            out.add(new TakeoverVerdict.Outcome(
                    z,
                    PublishedDnskeys.CHECK,
                    TakeoverVerdict.Result.REFUSED,
                    "the publish history cannot be read: " + e.getMessage()));
            return out;
        }
        Optional<String> uncovered = keySet.uncovered(replication);
        if (uncovered.isPresent()) {
            out.add(new TakeoverVerdict.Outcome(
                    z, PublishedDnskeys.CHECK, TakeoverVerdict.Result.REFUSED, uncovered.get()));
            return out;
        }
        out.add(new TakeoverVerdict.Outcome(
                z, PublishedDnskeys.CHECK, TakeoverVerdict.Result.PASSED, String.join("; ", details)));
        try {
            Optional<SourceStamp> stamp = SourceStamp.of(zone.source());
            UnsignedZone unsigned = ZoneLoader.load(zone.source(), zone.name(), zone.limits());
            CanaryReport report = CapabilityCanary.check(unsigned, keySet.keys(), zone.policy(), now);
            if (stamp.isPresent() && stamp.equals(SourceStamp.of(zone.source()))) {
                takeoverChecked.set(new TakeoverChecked(unsigned, stamp.get(), fingerprints(keySet.keys())));
            }
            out.add(new TakeoverVerdict.Outcome(
                    z,
                    "canary",
                    TakeoverVerdict.Result.PASSED,
                    report.types().size()
                            + " record types, " + report.keys() + " signing key(s), " + report.signatures()
                            + " signatures verified on HSM " + hsm.id()));
        } catch (ZoneLoadException e) {
            out.add(new TakeoverVerdict.Outcome(
                    z,
                    "canary",
                    TakeoverVerdict.Result.NOT_RUN,
                    "the zone source is" + " rejected (" + e.getMessage()
                            + "); the first run that loads it runs the canary over every type"));
        } catch (CanaryFailedException e) {
            out.add(new TakeoverVerdict.Outcome(z, "canary", TakeoverVerdict.Result.REFUSED, e.getMessage()));
            return out;
        }
        out.add(new TakeoverVerdict.Outcome(
                z,
                "expiry-safe",
                TakeoverVerdict.Result.NOT_RUN,
                "checked before the"
                        + " first commit: the first version re-signs every signature that expires within the refresh "
                        + zone.policy().refresh().toSeconds() + " s, and is not published otherwise"));
        return out;
    }

    /**
     * The published version to continue from: the directory's current file, when it is exactly what
     * the cluster last committed (its SHA-256 is the ledger's), was signed by these keys and signs the
     * way the policy does. Anything else (no file, another content, a file that does not parse) means a
     * full sign, which is always safe.
     */
    private Optional<SignedZoneState> continuable(Optional<PublishRecord> last, List<SigningKey> keys) {
        if (last.isEmpty()) {
            return Optional.empty();
        }
        if (kept != null && last.get().sha256Hex().equals(keptDigestHex)) {
            return compatible(kept, keys, keptSigners) ? Optional.of(kept) : Optional.empty();
        }
        kept = null; // another node published since: continue from the file it wrote, if it is that version
        Path current = directory.currentFile(zone.name());
        if (!Files.isRegularFile(current)) {
            return Optional.empty();
        }
        try {
            List<Record> records = SignedZoneFile.read(current, zone.name().name());
            if (!HexFormat.of().formatHex(digest(records)).equals(last.get().sha256Hex())) {
                LOG.info(
                        "zone={} event=full-sign reason=\"{} is not the committed serial {}\"",
                        zone.name(),
                        current,
                        last.get().serial());
                return Optional.empty();
            }
            SignedZoneState state = SignedZoneState.of(zone.name(), records);
            return compatible(state, keys, apexSigners(records)) ? Optional.of(state) : Optional.empty();
        } catch (SigningException | RuntimeException e) {
            LOG.warn(
                    "zone={} event=full-sign reason=\"cannot continue from {}: {}\"",
                    zone.name(),
                    current,
                    e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The fingerprints (SHA-256 DS digest, as keysync's {@code Fingerprint}) of every DNSKEY at the apex
     * of the signed zone, sorted: what the ledger records as the published DNSKEY set.
     */
    static List<String> dnskeyFingerprints(SignedZone signed) {
        return signed.records().stream()
                .filter(r -> r instanceof DNSKEYRecord
                        && r.getName().equals(signed.origin().name()))
                .map(r -> Fingerprint.of(new DSRecord(r.getName(), DClass.IN, 0, DNSSEC.Digest.SHA256, (DNSKEYRecord) r)
                                .getDigest())
                        .hex())
                .distinct()
                .sorted()
                .toList();
    }

    /**
     * The keys whose signatures cover the apex SOA or DNSKEY RRset ({@code algorithm/tag}): every signing
     * ZSK or CSK signs the SOA, every signing KSK or CSK the DNSKEY RRset.
     */
    private Set<String> apexSigners(List<Record> records) {
        return records.stream()
                .filter(r -> r instanceof RRSIGRecord sig
                        && r.getName().equals(zone.name().name())
                        && (sig.getTypeCovered() == Type.SOA || sig.getTypeCovered() == Type.DNSKEY))
                .map(r -> ((RRSIGRecord) r).getAlgorithm() + "/" + ((RRSIGRecord) r).getFootprint())
                .collect(Collectors.toSet());
    }

    private static Set<String> signers(List<SigningKey> keys) {
        return keys.stream()
                .filter(SigningKey::signs)
                .map(k -> k.key().algorithm().number() + "/" + k.key().keyTag().value())
                .collect(Collectors.toSet());
    }

    /**
     * Signed by exactly these keys, the way the policy signs (denial, NSEC3 parameters, ZONEMD): the same
     * DNSKEY RRset and the same signing keys ({@code signers}: those that signed {@code state}); a key that
     * starts or stops signing (a rollover step) makes the next version a full sign, so that every RRset
     * carries the change at once.
     */
    private boolean compatible(SignedZoneState state, List<SigningKey> keys, Set<String> signers) {
        if (!signers.equals(signers(keys))) {
            LOG.info(
                    "zone={} event=full-sign reason=\"the signing keys changed ({} -> {})\"",
                    zone.name(),
                    new TreeSet<>(signers),
                    new TreeSet<>(signers(keys)));
            return false;
        }
        Set<String> published =
                state.dnskeys().stream().map(Record::rdataToString).collect(Collectors.toSet());
        Set<String> ours = keys.stream()
                .filter(SigningKey::published)
                .map(k -> k.key().dnskey(zone.policy().dnskeyTtl()).rdataToString())
                .collect(Collectors.toSet());
        if (!state.compatibleWith(zone.policy()) || !published.equals(ours)) {
            LOG.info(
                    "zone={} event=full-sign reason=\"the published version has other keys or another denial\"",
                    zone.name());
            return false;
        }
        return true;
    }

    /** After a publication: the state is that version now (incremental), or is built from the full sign. */
    private void keep(Optional<SignedZoneState> continued, SignedZone signed, byte[] digest, List<SigningKey> keys) {
        keptSigners = signers(keys);
        try {
            if (continued.isPresent()) {
                continued.get().commit();
                kept = continued.get();
            } else {
                kept = SignedZoneState.of(signed);
            }
            keptDigestHex = HexFormat.of().formatHex(digest);
        } catch (SigningException | RuntimeException e) {
            LOG.warn(
                    "zone={} event=state-not-kept reason=\"{}\"; the next run reads the published file",
                    zone.name(),
                    e.getMessage());
            kept = null;
        }
    }

    /** A run that did not publish: the kept state goes back to the version last published. */
    private void forget(Optional<SignedZoneState> continued) {
        continued.ifPresent(SignedZoneState::rollback);
    }

    private Optional<Long> currentSerial() {
        try {
            return directory.currentSerial(zone.name());
        } catch (SigningException e) {
            return Optional.empty();
        }
    }

    /**
     * The self-test of this zone: proves the keys on this node's HSM now, then signs the current source
     * in memory (the capability canary runs first) and passes the result through the gate. Nothing is
     * committed or written; a standby can run it at any time.
     */
    ZoneSelfTest selfTest() throws InterruptedException {
        List<SigningKey> keys;
        try {
            PublishedKeySet keySet = ProvenKeys.published(
                    store, verifier, zone.name(), hsm, zone.policy().rollover().managed());
            if (keySet.keys().isEmpty()) {
                return new ZoneSelfTest(
                        zone.name(),
                        false,
                        "not run: " + keySet.uncovered(List.of()).orElse("no published key"),
                        true,
                        List.of());
            }
            // every published key that is not retired signs here, also one a leader would withhold for
            // published-long-enough: the self-test tests what the HSM can do
            keys = keySet.keys();
        } catch (ProvenKeys.NotKeySyncedException e) {
            return new ZoneSelfTest(
                    zone.name(),
                    false,
                    "not run: the keys are not proven on " + hsm.id(),
                    false,
                    e.problems().stream()
                            .map(c -> c.describe() + "; fix: " + c.fix())
                            .toList());
        } catch (KeySyncException | RuntimeException e) {
            return new ZoneSelfTest(
                    zone.name(),
                    false,
                    "not run: the keys are not proven on " + hsm.id(),
                    false,
                    List.of(String.valueOf(e.getMessage())));
        }
        Instant now = clock.instant();
        try {
            UnsignedZone unsigned = ZoneLoader.load(zone.source(), zone.name(), zone.limits());
            SignedZone signed = signer.sign(
                    unsigned, keys, zone.policy(), now, unsigned.soa().getSerial());
            GateVerdict verdict = gate.verify(zone.name().name(), signed.records(), now, signed.unpublishedSigners());
            String detail = "canary passed; signed " + signed.signedRrsets() + " RRsets in memory; gate "
                    + (verdict.passed()
                            ? "passed (" + verdict.signaturesVerified() + " signatures)"
                            : "refused: " + verdict.summary());
            return new ZoneSelfTest(zone.name(), verdict.passed(), detail, true, List.of());
        } catch (CanaryFailedException e) {
            return new ZoneSelfTest(zone.name(), false, e.getMessage(), true, List.of());
        } catch (SigningException e) {
            return new ZoneSelfTest(zone.name(), false, "signing failed: " + e.getMessage(), true, List.of());
        }
    }

    /** The commit callback's refusal when the clock went out of the threshold during the run. */
    private static final class ClockRefusedException extends SigningException {
        private static final long serialVersionUID = 1L;
        private final transient ClockVerdict verdict;

        ClockRefusedException(ClockVerdict verdict) {
            super(verdict.describe());
            this.verdict = verdict;
        }
    }

    /**
     * Refuses the run for the clock (INV-D5), with an ERROR line naming node, zone, skew and threshold;
     * {@code at} is {@code sign} (before signing) or {@code commit} (right before the ledger commit).
     */
    private Outcome clockRefused(Leadership leadership, String at, ClockVerdict v) {
        String reason = v.describe() + "; refused to " + at + ", the last good zone stays published";
        LOG.error(
                "node={} zone={} event=clock-refused at={} skew-seconds={} max-skew-seconds={} reason=\"{}\"",
                leadership.node(),
                zone.name(),
                at,
                String.format(Locale.ROOT, "%+.3f", v.skewSeconds()),
                v.maxSkew().toMillis() / 1000.0,
                reason);
        return new Outcome.Stopped(Stage.CLOCK, reason);
    }

    private Outcome stopped(Stage stage, String reason) {
        return stopped(stage, reason, false);
    }

    private Outcome stopped(Stage stage, String reason, boolean hsmFault) {
        LOG.warn(
                "zone={} event=publish-stopped stage={} hsm-fault={} reason=\"{}\"",
                zone.name(),
                stage,
                hsmFault,
                reason);
        return new Outcome.Stopped(stage, reason, hsmFault);
    }

    /** Whether {@code e} or one of its causes is a {@code type}. */
    static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** SHA-256 over the records in canonical wire form, in the zone's (canonical) order. */
    static byte[] digest(List<Record> records) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
        for (Record r : records) {
            sha.update(r.toWireCanonical());
        }
        return sha.digest();
    }

    /** The canary's key set: each key's fingerprint and whether it signs. */
    private static Set<String> fingerprints(List<SigningKey> keys) {
        return keys.stream()
                .map(k -> k.key().fingerprint().hex()
                        + (k.signs() ? (k.published() ? " signs" : " signs unpublished") : " published"))
                .collect(Collectors.toSet());
    }
}
