package org.tandem.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.coordinator.audit.AuditLog;
import org.tandem.coordinator.config.NodeEndpoint;
import org.tandem.coordinator.config.TlsFiles;
import org.tandem.coordinator.preflight.Cutover;
import org.tandem.coordinator.preflight.Preflight;
import org.tandem.coordinator.testing.FakeCluster;
import org.tandem.coordinator.view.NodeClients;
import org.tandem.keysync.grpc.CallerRole;
import org.tandem.keysync.grpc.ConnectionLimits;
import org.tandem.keysync.grpc.MtlsChannels;
import org.tandem.keysync.grpc.MtlsServers;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestPki.Usage;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.proto.coordinator.v1.CoordinatorGrpc;
import org.tandem.proto.coordinator.v1.GetClusterStatusRequest;
import org.tandem.proto.signer.v1.GetStatusRequest;
import org.tandem.proto.signer.v1.SignerNodeGrpc;

/**
 * The coordinator's TLS against attacks, on real sockets: a TLS 1.2 client, a client that never
 * handshakes, and servers at a node's address that present a certificate of another role.
 */
class CoordinatorTlsIT {
    @TempDir
    Path dir;

    private final FakeCluster cluster = new FakeCluster();
    private final List<AutoCloseable> open = new ArrayList<>();
    private TestPki pki;
    private TlsMaterial coordinator;

    @BeforeEach
    void pki() throws Exception {
        pki = TestPki.create(dir.resolve("pki"), "coordinator test CA");
        coordinator = pki.issue("coordinator", "coordinator");
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        cluster.close();
    }

    private static TlsFiles files(TlsMaterial m) {
        return new TlsFiles(m.trustedCertificates(), m.certificateChain(), m.privateKey());
    }

    private CoordinatorServer startCoordinator(ConnectionLimits limits) throws Exception {
        AuditLog audit = AuditLog.open(dir.resolve("audit.jsonl"), cluster.clock);
        CoordinatorServer server = CoordinatorServer.start(
                "127.0.0.1",
                0,
                files(coordinator),
                cluster.view(),
                new Cutover(cluster.view(), new Preflight(Duration.ofDays(1)), cluster.clock, cluster.view()::nonce),
                audit,
                Duration.ofSeconds(5),
                limits);
        open.add(0, audit);
        open.add(0, server);
        return server;
    }

    @Test
    void refusesAnOperatorOfferingOnlyTls12() throws Exception {
        CoordinatorServer server = startCoordinator(ConnectionLimits.DEFAULTS);
        TlsMaterial alice = pki.issue("alice", "operator");
        ManagedChannel old;
        try (InputStream chain = Files.newInputStream(alice.certificateChain());
                InputStream key = Files.newInputStream(alice.privateKey())) {
            old = NettyChannelBuilder.forTarget(
                            "127.0.0.1:" + server.port(),
                            NettySslContextChannelCredentials.create(GrpcSslContexts.configure(
                                            GrpcSslContexts.forClient(), SslProvider.JDK)
                                    .keyManager(chain, key)
                                    .trustManager(alice.trustedCertificates().toFile())
                                    .protocols("TLSv1.2")
                                    .build()))
                    .build();
        }
        open.add(0, old::shutdownNow);

        Status.Code code = code(() -> CoordinatorGrpc.newBlockingStub(old)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .getClusterStatus(GetClusterStatusRequest.getDefaultInstance()));

        assertThat(code).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void aClientCertificateThatExpiresStopsWorkingOnItsOpenConnection() throws Exception {
        CoordinatorServer server = startCoordinator(ConnectionLimits.DEFAULTS);
        Instant now = Instant.now();
        TlsMaterial expiring = pki.issue(
                "alice",
                "operator",
                List.of(),
                Usage.CLIENT,
                now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofSeconds(5)));
        ManagedChannel channel =
                MtlsChannels.open("127.0.0.1:" + server.port(), expiring, Set.of(CallerRole.COORDINATOR));
        open.add(0, channel::shutdownNow);
        CoordinatorGrpc.CoordinatorBlockingStub stub = CoordinatorGrpc.newBlockingStub(channel);
        assertThat(code(() -> stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getClusterStatus(GetClusterStatusRequest.getDefaultInstance())))
                .isNotEqualTo(Status.Code.UNAVAILABLE)
                .isNotEqualTo(Status.Code.UNAUTHENTICATED);

        TestTiming.until(
                Duration.ofSeconds(30),
                "the expired certificate is refused on the open connection",
                () -> code(() -> stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                                .getClusterStatus(GetClusterStatusRequest.getDefaultInstance()))
                        == Status.Code.UNAUTHENTICATED);
    }

    @Test
    void dropsAClientThatNeverHandshakes() throws Exception {
        CoordinatorServer server = startCoordinator(
                new ConnectionLimits(Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofSeconds(1), 16));
        try (Socket idle = new Socket("127.0.0.1", server.port())) {
            idle.setSoTimeout((int) TestTiming.scaled(Duration.ofSeconds(10)).toMillis());
            long start = System.nanoTime();
            try {
                assertThat(idle.getInputStream().read()).isEqualTo(-1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("a client that sent nothing is still connected after 10 s", e);
            } catch (IOException e) {
                // reset: dropped as well
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(800));
        }
    }

    @Test
    void closesConnectionsBeyondTheLimit() throws Exception {
        CoordinatorServer server = startCoordinator(
                new ConnectionLimits(Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofSeconds(60), 1));
        try (Socket first = new Socket("127.0.0.1", server.port());
                Socket second = new Socket("127.0.0.1", server.port())) {
            second.setSoTimeout((int) TestTiming.scaled(Duration.ofSeconds(5)).toMillis());
            try {
                assertThat(second.getInputStream().read()).isEqualTo(-1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("a connection beyond the limit is still open", e);
            } catch (IOException e) {
                // reset: closed as well
            }
            assertThat(first.isClosed()).isFalse();
        }
    }

    @Test
    void talksOnlyToServersWithANodeCertificate() throws Exception {
        Instant now = Instant.now();
        TlsMaterial operatorServer = pki.issue(
                "mallory",
                "operator",
                List.of(),
                Usage.SERVER_AND_CLIENT,
                now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(1)));
        for (TlsMaterial impostor : List.of(pki.issue("coordinator-2", "coordinator"), operatorServer)) {
            Server server = MtlsServers.start("127.0.0.1", 0, impostor, new SignerNodeGrpc.SignerNodeImplBase() {});
            open.add(0, server::shutdownNow);
            try (NodeClients clients = new NodeClients(
                    List.of(new NodeEndpoint("node-a", "dc1", "127.0.0.1", server.getPort())), files(coordinator))) {
                StatusRuntimeException e = refused(clients);
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(causes(e)).contains("talks only to a server with OU=node");
            }
        }

        // control: a node's certificate gets through the handshake (the fake answers UNIMPLEMENTED)
        Server node = MtlsServers.start(
                "127.0.0.1", 0, pki.issue("node-a", "node"), new SignerNodeGrpc.SignerNodeImplBase() {});
        open.add(0, node::shutdownNow);
        try (NodeClients clients = new NodeClients(
                List.of(new NodeEndpoint("node-a", "dc1", "127.0.0.1", node.getPort())), files(coordinator))) {
            assertThat(refused(clients).getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        }
    }

    private static StatusRuntimeException refused(NodeClients clients) {
        try {
            clients.signerNode("node-a", Duration.ofSeconds(5)).getStatus(GetStatusRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("the call got through");
    }

    private static Status.Code code(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    private static String causes(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c).append(" | ");
        }
        return all.toString();
    }
}
