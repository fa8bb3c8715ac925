package org.tandem.keysync.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.grpc.MtlsIT.EchoCaller;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestPki.Usage;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.proto.keysync.v1.InventoryResponse;
import org.tandem.proto.keysync.v1.KeySyncGrpc;

/**
 * Attacks on Tandem's mutual TLS, each tried against real Netty servers and channels on the
 * loopback and refused: old TLS versions, expired certificates, connections that outlive their
 * certificate, sockets that never handshake, connection floods, and servers that present a
 * certificate of the wrong role.
 */
class MtlsHardeningIT {

    @RegisterExtension
    final OpenedChannels opened = new OpenedChannels();

    @TempDir
    Path dir;

    private final EchoCaller service = new EchoCaller();
    private TestPki cluster;
    private TlsMaterial nodeA;

    @BeforeEach
    void createPki() throws Exception {
        cluster = TestPki.create(dir.resolve("cluster"), "tandem-cluster-ca");
        nodeA = cluster.issue("node-a", "node");
    }

    @Test
    void refusesClientThatOffersOnlyTls12() throws Exception {
        Server server = start(nodeA, ConnectionLimits.DEFAULTS);
        TlsMaterial nodeB = cluster.issue("node-b", "node");

        assertThatThrownBy(() -> opened.track(RawTls.connect(server.getPort(), nodeB, "TLSv1.2")))
                .isInstanceOf(SSLException.class);

        // control: the same client offering TLS 1.3 gets through the handshake
        SSLSocket ok = opened.track(RawTls.connect(server.getPort(), nodeB, "TLSv1.3"));
        assertThat(ok.getSession().getProtocol()).isEqualTo("TLSv1.3");
    }

    @Test
    void refusesClientWithExpiredCertificate() throws Exception {
        Server server = start(nodeA, ConnectionLimits.DEFAULTS);
        Instant now = Instant.now();
        TlsMaterial expired = cluster.issue(
                "node-old",
                "node",
                List.of(),
                Usage.SERVER_AND_CLIENT,
                now.minus(Duration.ofDays(2)),
                now.minus(Duration.ofDays(1)));

        assertRefused(opened.track(MtlsChannels.open(target(server), expired)));
        assertThat(service.calls).hasValue(0);
    }

    @Test
    void closesConnectionOlderThanTheMaximumAge() throws Exception {
        Server server = start(
                nodeA, new ConnectionLimits(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(10), 16));
        SSLSocket socket = opened.track(RawTls.connect(server.getPort(), cluster.issue("node-b", "node"), "TLSv1.3"));
        OutputStream out = socket.getOutputStream();
        out.write(RawTls.HTTP2_PREFACE);
        out.flush();

        Duration open = RawTls.untilClosed(socket, TestTiming.scaled(Duration.ofSeconds(20)));

        // gRPC jitters the age by up to 10 %
        assertThat(open).isGreaterThanOrEqualTo(Duration.ofMillis(1_700));
    }

    @Test
    void certificateThatExpiresStopsWorkingOnAnOpenChannel() throws Exception {
        Server server = start(
                nodeA, new ConnectionLimits(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(10), 16));
        Instant now = Instant.now();
        TlsMaterial expiring = cluster.issue(
                "node-expiring",
                "node",
                List.of(),
                Usage.SERVER_AND_CLIENT,
                now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofSeconds(6)));
        ManagedChannel channel = opened.track(MtlsChannels.open(target(server), expiring));
        assertThat(call(channel).getNode()).isEqualTo("node-expiring");

        TestTiming.until(Duration.ofSeconds(30), "calls with the expired certificate are refused", () -> {
            try {
                call(channel);
                return false;
            } catch (StatusRuntimeException e) {
                return e.getStatus().getCode() == Status.Code.UNAUTHENTICATED
                        || e.getStatus().getCode() == Status.Code.UNAVAILABLE;
            }
        });
    }

    @Test
    void dropsClientThatNeverHandshakesAfterTheTimeout() throws Exception {
        Server server = start(
                nodeA, new ConnectionLimits(Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofSeconds(1), 16));
        Socket idle = opened.track(new Socket("127.0.0.1", server.getPort()));

        // well before the 10 s Netty's TLS handler would allow by itself
        Duration open = RawTls.untilClosed(idle, TestTiming.scaled(Duration.ofSeconds(5)));

        assertThat(open).isGreaterThanOrEqualTo(Duration.ofMillis(800));
    }

    @Test
    void closesConnectionsBeyondTheLimitAtOnce() throws Exception {
        Server server = start(
                nodeA, new ConnectionLimits(Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofSeconds(60), 2));
        Socket first = opened.track(new Socket("127.0.0.1", server.getPort()));
        Socket second = opened.track(new Socket("127.0.0.1", server.getPort()));
        Socket third = opened.track(new Socket("127.0.0.1", server.getPort()));

        RawTls.untilClosed(third, TestTiming.scaled(Duration.ofSeconds(5)));
        ManagedChannel channel = opened.track(MtlsChannels.open(target(server), cluster.issue("node-b", "node")));
        assertRefused(channel);

        first.close();
        second.close();
        TestTiming.until(Duration.ofSeconds(15), "a member connects once the flood is gone", () -> {
            try {
                return call(channel).getNode().equals("node-b");
            } catch (StatusRuntimeException e) {
                channel.resetConnectBackoff();
                return false;
            }
        });
    }

    @Test
    void nodeClientRefusesServerPresentingAnOperatorCertificate() throws Exception {
        Instant now = Instant.now();
        // Even meant for a server (serverAuth), an operator certificate is not a peer a node may talk to.
        TlsMaterial operator = cluster.issue(
                "alice",
                "operator",
                List.of(),
                Usage.SERVER_AND_CLIENT,
                now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(1)));
        Server impostor = start(operator, ConnectionLimits.DEFAULTS);

        StatusRuntimeException e = assertRefused(opened.track(MtlsChannels.open(target(impostor), nodeA)));

        assertThat(causes(e)).contains("CN=alice").contains("OU=coordinator or OU=node");
        assertThat(service.calls).hasValue(0);
    }

    @Test
    void nodeClientRefusesServerPresentingAClientOnlyCertificate() throws Exception {
        Server impostor = start(cluster.issue("alice", "operator"), ConnectionLimits.DEFAULTS);

        assertRefused(opened.track(MtlsChannels.open(target(impostor), nodeA)));
        assertThat(service.calls).hasValue(0);
    }

    @Test
    void coordinatorTalksOnlyToNodes() throws Exception {
        TlsMaterial coordinator = cluster.issue("coordinator-1", "coordinator");
        Server otherCoordinator = start(cluster.issue("coordinator-2", "coordinator"), ConnectionLimits.DEFAULTS);

        StatusRuntimeException e =
                assertRefused(opened.track(MtlsChannels.open(target(otherCoordinator), coordinator)));

        assertThat(causes(e)).contains("CN=coordinator-2").contains("talks only to a server with OU=node");
        Server node = start(nodeA, ConnectionLimits.DEFAULTS);
        assertThat(call(opened.track(MtlsChannels.open(target(node), coordinator)))
                        .getNode())
                .isEqualTo("coordinator-1");
    }

    @Test
    void consoleThatExpectsTheCoordinatorRefusesANode() throws Exception {
        TlsMaterial operator = cluster.issue("alice", "operator");
        Server node = start(nodeA, ConnectionLimits.DEFAULTS);

        StatusRuntimeException e =
                assertRefused(opened.track(MtlsChannels.open(target(node), operator, Set.of(CallerRole.COORDINATOR))));

        assertThat(causes(e)).contains("CN=node-a").contains("[NODE]").contains("OU=coordinator");
        Server coordinator = start(cluster.issue("coordinator-1", "coordinator"), ConnectionLimits.DEFAULTS);
        assertThat(call(opened.track(MtlsChannels.open(target(coordinator), operator, Set.of(CallerRole.COORDINATOR))))
                        .getNode())
                .isEqualTo("alice");
    }

    private Server start(TlsMaterial tls, ConnectionLimits limits) throws Exception {
        return opened.track(MtlsServers.start("127.0.0.1", 0, tls, limits, null, service));
    }

    private static String target(Server server) {
        return "127.0.0.1:" + server.getPort();
    }

    private static InventoryResponse call(ManagedChannel channel) {
        return KeySyncGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .inventory(MtlsIT.REQUEST);
    }

    private static StatusRuntimeException assertRefused(ManagedChannel channel) {
        try {
            call(channel);
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode())
                    .as("status %s", e.getStatus())
                    .isIn(Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
            return e;
        }
        throw new AssertionError("the call got through");
    }

    /** Every message in the cause chain, for asserting what an operator reads. */
    private static String causes(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c).append(" | ");
        }
        return all.toString();
    }
}
