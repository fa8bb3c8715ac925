package org.tandem.keysync.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.TestPki;
import org.tandem.proto.keysync.v1.InventoryRequest;
import org.tandem.proto.keysync.v1.InventoryResponse;
import org.tandem.proto.keysync.v1.KeySyncGrpc;

/** Real Netty servers and channels on the loopback, with certificates from {@link TestPki}. */
class MtlsIT {

    /** An Inventory request any caller may make. */
    static final InventoryRequest REQUEST = InventoryRequest.newBuilder()
            .setZone("example.test.")
            .setNonce(ByteString.copyFrom(new byte[16]))
            .build();

    @RegisterExtension
    final OpenedChannels opened = new OpenedChannels();

    @TempDir
    Path dir;

    private final EchoCaller service = new EchoCaller();
    private TestPki cluster;
    private TestPki rogue;
    private TlsMaterial serverTls;
    private Server server;

    /** Answers Inventory with the caller's CN as {@code node}, counting the calls that got in. */
    static final class EchoCaller extends KeySyncGrpc.KeySyncImplBase {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void inventory(InventoryRequest request, StreamObserver<InventoryResponse> responses) {
            calls.incrementAndGet();
            responses.onNext(InventoryResponse.newBuilder()
                    .setNode(CallerIdentity.CURRENT.get())
                    .build());
            responses.onCompleted();
        }
    }

    @BeforeEach
    void startServer() throws Exception {
        cluster = TestPki.create(dir.resolve("cluster"), "tandem-cluster-ca");
        rogue = TestPki.create(dir.resolve("rogue"), "rogue-ca");
        serverTls = cluster.issue("keysync-1", "node");
        server = opened.track(MtlsServers.start("127.0.0.1", 0, serverTls, service));
    }

    @Test
    void bindsOnlyTheGivenHostOnAFreePort() {
        assertThat(server.getPort()).isPositive();
        assertThat(server.getListenSockets())
                .isNotEmpty()
                .allSatisfy(address -> assertThat(
                                ((InetSocketAddress) address).getAddress().getHostAddress())
                        .isEqualTo("127.0.0.1"));
    }

    @Test
    void clusterClientGetsItsOwnCommonNameBack() throws Exception {
        ManagedChannel channel = opened.track(MtlsChannels.open(target(), cluster.issue("signer-1")));

        InventoryResponse response = call(channel);

        assertThat(response.getNode()).isEqualTo("signer-1");
        assertThat(service.calls).hasValue(1);
    }

    @Test
    void clusterClientVerifiesServerAgainstOverriddenAuthority() throws Exception {
        ManagedChannel channel = opened.track(MtlsChannels.open(target(), cluster.issue("signer-1"), "localhost"));

        assertThat(call(channel).getNode()).isEqualTo("signer-1");
    }

    @Test
    void refusesClientWithoutCertificateAtTheHandshake() throws Exception {
        ManagedChannel channel = opened.track(Grpc.newChannelBuilder(
                        target(),
                        TlsChannelCredentials.newBuilder()
                                .trustManager(cluster.caCertificate().toFile())
                                .build())
                .build());

        assertRefused(channel, Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
        assertThat(service.calls).hasValue(0);
    }

    @Test
    void refusesClientWithCertificateFromAnotherCa() throws Exception {
        TlsMaterial intruder = rogue.issue("intruder");
        // It trusts the cluster CA, so only the server's check of the client can stop it. Its key
        // manager sees that the server asks for the cluster CA and so offers no certificate at all.
        TlsMaterial trustsCluster =
                new TlsMaterial(intruder.certificateChain(), intruder.privateKey(), cluster.caCertificate());
        ManagedChannel channel = opened.track(MtlsChannels.open(target(), trustsCluster));

        assertRefused(channel, Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
        assertThat(service.calls).hasValue(0);
    }

    @Test
    void refusesClientThatPresentsCertificateFromAnotherCa() throws Exception {
        TlsMaterial intruder = rogue.issue("intruder");
        // A standard key manager offers no certificate the server's CertificateRequest does not ask
        // for (see the test above); this one presents the foreign certificate regardless, so the
        // server's own chain verification has to refuse it.
        ManagedChannel channel = opened.track(Grpc.newChannelBuilder(
                        target(),
                        TlsChannelCredentials.newBuilder()
                                .keyManager(PresentingKeyManager.of(intruder))
                                .trustManager(cluster.caCertificate().toFile())
                                .build())
                .build());

        assertRefused(channel, Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
        assertThat(service.calls).hasValue(0);

        // control: the same key manager with a cluster certificate gets in
        ManagedChannel member = opened.track(Grpc.newChannelBuilder(
                        target(),
                        TlsChannelCredentials.newBuilder()
                                .keyManager(PresentingKeyManager.of(cluster.issue("signer-9")))
                                .trustManager(cluster.caCertificate().toFile())
                                .build())
                .build());
        assertThat(call(member).getNode()).isEqualTo("signer-9");
    }

    @Test
    void refusesPlaintextClient() {
        ManagedChannel channel = opened.track(Grpc.newChannelBuilder(target(), InsecureChannelCredentials.create())
                .build());

        assertRefused(channel, Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
        assertThat(service.calls).hasValue(0);
    }

    @Test
    void clientRefusesServerFromAnotherCa() throws Exception {
        TlsMaterial impostor = rogue.issue("keysync-1", "node");
        EchoCaller impostorService = new EchoCaller();
        Server impostorServer = opened.track(MtlsServers.start(
                "127.0.0.1",
                0,
                new TlsMaterial(impostor.certificateChain(), impostor.privateKey(), cluster.caCertificate()),
                impostorService));
        ManagedChannel channel =
                opened.track(MtlsChannels.open("127.0.0.1:" + impostorServer.getPort(), cluster.issue("signer-1")));

        assertRefused(channel, Status.Code.UNAVAILABLE);
        assertThat(impostorService.calls).hasValue(0);
    }

    @Test
    void authorizationInterceptorSeesTheCallerAndRunsBeforeTheService() throws Exception {
        EchoCaller guarded = new EchoCaller();
        Server guardedServer = opened.track(MtlsServers.start("127.0.0.1", 0, serverTls, onlySigner1(), guarded));
        String guardedTarget = "127.0.0.1:" + guardedServer.getPort();
        ManagedChannel signer1 = opened.track(MtlsChannels.open(guardedTarget, cluster.issue("signer-1")));
        ManagedChannel signer2 = opened.track(MtlsChannels.open(guardedTarget, cluster.issue("signer-2")));

        assertRefused(signer2, Status.Code.PERMISSION_DENIED);
        assertThat(guarded.calls).hasValue(0);
        assertThat(call(signer1).getNode()).isEqualTo("signer-1");
        assertThat(guarded.calls).hasValue(1);
    }

    /** Lets only CN=signer-1 through, reading the identity CallerIdentity established. */
    private static ServerInterceptor onlySigner1() {
        return new ServerInterceptor() {
            @Override
            public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
                    ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
                if (!"signer-1".equals(CallerIdentity.current())) {
                    call.close(Status.PERMISSION_DENIED.withDescription(CallerIdentity.current()), new Metadata());
                    return new ServerCall.Listener<>() {};
                }
                return next.startCall(call, headers);
            }
        };
    }

    private String target() {
        return "127.0.0.1:" + server.getPort();
    }

    private static InventoryResponse call(ManagedChannel channel) {
        return KeySyncGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .inventory(REQUEST);
    }

    private static void assertRefused(ManagedChannel channel, Status.Code... expected) {
        assertThatThrownBy(() -> call(channel))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode())
                                .as("status %s", e.getStatus())
                                .isIn((Object[]) expected));
    }
}
