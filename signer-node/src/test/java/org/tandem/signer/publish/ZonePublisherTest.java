package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.signer.publish.PublishTestZones.ZONE;
import static org.tandem.signer.publish.PublishTestZones.a;
import static org.tandem.signer.publish.PublishTestZones.version;
import static org.tandem.signer.publish.PublishTestZones.with;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.signer.SigningException;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.GateRefusedException;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Record;

class ZonePublisherTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    @TempDir
    Path dir;

    private final AtomicBoolean lease = new AtomicBoolean(true);
    private final List<Long> committed = new ArrayList<>();
    private ZoneDirectory directory;
    private ZonePublisher publisher;
    private SoftwareSignedZones signer;

    @BeforeEach
    void setUp() throws Exception {
        directory = new ZoneDirectory(dir, Retention.all());
        publisher = new ZonePublisher(
                new ValidationGate(GatePolicy.defaults().withThreads(1)),
                directory,
                Optional.empty(),
                lease::get,
                Clock.fixed(NOW, ZoneOffset.UTC));
        signer = new SoftwareSignedZones();
    }

    private ZonePublisher.FencedCommit recordingCommit() {
        return (staged, verdict) -> committed.add(staged.serial());
    }

    @Test
    void aZoneThatPassesTheGateIsCommittedThenPublished() throws Exception {
        SignedZone v1 = signer.sign(version(1, 5, 0), NOW);
        ZonePublisher.Result r = publisher.publish(v1, (staged, verdict) -> {
            assertThat(verdict.passed()).isTrue();
            assertThat(directory.currentFile(ZONE)).doesNotExist(); // the commit sits before promote
            committed.add(staged.serial());
        });
        assertThat(committed).containsExactly(1L);
        assertThat(r.published().versionFile()).exists();
        assertThat(SignedZoneFile.read(directory.currentFile(ZONE), ZONE.name()))
                .containsExactlyElementsOf(v1.records());
        assertThat(publisher.healthy()).isTrue();
        assertThat(publisher.health(ZONE).orElseThrow().publishedSerial()).contains(1L);
    }

    @Test
    void aGateRefusalKeepsTheLastGoodZoneAndMarksTheZoneUnhealthy() throws Exception {
        // INV-D1, F15: a bogus signature is stopped at the gate; the last good zone stays
        SignedZone v1 = signer.sign(version(1, 5, 0), NOW);
        publisher.publish(v1, recordingCommit());
        SignedZone v2 = signer.sign(version(2, 5, 0), NOW);
        // tamper after signing: one address no longer matches its RRSIG (DENIC shape)
        List<Record> tampered = new ArrayList<>(v2.records());
        int i = indexOfFirstA(tampered);
        ARecord old = (ARecord) tampered.get(i);
        tampered.set(i, a(old.getName().relativize(ZONE.name()).toString(), old.getTTL(), "203.0.113.66"));
        SignedZone bad = new SignedZone(ZONE, 2, tampered, 0, 0, Duration.ZERO);

        assertThatThrownBy(() -> publisher.publish(bad, recordingCommit())).isInstanceOf(GateRefusedException.class);
        assertThat(committed).containsExactly(1L); // never committed
        assertThat(SignedZoneFile.read(directory.currentFile(ZONE), ZONE.name()))
                .containsExactlyElementsOf(v1.records());
        assertThat(directory.versions(ZONE)).containsExactly(1L);
        assertThat(publisher.healthy()).isFalse();
        ZoneHealth h = publisher.health(ZONE).orElseThrow();
        assertThat(h.publishedSerial()).contains(1L);
        assertThat(h.lastFailure().orElseThrow()).contains("serial 2");
        assertThat(noTemporaryFiles()).isTrue();

        publisher.publish(v2, recordingCommit()); // a good version heals it
        assertThat(publisher.healthy()).isTrue();
    }

    @Test
    void aRefusedFencedCommitPublishesNothing() throws Exception {
        // INV-L4: a stale leader's commit fails, so nothing it staged becomes visible
        SignedZone v1 = signer.sign(version(1, 5, 0), NOW);
        assertThatThrownBy(() -> publisher.publish(v1, (staged, verdict) -> {
                    throw new SigningException("epoch 3 is stale: BadVersion");
                }))
                .hasMessageContaining("epoch 3 is stale");
        assertThat(directory.currentFile(ZONE)).doesNotExist();
        assertThat(noTemporaryFiles()).isTrue();
    }

    @Test
    void losingTheLeaseDuringTheCommitDiscardsTheStagedVersion() throws Exception {
        // INV-L3: the local lease is checked again right before the version becomes visible
        SignedZone v1 = signer.sign(version(1, 5, 0), NOW);
        assertThatThrownBy(() -> publisher.publish(v1, (staged, verdict) -> lease.set(false)))
                .isInstanceOf(ZonePublisher.NotLeaderException.class)
                .hasMessageContaining("before promote");
        assertThat(directory.currentFile(ZONE)).doesNotExist();
        assertThat(noTemporaryFiles()).isTrue();
        assertThatThrownBy(() -> publisher.publish(v1, recordingCommit()))
                .isInstanceOf(ZonePublisher.NotLeaderException.class)
                .hasMessageContaining("before validation");
        assertThat(committed).isEmpty();
    }

    @Test
    void aSerialPublishedWithOtherRecordsIsRefusedBeforeTheCommit() throws Exception {
        SignedZone v1 = signer.sign(version(1, 5, 0), NOW);
        publisher.publish(v1, recordingCommit());
        SignedZone other = signer.sign(with(version(1, 5, 0), 1, 4, a("h1", 300, "198.51.100.1")), NOW);
        assertThatThrownBy(() -> publisher.publish(other, recordingCommit()))
                .isInstanceOf(ZoneVersionConflictException.class);
        assertThat(committed).containsExactly(1L);
    }

    private static int indexOfFirstA(List<Record> records) {
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i) instanceof ARecord r && r.getName().toString().startsWith("h")) {
                return i;
            }
        }
        throw new AssertionError("no host A record");
    }

    private boolean noTemporaryFiles() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp"));
        }
    }
}
