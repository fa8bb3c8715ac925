package org.tandem.keysync;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.audit.AuditEvent;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.audit.AuditOperation;
import org.tandem.keysync.audit.AuditOutcome;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeyPolicy;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.TransportKey;
import org.tandem.keysync.hsm.WrappedKey;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ManifestConflictException;
import org.tandem.keysync.manifest.ManifestException;
import org.tandem.keysync.manifest.ManifestStore;
import org.tandem.keysync.manifest.VersionedManifest;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeyCheck;
import org.tandem.keysync.proof.KeySetReport;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.keysync.proof.PossessionProof;

/**
 * The keysync use cases over a set of HSMs, the manifest store and the audit log: generate once,
 * replicate by wrap/unwrap, verify with proof, enrol HSMs with the cluster KEK.
 *
 * <p>Every key operation is written to the audit log, refusals and failures included.
 *
 * <p>Thread-safety: not for concurrent use by several threads; several processes may work on the
 * same zone, the manifest's compare-and-set keeps them consistent. Does not own (close) the HSMs,
 * the store or the log.
 */
public final class KeySync {
    private static final Logger LOG = LoggerFactory.getLogger(KeySync.class);
    /** Draws before giving up on a key tag that collides (a 1-in-65536 event per pair). */
    private static final int MAX_DRAWS = 8;

    private static final int MAX_CAS_RETRIES = 5;

    private final List<Hsm> hsms;
    private final ManifestStore store;
    private final AuditLog audit;
    private final Clock clock;
    private final String actor;
    private final KeySetVerifier verifier;

    public KeySync(
            List<? extends Hsm> hsms,
            ManifestStore store,
            AuditLog audit,
            Clock clock,
            String actor,
            KeySetVerifier verifier) {
        this.hsms = List.copyOf(hsms);
        this.store = Objects.requireNonNull(store, "store");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.actor = Objects.requireNonNull(actor, "actor");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        if (this.hsms.isEmpty()) {
            throw new IllegalArgumentException("no HSMs");
        }
    }

    public List<Hsm> hsms() {
        return hsms;
    }

    public Hsm hsm(HsmId id) {
        return hsms.stream()
                .filter(h -> h.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no HSM named '" + id + "' (configured: "
                        + String.join(
                                ", ", hsms.stream().map(h -> h.id().name()).toList()) + ")"));
    }

    /** The zone's manifest, or an empty one (version -1) when it has none. */
    public ZoneKeySet manifest(ZoneName zone) throws ManifestException {
        Optional<VersionedManifest> m = store.read(zone.toString());
        return m.map(v -> ZoneKeySet.fromProto(v.manifest(), v.version())).orElseGet(() -> ZoneKeySet.empty(zone));
    }

    /**
     * The version of the zone's manifest, without reading it (-1 when the zone has none): to tell whether
     * it changed since a {@link #manifest} read.
     */
    public int manifestVersion(ZoneName zone) throws ManifestException {
        return store.version(zone.toString()).orElse(-1);
    }

    /**
     * Generates a key once, on one HSM, and records it in the manifest (state GENERATED). A key
     * whose algorithm and key tag collide with a key of the zone is destroyed and drawn again
     * (INV-K4). When the manifest cannot be written, the new key is destroyed again.
     */
    public DnssecKey generate(ZoneName zone, KeyRole role, Algorithm algorithm, HsmId on) throws KeySyncException {
        Hsm hsm = hsm(on);
        HsmKey key = drawWithoutCollision(hsm, new KeySpec(zone, role, algorithm));
        DnssecKey pub = key.publicKey().orElseThrow();
        try {
            for (int attempt = 1; ; attempt++) {
                ZoneKeySet current = manifest(zone);
                ZoneKeySet next;
                try {
                    next = current.with(new ZoneKeySet.Entry(pub, KeyState.GENERATED, clock.instant(), on.name()));
                } catch (ZoneKeySet.KeyTagCollision e) {
                    throw new KeySyncException(
                            e.getMessage() + " (written by another process meanwhile); run generate again");
                }
                try {
                    write(current, next);
                    break;
                } catch (ManifestConflictException e) {
                    if (attempt >= MAX_CAS_RETRIES) {
                        throw e;
                    }
                    LOG.info("zone={} manifest changed meanwhile ({}); retrying", zone, e.getMessage());
                }
            }
        } catch (KeySyncException | RuntimeException e) {
            destroyAfterFailure(hsm, key, "manifest not updated: " + e.getMessage());
            record(AuditOperation.GENERATE, AuditOutcome.FAILED, zone, on, pub, e.getMessage());
            throw e;
        }
        record(AuditOperation.GENERATE, AuditOutcome.OK, zone, on, pub, "generated on " + on + "; manifest updated");
        LOG.info(
                "zone={} key={} tag={} role={} hsm={} generated",
                zone,
                pub.fingerprint().shortHex(),
                pub.keyTag(),
                role,
                on);
        return pub;
    }

    private HsmKey drawWithoutCollision(Hsm hsm, KeySpec spec) throws KeySyncException {
        ZoneKeySet manifest = manifest(spec.zone());
        List<DnssecKey> taken = new ArrayList<>(
                manifest.entries().stream().map(ZoneKeySet.Entry::key).toList());
        hsm.list(spec.zone()).forEach(k -> k.publicKey().ifPresent(taken::add));
        for (int draw = 1; draw <= MAX_DRAWS; draw++) {
            HsmKey candidate = hsm.generate(spec);
            DnssecKey pub = candidate.publicKey().orElseThrow();
            Optional<DnssecKey> clash =
                    taken.stream().filter(t -> ZoneKeySet.collide(t, pub)).findFirst();
            if (clash.isEmpty()) {
                return candidate;
            }
            hsm.delete(candidate.ref());
            record(
                    AuditOperation.GENERATE,
                    AuditOutcome.REFUSED,
                    spec.zone(),
                    hsm.id(),
                    pub,
                    "key tag " + pub.keyTag() + " collides with " + clash.get().describe()
                            + "; destroyed, drawing again");
        }
        throw new KeySyncException(
                "zone " + spec.zone() + ": " + MAX_DRAWS + " draws in a row collided on key tag; giving up");
    }

    private void write(ZoneKeySet current, ZoneKeySet next) throws ManifestException {
        var proto = next.toProto(clock.instant(), actor);
        if (current.exists()) {
            store.compareAndSet(current.version(), proto);
        } else {
            store.create(proto);
        }
    }

    /** Verifies every HSM against the manifest with a fresh nonce; audits the verdict. */
    public KeySetReport verify(ZoneName zone) throws KeySyncException {
        KeyPolicy.requireAll(hsms);
        ZoneKeySet manifest = manifest(zone);
        if (manifest.live().isEmpty()) {
            throw new NoManifestException(zone);
        }
        KeySetReport report = verifier.verify(manifest, hsms);
        for (HsmId id : report.hsms()) {
            List<KeyCheck> bad = report.on(id).stream().filter(c -> !c.ok()).toList();
            audit(new AuditEvent(
                    clock.instant(),
                    AuditOperation.VERIFY,
                    zone.toString(),
                    id.name(),
                    "",
                    null,
                    "",
                    bad.isEmpty() ? AuditOutcome.OK : AuditOutcome.FAILED,
                    bad.isEmpty()
                            ? "all " + manifest.live().size() + " keys present and proven"
                            : String.join(
                                    "; ", bad.stream().map(KeyCheck::describe).toList()),
                    actor));
        }
        return report;
    }

    /** The zone's keys as each HSM holds them (no proofs). */
    public List<HsmListing> list(ZoneName zone) {
        List<HsmListing> out = new ArrayList<>();
        for (Hsm hsm : hsms) {
            try {
                out.add(new HsmListing(hsm.id(), hsm.list(zone), Optional.empty()));
            } catch (HsmException e) {
                out.add(new HsmListing(hsm.id(), List.of(), Optional.of(e.getMessage())));
            }
        }
        return out;
    }

    /**
     * Copies every manifest key that an HSM lacks from an HSM that holds it, proven, by wrapping
     * under the cluster KEK; with {@code replaceDiverged}, first destroys objects that claim a
     * manifest key but hold another key pair (DENIC). Extra keys are reported, never touched.
     *
     * @param from the source HSM, or empty to take each key from any HSM where it is proven
     */
    public SyncResult sync(ZoneName zone, Optional<HsmId> from, boolean replaceDiverged) throws KeySyncException {
        ZoneKeySet manifest = manifest(zone);
        if (manifest.live().isEmpty()) {
            throw new NoManifestException(zone);
        }
        from.ifPresent(this::hsm);
        requireSharedKek();
        KeySetReport before = verifier.verify(manifest, hsms);
        List<String> actions = new ArrayList<>();
        List<KeyCheck> refused = new ArrayList<>();
        for (KeyCheck check : before.problems()) {
            switch (check.status()) {
                case MISSING -> copy(manifest, check, from, before, actions);
                case DIFFERENT_PUBLIC_KEY, PRIVATE_KEY_MISMATCH -> {
                    if (!replaceDiverged) {
                        refused.add(check);
                        record(
                                AuditOperation.SYNC,
                                AuditOutcome.REFUSED,
                                zone,
                                check.hsm(),
                                null,
                                check.describe() + "; not replaced without --replace-diverged");
                        continue;
                    }
                    removeClaimants(manifest, check, actions);
                    copy(manifest, check, from, before, actions);
                }
                default -> refused.add(check);
            }
        }
        KeySetReport after = verifier.verify(manifest, hsms);
        record(
                AuditOperation.SYNC,
                after.keySynced() ? AuditOutcome.OK : AuditOutcome.FAILED,
                zone,
                null,
                null,
                actions.size() + " action(s); "
                        + (after.keySynced() ? "key-synced" : after.problems().size() + " problem(s) left"));
        return new SyncResult(actions, refused, after);
    }

    private void copy(
            ZoneKeySet manifest, KeyCheck check, Optional<HsmId> from, KeySetReport before, List<String> actions)
            throws KeySyncException {
        Fingerprint fp = check.fingerprint().orElseThrow();
        DnssecKey key = manifest.find(fp).orElseThrow().key();
        HsmId sourceId = from.orElseGet(() -> before.checks().stream()
                .filter(c -> c.ok() && c.fingerprint().filter(fp::equals).isPresent())
                .map(KeyCheck::hsm)
                .findFirst()
                .orElse(null));
        if (sourceId == null) {
            throw new KeySyncException(
                    "zone " + key.zone() + " " + key.describe() + " is proven on no HSM; it cannot be copied."
                            + " Check the HSMs (signerctl keys verify), or generate a replacement key and roll over");
        }
        boolean provenOnSource = before.checks().stream()
                .anyMatch(c -> c.ok()
                        && c.hsm().equals(sourceId)
                        && c.fingerprint().filter(fp::equals).isPresent());
        if (!provenOnSource) {
            throw new KeySyncException("zone " + key.zone() + " " + key.describe()
                    + " is not present and proven on source HSM " + sourceId + "; choose another --from");
        }
        Hsm source = hsm(sourceId);
        Hsm target = hsm(check.hsm());
        HsmKey sourceKey = source.list(key.zone()).stream()
                .filter(k -> k.fingerprint().filter(fp::equals).isPresent())
                .findFirst()
                .orElseThrow(() -> new KeySyncException(key.describe() + " vanished from " + sourceId));
        WrappedKey wrapped;
        try {
            wrapped = source.wrap(sourceKey);
        } catch (HsmException e) {
            record(AuditOperation.WRAP, AuditOutcome.FAILED, key.zone(), sourceId, key, e.getMessage());
            throw e;
        }
        record(
                AuditOperation.WRAP,
                AuditOutcome.OK,
                key.zone(),
                sourceId,
                key,
                "wrapped under the cluster KEK for " + target.id());
        try {
            target.unwrap(wrapped);
        } catch (HsmException e) {
            record(AuditOperation.UNWRAP, AuditOutcome.FAILED, key.zone(), target.id(), key, e.getMessage());
            throw e;
        }
        record(AuditOperation.UNWRAP, AuditOutcome.OK, key.zone(), target.id(), key, "copied from " + sourceId);
        actions.add("copied " + key.describe() + " from " + sourceId + " to " + target.id());
    }

    private void removeClaimants(ZoneKeySet manifest, KeyCheck check, List<String> actions) throws KeySyncException {
        DnssecKey expected =
                manifest.find(check.fingerprint().orElseThrow()).orElseThrow().key();
        Hsm target = hsm(check.hsm());
        for (HsmKey k : target.list(expected.zone())) {
            boolean exact = k.holds(expected.fingerprint());
            if (exact || k.claims(expected)) {
                target.delete(k.ref());
                String what = "destroyed " + k.describe() + ": it claimed " + expected.describe() + " but "
                        + (exact ? "its private key does not match" : "holds another key");
                record(
                        AuditOperation.DELETE,
                        AuditOutcome.OK,
                        expected.zone(),
                        target.id(),
                        k.publicKey().orElse(null),
                        what);
                actions.add(what);
            }
        }
    }

    /**
     * Destroys a key that is not live in the manifest (an extra key, or one the manifest lists as REMOVED or
     * DELETED) on one HSM: {@code signerctl keys delete}. Refuses a live key: live keys leave only through a
     * rollover.
     */
    public void delete(ZoneName zone, HsmId on, Fingerprint fp) throws KeySyncException {
        ZoneKeySet manifest = manifest(zone);
        Optional<ZoneKeySet.Entry> entry = manifest.find(fp);
        if (entry.isPresent() && !entry.get().state().gone()) {
            record(
                    AuditOperation.DELETE,
                    AuditOutcome.REFUSED,
                    zone,
                    on,
                    entry.get().key(),
                    "live in the manifest");
            throw new KeySyncException("refusing to delete " + entry.get().key().describe() + " from " + on + ": it is "
                    + entry.get().state() + " in the manifest; a live key leaves only through a rollover");
        }
        Hsm hsm = hsm(on);
        List<HsmKey> matches = held(hsm.list(zone), fp);
        if (matches.isEmpty()) {
            throw new KeySyncException("zone " + zone + ": no key with fingerprint " + fp.hex() + " on HSM " + on);
        }
        destroy(zone, hsm, matches, "");
    }

    /**
     * Destroys, on each HSM of this {@code KeySync}, every key the zone's manifest lists as DELETED (the
     * rollover agent's DELETE_KEY, due once no cache can hold the key): what every node does with its own
     * copies. The keys are destroyed as {@link #delete} destroys them (audited as {@code DELETE}, with the
     * actor). Only DELETED keys are touched, matched by the fingerprint of the public key on the HSM; an HSM
     * that is absent or fails is reported and left for the next call. Idempotent: a key no longer held is
     * {@link Destruction.Result#NOT_HELD}.
     *
     * @throws ManifestException when the manifest cannot be read (nothing is destroyed)
     */
    public List<Destruction> destroyDeleted(ZoneName zone) throws ManifestException {
        ZoneKeySet manifest = manifest(zone);
        List<ZoneKeySet.Entry> deleted = manifest.deleted();
        List<Destruction> out = new ArrayList<>();
        if (deleted.isEmpty()) {
            return out;
        }
        for (Hsm hsm : hsms) {
            List<HsmKey> found;
            try {
                Optional<String> absent = hsm.absence();
                if (absent.isPresent()) {
                    throw new HsmException(hsm.id(), "token absent (" + absent.get() + ")");
                }
                found = hsm.list(zone);
            } catch (HsmException | RuntimeException e) {
                for (ZoneKeySet.Entry d : deleted) {
                    out.add(new Destruction(
                            d.key(), hsm.id(), Destruction.Result.FAILED, String.valueOf(e.getMessage())));
                }
                continue;
            }
            for (ZoneKeySet.Entry d : deleted) {
                List<HsmKey> matches = held(found, d.key().fingerprint());
                if (matches.isEmpty()) {
                    out.add(new Destruction(d.key(), hsm.id(), Destruction.Result.NOT_HELD, ""));
                    continue;
                }
                String why = ": DELETED in the manifest (version " + manifest.version() + ")"
                        + d.entered(KeyState.DELETED).map(t -> " since " + t).orElse("");
                try {
                    destroy(zone, hsm, matches, why);
                    out.add(new Destruction(d.key(), hsm.id(), Destruction.Result.DESTROYED, "destroyed" + why));
                } catch (KeySyncException | RuntimeException e) {
                    out.add(new Destruction(
                            d.key(), hsm.id(), Destruction.Result.FAILED, String.valueOf(e.getMessage())));
                }
            }
        }
        return out;
    }

    /** The objects of {@code found} whose public key has fingerprint {@code fp}. */
    private static List<HsmKey> held(List<HsmKey> found, Fingerprint fp) {
        return found.stream()
                .filter(k -> k.fingerprint().filter(fp::equals).isPresent())
                .toList();
    }

    /** The one deletion path: destroys each object on the HSM and audits it ({@code why} is appended). */
    private void destroy(ZoneName zone, Hsm hsm, List<HsmKey> matches, String why) throws KeySyncException {
        for (HsmKey k : matches) {
            try {
                hsm.delete(k.ref());
            } catch (HsmException e) {
                record(
                        AuditOperation.DELETE,
                        AuditOutcome.FAILED,
                        zone,
                        hsm.id(),
                        k.publicKey().orElse(null),
                        "could not destroy " + k.describe() + why + ": " + e.getMessage());
                throw e;
            }
            record(
                    AuditOperation.DELETE,
                    AuditOutcome.OK,
                    zone,
                    hsm.id(),
                    k.publicKey().orElse(null),
                    "destroyed " + k.describe() + why);
        }
    }

    /**
     * Wraps a GENERATED or live manifest key under the cluster KEK for another node ({@code
     * ImportWrappedKey} there), from an HSM of this {@code KeySync} that holds it and proves it now
     * with a fresh nonce (a key whose private half does not match is never sent). Audited as {@code
     * WRAP}.
     *
     * @param destination the node the blob is for, for the audit log and messages
     * @throws KeySyncException when the manifest does not list the key as live, no HSM here holds it
     *     proven, or the HSM cannot wrap it (no KEK)
     */
    public WrappedKey wrapFor(ZoneName zone, Fingerprint fp, String destination) throws KeySyncException {
        Objects.requireNonNull(destination, "destination");
        ZoneKeySet.Entry entry = liveEntry(manifest(zone), fp, AuditOperation.WRAP);
        List<String> notes = new ArrayList<>();
        for (Hsm hsm : hsms) {
            Optional<HsmKey> held;
            try {
                held = hsm.list(zone).stream()
                        .filter(k -> k.fingerprint().filter(fp::equals).isPresent())
                        .findFirst();
            } catch (HsmException e) {
                notes.add(e.getMessage());
                continue;
            }
            if (held.isEmpty()) {
                continue;
            }
            Optional<String> unproven = proveNow(hsm, held.get(), entry.key());
            if (unproven.isPresent()) {
                notes.add("HSM " + hsm.id() + " holds it but " + unproven.get());
                continue;
            }
            WrappedKey wrapped;
            try {
                wrapped = hsm.wrap(held.get());
            } catch (HsmException e) {
                record(
                        AuditOperation.WRAP,
                        AuditOutcome.FAILED,
                        zone,
                        hsm.id(),
                        entry.key(),
                        "for " + destination + ": " + e.getMessage());
                throw e;
            }
            record(
                    AuditOperation.WRAP,
                    AuditOutcome.OK,
                    zone,
                    hsm.id(),
                    entry.key(),
                    "proven, then wrapped under the" + " cluster KEK for " + destination);
            return wrapped;
        }
        String why = "zone " + zone + " " + entry.key().describe() + ": no HSM here ("
                + String.join(", ", hsms.stream().map(h -> h.id().name()).toList()) + ") holds it proven"
                + (notes.isEmpty() ? "" : ": " + String.join("; ", notes));
        record(AuditOperation.WRAP, AuditOutcome.REFUSED, zone, null, entry.key(), "for " + destination + ": " + why);
        throw new KeySyncException(why);
    }

    /**
     * Unwraps a key another node exported into every HSM of this {@code KeySync} that lacks it, and
     * proves it there at once with a fresh nonce against the manifest's public key; an object that
     * fails the proof is destroyed again. The same rules as the KeySync service's {@code
     * ImportWrappedKey}: only a key the manifest lists (live) with the blob's fingerprint, role and
     * algorithm; the object is made from the manifest's entry, not from the blob's descriptor; an
     * HSM where another object claims the key's identity, or whose KEK differs from the blob's, is
     * refused before anything is imported anywhere. Audited as {@code UNWRAP}.
     *
     * @param source the node the blob came from, for the audit log and messages
     * @return the HSMs that hold the key now, proven (imported now or held already)
     * @throws KeySyncException naming zone, key, HSM and the reason when anything is refused or fails
     */
    public List<HsmId> importWrapped(WrappedKey wrapped, String source) throws KeySyncException {
        Objects.requireNonNull(wrapped, "wrapped");
        Objects.requireNonNull(source, "source");
        DnssecKey claimed = wrapped.key();
        ZoneKeySet.Entry entry = liveEntry(manifest(claimed.zone()), claimed.fingerprint(), AuditOperation.UNWRAP);
        DnssecKey key = entry.key();
        if (key.role() != claimed.role() || key.algorithm() != claimed.algorithm()) {
            String why = "the blob from " + source + " describes " + claimed.describe() + " but the manifest lists "
                    + key.describe();
            record(AuditOperation.UNWRAP, AuditOutcome.REFUSED, key.zone(), null, key, why);
            throw new KeySyncException("zone " + key.zone() + ": " + why + "; not imported");
        }
        WrappedKey ours = new WrappedKey(key, wrapped.mechanism(), wrapped.blob(), wrapped.kekCheckValue());
        Map<Hsm, Optional<HsmKey>> held = new LinkedHashMap<>();
        for (Hsm hsm : hsms) {
            held.put(hsm, precheckImport(hsm, ours, source));
        }
        List<HsmId> proven = new ArrayList<>();
        for (Map.Entry<Hsm, Optional<HsmKey>> target : held.entrySet()) {
            Hsm hsm = target.getKey();
            if (target.getValue().isPresent()) {
                Optional<String> unproven = proveNow(hsm, target.getValue().get(), key);
                if (unproven.isPresent()) {
                    record(
                            AuditOperation.UNWRAP,
                            AuditOutcome.REFUSED,
                            key.zone(),
                            hsm.id(),
                            key,
                            "already held but " + unproven.get() + "; left alone");
                    throw new KeySyncException("zone " + key.zone() + ": HSM " + hsm.id() + " already holds "
                            + key.describe() + " but " + unproven.get() + "; replace it deliberately: signerctl keys"
                            + " sync --zone " + key.zone() + " --replace-diverged");
                }
                proven.add(hsm.id());
                continue;
            }
            HsmKey object;
            try {
                object = hsm.unwrap(ours);
            } catch (HsmException e) {
                record(
                        AuditOperation.UNWRAP,
                        AuditOutcome.FAILED,
                        key.zone(),
                        hsm.id(),
                        key,
                        "from " + source + ": " + e.getMessage());
                throw e;
            }
            Optional<String> unproven = proveNow(hsm, object, key);
            if (unproven.isPresent()) {
                hsm.delete(object.ref());
                record(
                        AuditOperation.UNWRAP,
                        AuditOutcome.FAILED,
                        key.zone(),
                        hsm.id(),
                        key,
                        "from " + source + ": unwrapped but " + unproven.get() + "; the object was destroyed again");
                throw new KeySyncException(
                        "zone " + key.zone() + ": " + key.describe() + " from " + source + " unwrapped into HSM "
                                + hsm.id() + " but " + unproven.get() + "; the object was destroyed again");
            }
            record(
                    AuditOperation.UNWRAP,
                    AuditOutcome.OK,
                    key.zone(),
                    hsm.id(),
                    key,
                    "from " + source + "; proven with a fresh nonce");
            proven.add(hsm.id());
        }
        return List.copyOf(proven);
    }

    /**
     * Promotes a GENERATED key to PUBLISHED in the manifest (compare-and-set; a concurrent writer
     * means a fresh read and another try). The caller has proven the key on every node of the
     * cluster first: only then may it be published (replicate before publish). Audited as {@code
     * MANIFEST_UPDATE}.
     *
     * @param proof what proved it, for the audit log ("proven on node-a (dc1-hsm1), node-b (dc2-hsm1)")
     * @return false when the key is no longer GENERATED (promoted or changed meanwhile): nothing written
     * @throws KeySyncException when the manifest cannot be read or written, or the key is not in it
     */
    public boolean promote(ZoneName zone, Fingerprint fp, String proof) throws KeySyncException {
        Objects.requireNonNull(proof, "proof");
        for (int attempt = 1; ; attempt++) {
            ZoneKeySet current = manifest(zone);
            Optional<ZoneKeySet.Entry> entry = current.find(fp);
            if (entry.isEmpty()) {
                throw new KeySyncException("zone " + zone + ": no key with fingerprint " + fp.hex()
                        + " in the manifest (version " + current.version() + "); nothing to promote");
            }
            if (entry.get().state() != KeyState.GENERATED) {
                return false;
            }
            try {
                write(current, current.withState(fp, KeyState.GENERATED, KeyState.PUBLISHED, clock.instant()));
            } catch (ManifestConflictException e) {
                if (attempt >= MAX_CAS_RETRIES) {
                    throw e;
                }
                continue;
            }
            record(
                    AuditOperation.MANIFEST_UPDATE,
                    AuditOutcome.OK,
                    zone,
                    null,
                    entry.get().key(),
                    "GENERATED -> PUBLISHED: " + proof);
            LOG.info(
                    "zone={} key={} tag={} role={} promoted GENERATED -> PUBLISHED: {}",
                    zone,
                    fp.shortHex(),
                    entry.get().key().keyTag(),
                    entry.get().key().role(),
                    proof);
            return true;
        }
    }

    /**
     * Writes {@code next} over {@code current} with one compare-and-set on {@code current}'s version (no
     * retry: the caller planned {@code next} from {@code current} and plans again on a conflict), and
     * audits every key whose state changed as {@code MANIFEST_UPDATE} ({@code PUBLISHED -> ACTIVE: why}).
     * The rollover agent's state steps; the caller has checked that every key it publishes or uses is
     * proven on every HSM.
     *
     * @throws ManifestConflictException when the manifest changed since {@code current} was read
     * @throws KeySyncException when the manifest cannot be written
     */
    public void update(ZoneKeySet current, ZoneKeySet next, String why) throws KeySyncException {
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(next, "next");
        Objects.requireNonNull(why, "why");
        if (!current.zone().equals(next.zone()) || !current.exists()) {
            throw new IllegalArgumentException(
                    "zone " + current.zone() + ": an update needs the zone's stored manifest");
        }
        write(current, next);
        for (ZoneKeySet.Entry after : next.entries()) {
            Optional<ZoneKeySet.Entry> before = current.find(after.key().fingerprint());
            if (before.isPresent() && before.get().state() != after.state()) {
                record(
                        AuditOperation.MANIFEST_UPDATE,
                        AuditOutcome.OK,
                        next.zone(),
                        null,
                        after.key(),
                        before.get().state() + " -> " + after.state() + ": " + why);
            }
        }
    }

    private ZoneKeySet.Entry liveEntry(ZoneKeySet manifest, Fingerprint fp, AuditOperation op) throws KeySyncException {
        Objects.requireNonNull(fp, "fp");
        Optional<ZoneKeySet.Entry> entry = manifest.find(fp);
        if (entry.isEmpty() || entry.get().state().gone()) {
            String why = "zone " + manifest.zone() + ": the key with fingerprint " + fp.hex() + " is "
                    + (entry.isEmpty() ? "not in the manifest" : entry.get().state() + " in the manifest")
                    + " (version "
                    + manifest.version() + "); only manifest keys move between HSMs";
            audit(new AuditEvent(
                    clock.instant(),
                    op,
                    manifest.zone().toString(),
                    "",
                    fp.hex(),
                    null,
                    "",
                    AuditOutcome.REFUSED,
                    why,
                    actor));
            throw new KeySyncException(why);
        }
        return entry.get();
    }

    /** Whether the HSM already holds exactly this key; refuses a claimant or a KEK that is not the blob's. */
    private Optional<HsmKey> precheckImport(Hsm hsm, WrappedKey wrapped, String source) throws KeySyncException {
        DnssecKey key = wrapped.key();
        Fingerprint fp = key.fingerprint();
        List<HsmKey> keys = hsm.list(key.zone());
        Optional<HsmKey> exact = keys.stream().filter(k -> k.holds(fp)).findFirst();
        if (exact.isPresent()) {
            return exact;
        }
        Optional<HsmKey> claimant = keys.stream().filter(k -> k.claims(key)).findFirst();
        String refusal = null;
        if (claimant.isPresent()) {
            refusal = "HSM " + hsm.id() + " already holds " + claimant.get().describe() + " claiming the identity of "
                    + key.describe() + "; replace the stray key deliberately: signerctl keys sync --zone " + key.zone()
                    + " --replace-diverged";
        } else {
            Optional<byte[]> kcv = hsm.kekCheckValue();
            if (kcv.isEmpty()) {
                refusal = "HSM " + hsm.id() + " holds no cluster KEK; enrol it first: signerctl kek enrol --to "
                        + hsm.id();
            } else if (!Arrays.equals(kcv.get(), wrapped.kekCheckValue())) {
                refusal = "KEK differs: HSM " + hsm.id() + " has check value "
                        + HexFormat.of().formatHex(kcv.get()) + ", the key from " + source + " was wrapped under "
                        + HexFormat.of().formatHex(wrapped.kekCheckValue());
            }
        }
        if (refusal != null) {
            record(
                    AuditOperation.UNWRAP,
                    AuditOutcome.REFUSED,
                    key.zone(),
                    hsm.id(),
                    key,
                    "from " + source + ": " + refusal);
            throw new KeySyncException("zone " + key.zone() + ": " + refusal + "; nothing was imported");
        }
        return Optional.empty();
    }

    /** Signs a fresh nonce with the object and verifies it with the manifest's key; empty when it holds. */
    private Optional<String> proveNow(Hsm hsm, HsmKey object, DnssecKey expected) {
        byte[] nonce = verifier.nonce();
        try {
            return PossessionProof.verify(
                    expected, nonce, PossessionProof.sign(hsm, object.ref(), expected, nonce, clock), clock);
        } catch (HsmException e) {
            return Optional.of("cannot sign the proof: " + e.getMessage());
        }
    }

    /** Each HSM's KEK check value (hex), or empty when it holds none. */
    public Map<HsmId, Optional<String>> kekStatus() throws HsmException {
        Map<HsmId, Optional<String>> out = new LinkedHashMap<>();
        for (Hsm h : hsms) {
            out.put(h.id(), h.kekCheckValue().map(HexFormat.of()::formatHex));
        }
        return out;
    }

    /** Generates the cluster KEK on the first HSM of a new cluster. */
    public String kekInit(HsmId on) throws KeySyncException {
        Map<HsmId, Optional<String>> status = kekStatus();
        List<String> holders = status.entrySet().stream()
                .filter(e -> e.getValue().isPresent())
                .map(e -> e.getKey().name())
                .toList();
        if (!holders.isEmpty()) {
            throw new KekMismatchException("the cluster KEK already exists on " + String.join(", ", holders)
                    + "; enrol " + on + " from one of them instead: signerctl kek enrol --from " + holders.get(0)
                    + " --to " + on);
        }
        String kcv = HexFormat.of().formatHex(hsm(on).generateKek());
        record(AuditOperation.KEK_INIT, AuditOutcome.OK, null, on, null, "cluster KEK generated, check value " + kcv);
        return kcv;
    }

    /**
     * Enrols an HSM with the cluster KEK without exposing it: the new HSM generates an RSA
     * transport key inside, the KEK holder wraps the KEK under its public half (RSA-OAEP), the new
     * HSM unwraps it inside. Returns the check value, equal on both.
     */
    public String kekEnrol(HsmId from, HsmId to) throws KeySyncException {
        Hsm source = hsm(from);
        Hsm target = hsm(to);
        if (source.kekCheckValue().isEmpty()) {
            throw new KekMismatchException("HSM " + from + " holds no cluster KEK to enrol " + to + " with");
        }
        byte[] sourceKcv = source.kekCheckValue().orElseThrow();
        TransportKey transport = target.newTransportKey();
        byte[] kcv;
        try {
            kcv = target.importKek(transport, source.exportKek(transport), sourceKcv);
        } catch (HsmException e) {
            record(
                    AuditOperation.KEK_ENROL,
                    AuditOutcome.FAILED,
                    null,
                    to,
                    null,
                    "from " + from + ": " + e.getMessage());
            throw e;
        }
        String hex = HexFormat.of().formatHex(kcv);
        String expected = HexFormat.of().formatHex(source.kekCheckValue().orElseThrow());
        if (!hex.equals(expected)) {
            record(
                    AuditOperation.KEK_ENROL,
                    AuditOutcome.FAILED,
                    null,
                    to,
                    null,
                    "check value " + hex + " != " + expected);
            throw new KekMismatchException(
                    "enrolment of " + to + " produced KEK check value " + hex + " but " + from + " has " + expected);
        }
        record(
                AuditOperation.KEK_ENROL,
                AuditOutcome.OK,
                null,
                to,
                null,
                "cluster KEK from " + from + " via RSA-OAEP transport key, check value " + hex);
        return hex;
    }

    private void requireSharedKek() throws KeySyncException {
        Map<HsmId, Optional<String>> status = kekStatus();
        List<String> missing = status.entrySet().stream()
                .filter(e -> e.getValue().isEmpty())
                .map(e -> e.getKey().name())
                .toList();
        if (!missing.isEmpty()) {
            throw new KekMismatchException("HSM(s) " + String.join(", ", missing) + " hold no cluster KEK: "
                    + (missing.size() == status.size()
                            ? "run signerctl kek init --hsm " + missing.get(0) + ", then "
                            : "")
                    + "signerctl kek enrol --to <hsm> for each");
        }
        long distinct = status.values().stream().map(Optional::get).distinct().count();
        if (distinct > 1) {
            throw new KekMismatchException(
                    "the HSMs hold different KEKs (check values " + status + "); keys cannot move between them");
        }
    }

    private void destroyAfterFailure(Hsm hsm, HsmKey key, String why) {
        try {
            hsm.delete(key.ref());
            record(
                    AuditOperation.DELETE,
                    AuditOutcome.OK,
                    key.zone(),
                    hsm.id(),
                    key.publicKey().orElse(null),
                    "destroyed the just generated key: " + why);
        } catch (KeySyncException e) {
            LOG.error(
                    "zone={} hsm={} could not destroy the key generated before the failure ({}): {}",
                    key.zone(),
                    hsm.id(),
                    why,
                    e.getMessage());
        }
    }

    private void record(AuditOperation op, AuditOutcome outcome, ZoneName zone, HsmId hsm, DnssecKey key, String detail)
            throws KeySyncException {
        audit(new AuditEvent(
                clock.instant(),
                op,
                zone == null ? "" : zone.toString(),
                hsm == null ? "" : hsm.name(),
                key == null ? "" : key.fingerprint().hex(),
                key == null ? null : key.keyTag().value(),
                key == null ? "" : key.role().name(),
                outcome,
                detail,
                actor));
    }

    private void audit(AuditEvent event) throws KeySyncException {
        audit.append(event);
    }
}
