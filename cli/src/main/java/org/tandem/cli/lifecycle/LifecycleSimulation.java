package org.tandem.cli.lifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.tandem.keysync.Destruction;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ManifestStore;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.signer.SigningException;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.lifecycle.CacheCheck;
import org.tandem.signer.lifecycle.ManifestParent;
import org.tandem.signer.lifecycle.ParentCheck;
import org.tandem.signer.lifecycle.ParentPolicy;
import org.tandem.signer.lifecycle.ParentState;
import org.tandem.signer.lifecycle.PublishedVersion;
import org.tandem.signer.lifecycle.RolloverAgent;
import org.tandem.signer.lifecycle.RolloverPolicy;
import org.tandem.signer.lifecycle.ZoneTimings;
import org.tandem.signer.publish.AtomicZoneFile;
import org.tandem.signer.sign.CdsRecords;
import org.tandem.signer.sign.ProvenKeys;
import org.tandem.signer.sign.PublishedKeySet;
import org.tandem.signer.sign.SignedZone;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.sign.ZoneSigner;
import org.tandem.signer.zone.UnsignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;

/**
 * One run of {@code signerctl lifecycle simulate}: the rollover agent (and through it the planner), the
 * signer with the validation gate, and a simulated parent, stepped through simulated time on real
 * HSMs, one node. Each step goes to the next instant something is due: a planned step of the agent, the
 * parent installing the DS set the CDS asks for, or the re-sign (when the earliest signature expires
 * within the policy's refresh).
 *
 * <p>The parent: while the published CDS asks for a DS set other than the parent's, the parent
 * installs it {@code parentDelay} after the CDS was first published, and the simulation records it in
 * the manifest as {@code signerctl keys ds-seen} would; the policy's {@code parent.check} is therefore
 * taken as {@code operator} (confirmed by the simulated parent).
 *
 * <p>Not thread-safe; one run per instance. The caller owns the HSMs, the store and the keysync.
 */
final class LifecycleSimulation {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Passes of the agent at one instant before the simulation gives up (each pass is one manifest write). */
    private static final int MAX_PASSES = 20;

    /** What the run is given. */
    record Settings(
            ZoneName zone,
            UnsignedZone unsigned,
            SigningPolicy policy,
            Instant start,
            Duration length,
            Duration parentDelay,
            Path out) {
        Settings {
            Objects.requireNonNull(zone, "zone");
            Objects.requireNonNull(unsigned, "unsigned");
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(length, "length");
            Objects.requireNonNull(parentDelay, "parentDelay");
            Objects.requireNonNull(out, "out");
        }
    }

    /** What the run did: the timeline's entries and the cache check's violations. */
    record Result(List<Map<String, Object>> timeline, List<CacheCheck.Violation> violations, Duration elapsed) {}

    private final Settings s;
    private final KeySync keySync;
    private final ManifestStore store;
    private final SimulatedClock clock;
    private final PrintWriter progress;
    private final RolloverPolicy rollover;
    private final ZoneSigner signer = new ZoneSigner();
    private final ValidationGate gate = new ValidationGate(GatePolicy.defaults());
    private final List<PublishedVersion> history = new ArrayList<>();
    private final List<CacheCheck.Version> versions = new ArrayList<>();
    private final List<CacheCheck.DsSet> parentHistory = new ArrayList<>();
    private final List<Map<String, Object>> timeline = new ArrayList<>();
    private Set<Fingerprint> parentDs = Set.of();

    LifecycleSimulation(
            Settings settings, KeySync keySync, ManifestStore store, SimulatedClock clock, PrintWriter progress) {
        this.s = Objects.requireNonNull(settings, "settings");
        this.keySync = Objects.requireNonNull(keySync, "keySync");
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.progress = Objects.requireNonNull(progress, "progress");
        RolloverPolicy p = s.policy().rollover();
        ParentPolicy parent = new ParentPolicy(
                p.parent().dsTtl(), p.parent().propagationDelay(), ParentCheck.OPERATOR, Optional.empty());
        this.rollover =
                new RolloverPolicy(p.roles(), p.propagationDelay(), p.publishSafety(), p.retireSafety(), parent);
    }

    /** The DS TTL and propagation delay the cache check assumes: the policy's. */
    RolloverPolicy rollover() {
        return rollover;
    }

    Result run() throws KeySyncException, SigningException, IOException {
        long started = System.nanoTime();
        Path versionsDir = s.out().resolve("versions");
        Files.createDirectories(versionsDir);
        Instant end = s.start().plus(s.length());
        RolloverAgent agent = new RolloverAgent("simulation", RolloverAgent.Keys.of(keySync, first().id()), clock);
        ZoneTimings timings = timings();
        long serial = s.unsigned().soa().getSerial();
        Instant resign = s.start();
        long lastDay = -1;
        while (true) {
            Instant now = clock.instant();
            List<String> events = new ArrayList<>();
            parent(now, events);
            Optional<Instant> agentDue = Optional.empty();
            for (int pass = 0; ; pass++) {
                if (pass >= MAX_PASSES) {
                    throw new IllegalStateException("zone " + s.zone() + ": the rollover agent changed the manifest "
                            + MAX_PASSES + " times at " + now + " without settling");
                }
                Set<Fingerprint> proven = proven();
                RolloverAgent.Outcome o = agent.run(s.zone(), rollover, timings, history, proven, () -> true);
                events.addAll(o.done());
                if (!o.changed()) {
                    agentDue = o.nextDue();
                    break;
                }
            }
            // what every node does with the keys the agent marked DELETED: destroyed on the HSMs
            for (Destruction d : keySync.destroyDeleted(s.zone())) {
                if (d.result() == Destruction.Result.FAILED) {
                    throw new KeySyncException(
                            d.describe() + ": DELETED at " + now + " but not destroyed: " + d.detail());
                }
            }
            if (!events.isEmpty() || !now.isBefore(resign)) {
                SignedZone signed = publish(now, serial, events.isEmpty() ? "re-sign" : String.join("; ", events));
                serial = signed.serial();
                resign = resignAt(signed, now);
            }
            long day = Duration.between(s.start(), now).toDays();
            if (day / 30 != lastDay / 30 || !now.isBefore(end)) {
                lastDay = day;
                progress.printf(
                        "simulate %s: day %d of %d (%s), %d versions, serial %d%n",
                        s.zone(), day, s.length().toDays(), now, timeline.size(), serial);
                progress.flush();
            }
            if (!now.isBefore(end)) {
                break;
            }
            Instant next = resign;
            if (agentDue.isPresent() && agentDue.get().isBefore(next)) {
                next = agentDue.get();
            }
            Optional<Instant> install = parentInstall();
            if (install.isPresent() && install.get().isBefore(next)) {
                next = install.get();
            }
            if (end.isBefore(next)) {
                next = end;
            }
            // the manifest keeps whole seconds: never step to an instant it cannot record apart
            clock.set(next.isAfter(now.plusSeconds(1)) ? next : now.plusSeconds(1));
        }
        writeJson(s.out().resolve("timeline.json"), timeline);
        List<CacheCheck.Violation> violations =
                CacheCheck.check(versions, parentHistory, rollover.parent().dsTtl(), rollover.propagationDelay());
        return new Result(List.copyOf(timeline), violations, Duration.ofNanos(System.nanoTime() - started));
    }

    private Hsm first() {
        return keySync.hsms().get(0);
    }

    /** The zone's timing facts as the node computes them (ZoneCycle.timings): Dsgn 0, every change a full sign. */
    private ZoneTimings timings() {
        long max =
                s.unsigned().records().stream().mapToLong(Record::getTTL).max().orElse(0);
        max = Math.max(max, s.unsigned().soa().getMinimum());
        return new ZoneTimings(Duration.ofSeconds(s.policy().dnskeyTtl()), Duration.ofSeconds(max), Duration.ZERO);
    }

    /**
     * The GENERATED keys held on every configured HSM: copied there first (keysync sync) when there is
     * more than one. With one HSM, the key generated there is on every HSM of this (only) node.
     */
    private Set<Fingerprint> proven() throws KeySyncException {
        ZoneKeySet m = keySync.manifest(s.zone());
        Set<Fingerprint> generated = m.entries().stream()
                .filter(e -> e.state() == KeyState.GENERATED)
                .map(e -> e.key().fingerprint())
                .collect(Collectors.toSet());
        if (!generated.isEmpty() && keySync.hsms().size() > 1) {
            keySync.sync(s.zone(), Optional.of(first().id()), false);
        }
        return generated;
    }

    /** The simulated parent: installs the DS set the CDS asks for, {@code parentDelay} after it was asked. */
    private void parent(Instant now, List<String> events) throws KeySyncException {
        ZoneKeySet m = keySync.manifest(s.zone());
        ParentState p = ManifestParent.of(m);
        Optional<Instant> due = parentInstall(p);
        if (due.isEmpty() || due.get().isAfter(now)) {
            return;
        }
        parentDs = p.cds();
        keySync.update(m, ManifestParent.dsSeen(m, parentDs, now), "simulated parent (lifecycle simulate)");
        parentHistory.add(new CacheCheck.DsSet(now, digests(m, parentDs)));
        events.add("parent: DS RRset now names " + describe(m, parentDs));
    }

    private Optional<Instant> parentInstall() throws KeySyncException {
        return parentInstall(ManifestParent.of(keySync.manifest(s.zone())));
    }

    private Optional<Instant> parentInstall(ParentState p) {
        if (p.cds().isEmpty() || p.cds().equals(parentDs) || p.cdsSince().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(p.cdsSince().get().plus(s.parentDelay()));
    }

    /** Signs the zone as the node does (keys by their manifest states, CDS/CDNSKEY), gates it, writes it. */
    private SignedZone publish(Instant now, long previousSerial, String event)
            throws KeySyncException, SigningException, IOException {
        Hsm hsm = first();
        PublishedKeySet keySet =
                ProvenKeys.published(store, new KeySetVerifier(clock, new SecureRandom()), s.zone(), hsm, true);
        ZoneKeySet m = keySync.manifest(s.zone());
        UnsignedZone unsigned = CdsRecords.add(
                s.unsigned(),
                s.zone().name(),
                s.policy().dnskeyTtl(),
                keySet.keys(),
                ManifestParent.of(m).cds());
        SignedZone signed = signer.sign(unsigned, keySet.keys(), s.policy(), now, previousSerial);
        try {
            gate.verify(s.zone().name(), signed.records(), now).requirePassed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SigningException("interrupted while validating " + s.zone() + " at " + now, e);
        }
        Path file = s.out().resolve("versions").resolve(signed.serial() + ".zone");
        AtomicZoneFile.write(
                file,
                "zone " + s.zone() + " serial " + signed.serial() + ", signerctl lifecycle simulate at simulated time "
                        + now + ": " + event,
                signed.records());
        Set<Fingerprint> dnskeys =
                keySet.keys().stream().map(k -> k.key().fingerprint()).collect(Collectors.toSet());
        history.add(new PublishedVersion(
                signed.serial(), now, dnskeys, Duration.ofSeconds(s.policy().dnskeyTtl())));
        versions.add(CacheCheck.Version.of(signed.serial(), now, s.zone().name(), signed.records()));
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("time", now.toString());
        entry.put("serial", signed.serial());
        entry.put("event", event);
        List<Map<String, Object>> keys = new ArrayList<>();
        for (ZoneKeySet.Entry e : m.entries()) {
            boolean removedNow = e.entered(KeyState.REMOVED).filter(now::equals).isPresent();
            if (e.state() == KeyState.DELETED || (e.state() == KeyState.REMOVED && !removedNow)) {
                continue;
            }
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("role", e.key().role().toString());
            k.put("algorithm", e.key().algorithm().number());
            k.put("tag", e.key().keyTag().value());
            k.put("fingerprint", e.key().fingerprint().hex());
            k.put("state", e.state().toString());
            keys.add(k);
        }
        entry.put("keys", keys);
        entry.put("parent_ds", new ArrayList<>(new TreeSet<>(digests(m, parentDs))));
        timeline.add(entry);
        return signed;
    }

    /** Earliest signature expiry minus the refresh: when the node would re-sign; at least an hour on. */
    private Instant resignAt(SignedZone signed, Instant now) {
        Instant earliest = signed.records().stream()
                .filter(r -> r instanceof RRSIGRecord)
                .map(r -> ((RRSIGRecord) r).getExpire())
                .min(Comparator.naturalOrder())
                .orElse(now.plus(s.policy().validity()));
        Instant at = earliest.minus(s.policy().refresh());
        return at.isAfter(now.plus(Duration.ofHours(1))) ? at : now.plus(Duration.ofHours(1));
    }

    private Set<String> digests(ZoneKeySet m, Set<Fingerprint> keys) {
        Set<String> out = new TreeSet<>();
        for (Fingerprint fp : keys) {
            DnssecKey k = m.find(fp).orElseThrow().key();
            DSRecord ds = new DSRecord(
                    s.zone().name(),
                    DClass.IN,
                    rollover.parent().dsTtl().toSeconds(),
                    DNSSEC.Digest.SHA256,
                    k.dnskey(s.policy().dnskeyTtl()));
            out.add(HexFormat.of().formatHex(ds.getDigest()));
        }
        return out;
    }

    private static String describe(ZoneKeySet m, Set<Fingerprint> keys) {
        return keys.isEmpty()
                ? "no key"
                : new TreeSet<>(keys)
                        .stream()
                                .map(fp -> m.find(fp)
                                        .map(e -> e.key().role() + " "
                                                + e.key().keyTag().value() + " fp " + fp.shortHex())
                                        .orElse(fp.shortHex()))
                                .collect(Collectors.joining(", "));
    }

    /** Writes JSON through a temporary file in the same directory and an atomic move. */
    static void writeJson(Path target, Object document) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, JSON.writeValueAsString(document) + "\n");
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
