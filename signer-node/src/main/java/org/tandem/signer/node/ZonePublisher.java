package org.tandem.signer.node;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.manifest.ManifestStore;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.signer.SigningException;
import org.tandem.signer.election.Leadership;
import org.tandem.signer.election.LedgerException;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.publish.SignedZoneFile;
import org.tandem.signer.publish.StagedZone;
import org.tandem.signer.publish.TransferServer;
import org.tandem.signer.publish.ZoneDirectory;
import org.tandem.signer.sign.CanaryFailedException;
import org.tandem.signer.sign.ProvenKeys;
import org.tandem.signer.sign.SignedZone;
import org.tandem.signer.sign.SigningKey;
import org.tandem.signer.sign.ZoneSigner;
import org.tandem.signer.zone.UnsignedZone;
import org.tandem.signer.zone.ZoneLoadException;
import org.tandem.signer.zone.ZoneLoader;
import org.xbill.DNS.Record;

/**
 * One zone's way from its unsigned source to the distribution layer, as the leader runs it:
 *
 * <ol>
 *   <li>load the source (a rejected source keeps the last good zone published);
 *   <li>take the zone's keys from this node's HSM, proven now ({@link ProvenKeys});
 *   <li>sign with a serial above every serial the cluster ever committed ({@link PublishLedger#nextSerial});
 *       the capability canary runs first;
 *   <li>the independent validation gate (INV-D1); a refusal keeps the last good zone and marks the
 *       zone failed;
 *   <li>stage the file, then commit serial and content digest in ZooKeeper fenced by the epoch
 *       (INV-L4, INV-L5), then promote the file and hand the version to the transfer server.
 * </ol>
 *
 * Before each irreversible step the leadership is checked ({@link Leadership#isValid()}, the local
 * lease); a version staged by a node that lost leadership is discarded, and a late commit is refused
 * by ZooKeeper itself.
 *
 * <p>Threads: one publisher per zone, used by one thread at a time (the daemon's zone worker).
 */
final class ZonePublisher {
    private static final Logger LOG = LoggerFactory.getLogger(ZonePublisher.class);

    /** What a run did. */
    sealed interface Outcome {
        /** Published: committed, promoted, served. */
        record Published(PublishRecord record, SignedZone zone, GateVerdict verdict) implements Outcome {}

        /** Nothing published; {@code stage} says where it stopped, {@code reason} why. */
        record Stopped(Stage stage, String reason) implements Outcome {}
    }

    /** Where a run stopped. */
    enum Stage {
        NOT_LEADER,
        SOURCE,
        KEYS,
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
    private final Optional<TransferServer> transfer;
    private final Clock clock;

    ZonePublisher(ZoneConfig zone, Hsm hsm, ManifestStore store, KeySetVerifier verifier, ZoneSigner signer,
            ValidationGate gate, PublishLedger ledger, ZoneDirectory directory, Optional<TransferServer> transfer,
            Clock clock) {
        this.zone = Objects.requireNonNull(zone, "zone");
        this.hsm = Objects.requireNonNull(hsm, "hsm");
        this.store = Objects.requireNonNull(store, "store");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.transfer = Objects.requireNonNull(transfer, "transfer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    ZoneConfig zone() {
        return zone;
    }

    ZoneDirectory directory() {
        return directory;
    }

    /**
     * Signs, gates and publishes the zone under {@code leadership}.
     *
     * @param why for the log: what made this run (leadership gained, source changed, refresh due)
     * @throws InterruptedException if interrupted (the node is stopping); nothing half-published
     */
    Outcome publish(Leadership leadership, String why) throws InterruptedException {
        Objects.requireNonNull(leadership, "leadership");
        if (!leadership.isValid()) {
            return new Outcome.Stopped(Stage.NOT_LEADER, "not the leader (lease or leadership lost)");
        }
        Instant now = clock.instant();
        UnsignedZone unsigned;
        try {
            unsigned = ZoneLoader.load(zone.source(), zone.name());
        } catch (ZoneLoadException e) {
            return stopped(Stage.SOURCE, e.getMessage());
        }
        List<SigningKey> keys;
        try {
            keys = ProvenKeys.on(store, verifier, zone.name(), hsm);
        } catch (KeySyncException | RuntimeException e) {
            return stopped(Stage.KEYS, e.getMessage());
        }
        SignedZone signed;
        GateVerdict verdict;
        try {
            long previous = previousSerial(unsigned);
            signed = signer.sign(unsigned, keys, zone.policy(), now, previous);
            long allocated = ledger.nextSerial(zone.name(), signed.serial());
            if (allocated != signed.serial()) {
                // The ledger knows a higher serial than the local files (another node published):
                // sign again from it, so the serial never goes backwards (INV-L5).
                signed = signer.sign(unsigned, keys, zone.policy(), now, minusOne(allocated));
            }
        } catch (CanaryFailedException e) {
            return stopped(Stage.CANARY, e.getMessage());
        } catch (LedgerException e) {
            return stopped(Stage.FENCED, e.getMessage());
        } catch (SigningException e) {
            return stopped(Stage.SIGN, e.getMessage());
        }
        verdict = gate.verify(zone.name().name(), signed.records(), now);
        if (!verdict.passed()) {
            return stopped(Stage.GATE, verdict.summary());
        }
        return commitAndPromote(leadership, signed, verdict, why);
    }

    private Outcome commitAndPromote(Leadership leadership, SignedZone signed, GateVerdict verdict, String why) {
        StagedZone staged;
        try {
            staged = directory.stage(signed);
        } catch (SigningException e) {
            return stopped(Stage.WRITE, e.getMessage());
        }
        try (staged) {
            if (!leadership.isValid()) {
                return stopped(Stage.NOT_LEADER, "leadership lost while signing; serial " + signed.serial() + " discarded");
            }
            PublishRecord record;
            try {
                record = ledger.commit(leadership, zone.name(), signed.serial(), digest(signed.records()));
            } catch (LedgerException e) {
                return stopped(Stage.FENCED, e.getMessage());
            }
            try {
                staged.promote();
            } catch (SigningException e) {
                // Committed but not on disk: the next run publishes a higher serial; secondaries never
                // saw this one, so no serial carries two contents.
                return stopped(Stage.WRITE, "committed serial " + signed.serial() + " but could not write it: "
                        + e.getMessage());
            }
            if (transfer.isPresent()) {
                try {
                    transfer.get().serve(signed);
                } catch (SigningException e) {
                    return stopped(Stage.WRITE, "published serial " + signed.serial() + " to " + directory.root()
                            + " but the transfer server refused it: " + e.getMessage());
                }
            }
            LOG.info("zone={} event=published serial={} epoch={} node={} why=\"{}\" signatures={} gate-ms={}", zone.name(),
                    signed.serial(), leadership.epoch(), leadership.node(), why, signed.signatures(),
                    verdict.elapsed().toMillis());
            return new Outcome.Published(record, signed, verdict);
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
            keys = ProvenKeys.on(store, verifier, zone.name(), hsm);
        } catch (ProvenKeys.NotKeySyncedException e) {
            return new ZoneSelfTest(zone.name(), false, "not run: the keys are not proven on " + hsm.id(), false,
                    e.report().problems().stream().map(c -> c.describe() + "; fix: " + c.fix()).toList());
        } catch (KeySyncException | RuntimeException e) {
            return new ZoneSelfTest(zone.name(), false, "not run: the keys are not proven on " + hsm.id(), false,
                    List.of(String.valueOf(e.getMessage())));
        }
        Instant now = clock.instant();
        try {
            UnsignedZone unsigned = ZoneLoader.load(zone.source(), zone.name());
            SignedZone signed = signer.sign(unsigned, keys, zone.policy(), now, unsigned.soa().getSerial());
            GateVerdict verdict = gate.verify(zone.name().name(), signed.records(), now);
            String detail = "canary passed; signed " + signed.signedRrsets() + " RRsets in memory; gate "
                    + (verdict.passed() ? "passed (" + verdict.signaturesVerified() + " signatures)" : "refused: " + verdict.summary());
            return new ZoneSelfTest(zone.name(), verdict.passed(), detail, true, List.of());
        } catch (CanaryFailedException e) {
            return new ZoneSelfTest(zone.name(), false, e.getMessage(), true, List.of());
        } catch (SigningException e) {
            return new ZoneSelfTest(zone.name(), false, "signing failed: " + e.getMessage(), true, List.of());
        }
    }

    /** The serial this run continues from: the last one committed by the cluster, else the local files. */
    private long previousSerial(UnsignedZone unsigned) throws SigningException {
        Optional<PublishRecord> last = ledger.last(zone.name());
        if (last.isPresent()) {
            return last.get().serial();
        }
        return SignedZoneFile.serial(directory.currentFile(zone.name()), zone.name().name())
                .orElse(unsigned.soa().getSerial());
    }

    private static long minusOne(long serial) {
        return (serial - 1) & 0xFFFF_FFFFL;
    }

    private Outcome stopped(Stage stage, String reason) {
        LOG.warn("zone={} event=publish-stopped stage={} reason=\"{}\"", zone.name(), stage, reason);
        return new Outcome.Stopped(stage, reason);
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
}
