package org.tandem.signer.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.KeyTag;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeStatus;
import org.tandem.signer.node.ZoneStatus;
import org.tandem.signer.publish.TransferEvent;

/** The transfer counters, latency histograms and key series, read from the Prometheus text. */
class TransferSigningAndKeyMetricsTest {
    private static final ZoneName COM = ZoneName.of("example.com");
    private static final Instant CREATED = Instant.parse("2026-11-01T00:00:00Z");

    private final NodeMetrics metrics = new NodeMetrics(
            "node-a",
            List.of(COM),
            () -> new NodeStatus(
                    "node-a",
                    "dc1",
                    NodeRole.LEADER,
                    3,
                    Duration.ofSeconds(5),
                    List.of(),
                    List.of(ZoneStatus.initial(COM)),
                    CREATED));

    @Test
    void countsTransfersPerZoneAndResultAndRequestsForOtherZonesUnderOneLabel() {
        metrics.transfer(Optional.of(COM), TransferEvent.AXFR_SERVED);
        metrics.transfer(Optional.of(COM), TransferEvent.AXFR_SERVED);
        metrics.transfer(Optional.of(COM), TransferEvent.NOTIFY_ACKNOWLEDGED);
        metrics.transfer(Optional.empty(), TransferEvent.IXFR_REFUSED);

        String text = metrics.scrape();

        assertThat(text)
                .contains("tandem_transfer_axfr_total{node=\"node-a\",result=\"served\",zone=\"example.com.\"} 2.0")
                .contains("tandem_transfer_axfr_total{node=\"node-a\",result=\"refused\",zone=\"example.com.\"} 0.0")
                .contains("tandem_transfer_notify_sent_total{node=\"node-a\",result=\"acknowledged\","
                        + "zone=\"example.com.\"} 1")
                .contains("tandem_transfer_ixfr_total{node=\"node-a\",result=\"refused\",zone=\"(not served)\"} 1.0")
                .contains("tandem_transfer_notify_received_total{node=\"node-a\",result=\"refused\","
                        + "zone=\"example.com.\"} 0.0");
        assertThatThrownBy(() -> metrics.transfer(Optional.of(ZoneName.of("example.org")), TransferEvent.AXFR_SERVED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("example.org.");
    }

    @Test
    void signingAndPublishLatencyAreHistogramsWithSloBuckets() {
        metrics.signed(COM, Duration.ofMillis(300));
        metrics.published(COM, Duration.ofSeconds(3));

        String text = metrics.scrape();

        String z = "{node=\"node-a\",zone=\"example.com.\",le=";
        assertThat(text)
                .contains("tandem_signing_duration_seconds_bucket" + z + "\"0.25\"} 0")
                .contains("tandem_signing_duration_seconds_bucket" + z + "\"0.5\"} 1")
                .contains("tandem_signing_duration_seconds_count{node=\"node-a\",zone=\"example.com.\"} 1")
                .contains("tandem_publish_duration_seconds_bucket" + z + "\"2.5\"} 0")
                .contains("tandem_publish_duration_seconds_bucket" + z + "\"5.0\"} 1")
                .contains("tandem_publish_duration_seconds_bucket" + z + "\"600.0\"} 1");
    }

    @Test
    void keySeriesFollowTheManifestAndVanishWithTheKey() {
        KeyFacts ksk = new KeyFacts(
                KeyRole.KSK,
                new KeyTag(12345),
                Algorithm.ECDSAP256SHA256,
                KeyState.ACTIVE,
                CREATED,
                Optional.of(CREATED.plus(Duration.ofDays(365))),
                Map.of("retire", CREATED.plus(Duration.ofDays(300))));
        KeyFacts zsk = new KeyFacts(
                KeyRole.ZSK,
                new KeyTag(54321),
                Algorithm.ECDSAP256SHA256,
                KeyState.GENERATED,
                CREATED,
                Optional.empty(),
                Map.of());
        metrics.keys(COM, List.of(ksk, zsk));

        String text = metrics.scrape();

        String k = "algorithm=\"13\",node=\"node-a\",role=\"KSK\"";
        assertThat(text)
                .contains("tandem_key_info{" + k + ",state=\"ACTIVE\",tag=\"12345\",zone=\"example.com.\"} 1")
                .contains("tandem_key_info{algorithm=\"13\",node=\"node-a\",role=\"ZSK\",state=\"GENERATED\","
                        + "tag=\"54321\","
                        + "zone=\"example.com.\"} 1")
                .contains("tandem_key_created_timestamp_seconds{" + k + ",tag=\"12345\",zone=\"example.com.\"} "
                        + (double) CREATED.getEpochSecond())
                .contains("tandem_key_next_event_timestamp_seconds{algorithm=\"13\",event=\"retire\",node=\"node-a\","
                        + "role=\"KSK\",tag=\"12345\",zone=\"example.com.\"} "
                        + (double) CREATED.plus(Duration.ofDays(300)).getEpochSecond())
                .contains("tandem_key_lifetime_end_timestamp_seconds{" + k + ",tag=\"12345\"");
        assertThat(text)
                .doesNotContain(
                        "tandem_key_lifetime_end_timestamp_seconds{algorithm=\"13\",node=\"node-a\",role=\"ZSK\"");

        metrics.keys(COM, List.of(zsk));

        assertThat(metrics.scrape()).doesNotContain("tag=\"12345\"").contains("tag=\"54321\"");
    }
}
