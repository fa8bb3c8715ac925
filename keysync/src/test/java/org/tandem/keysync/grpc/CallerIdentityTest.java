package org.tandem.keysync.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.TestPki;
import org.tandem.proto.keysync.v1.InventoryRequest;
import org.tandem.proto.keysync.v1.InventoryResponse;
import org.tandem.proto.keysync.v1.KeySyncGrpc;

class CallerIdentityTest {

    @TempDir
    Path dir;

    @Test
    void readsTheCommonNameOfTheCertificateSubject() throws Exception {
        TlsMaterial node = TestPki.create(dir, "tandem-test-ca").issue("signer-1");
        X509Certificate certificate;
        try (InputStream in = Files.newInputStream(node.certificateChain())) {
            certificate =
                    (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }

        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=signer-1,O=Tandem test");
        assertThat(CallerIdentity.commonName(certificate)).contains("signer-1");
    }

    @Test
    void refusesCallWithoutTlsSessionBeforeTheService() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        KeySyncGrpc.KeySyncImplBase service = new KeySyncGrpc.KeySyncImplBase() {
            @Override
            public void inventory(InventoryRequest request, StreamObserver<InventoryResponse> responses) {
                calls.incrementAndGet();
                responses.onNext(InventoryResponse.getDefaultInstance());
                responses.onCompleted();
            }
        };
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name)
                .directExecutor()
                .addService(ServerInterceptors.intercept(service, new CallerIdentity()))
                .build()
                .start();
        ManagedChannel channel =
                InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
            InventoryRequest request = InventoryRequest.newBuilder()
                    .setZone("example.test.")
                    .setNonce(ByteString.copyFrom(new byte[16]))
                    .build();

            assertThatThrownBy(() -> KeySyncGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(5, TimeUnit.SECONDS)
                            .inventory(request))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            assertThat(calls).hasValue(0);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void currentOutsideACallIsLifecycleMisuse() {
        assertThatThrownBy(CallerIdentity::current).isInstanceOf(IllegalStateException.class);
    }
}
