package org.tandem.cli.cluster;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.tandem.keysync.grpc.CallerIdentity;
import org.tandem.keysync.grpc.MtlsServers;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.testing.TestPki;
import org.tandem.proto.coordinator.v1.ClusterKekStatus;
import org.tandem.proto.coordinator.v1.ClusterKeys;
import org.tandem.proto.coordinator.v1.ClusterStatus;
import org.tandem.proto.coordinator.v1.CoordinatorGrpc;
import org.tandem.proto.coordinator.v1.EnrolKekOrder;
import org.tandem.proto.coordinator.v1.FailoverRequest;
import org.tandem.proto.coordinator.v1.FailoverResult;
import org.tandem.proto.coordinator.v1.GenerateKeyOrder;
import org.tandem.proto.coordinator.v1.GenerateKeyResult;
import org.tandem.proto.coordinator.v1.GetClusterKeysRequest;
import org.tandem.proto.coordinator.v1.GetClusterStatusRequest;
import org.tandem.proto.coordinator.v1.GetKekStatusRequest;
import org.tandem.proto.coordinator.v1.InitKekOrder;
import org.tandem.proto.coordinator.v1.KekOrderResult;
import org.tandem.proto.coordinator.v1.PreflightRequest;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.StepDownRequest;
import org.tandem.proto.coordinator.v1.StepDownResult;
import org.tandem.proto.coordinator.v1.SyncKeysOrder;
import org.tandem.proto.coordinator.v1.SyncKeysResult;

/**
 * A Coordinator service for the CLI tests over real mutual TLS (TestPki certificates): answers what
 * the test sets, records every request and the caller's CN, and fails a call with {@code failure}
 * when one is set.
 */
final class FakeCoordinator extends CoordinatorGrpc.CoordinatorImplBase implements AutoCloseable {
    final List<Object> requests = new CopyOnWriteArrayList<>();
    final List<String> callers = new CopyOnWriteArrayList<>();
    volatile ClusterStatus status = ClusterStatus.getDefaultInstance();
    volatile ClusterKeys keys = ClusterKeys.getDefaultInstance();
    volatile PreflightResult preflight = PreflightResult.getDefaultInstance();
    volatile FailoverResult failover = FailoverResult.getDefaultInstance();
    volatile StepDownResult stepDown = StepDownResult.getDefaultInstance();
    volatile Status failure;
    /** A failure with details (google.rpc.Status), used before {@link #failure}. */
    volatile StatusRuntimeException failureWithDetails;

    volatile ClusterKekStatus kekStatus = ClusterKekStatus.getDefaultInstance();
    volatile KekOrderResult kekOrder = KekOrderResult.getDefaultInstance();
    volatile GenerateKeyResult generated = GenerateKeyResult.getDefaultInstance();
    volatile SyncKeysResult synced = SyncKeysResult.getDefaultInstance();
    private final Server server;

    FakeCoordinator(TlsMaterial tls) throws Exception {
        server = MtlsServers.start("127.0.0.1", 0, tls, this);
    }

    /**
     * A coordinator with a certificate of a new cluster CA in {@code dir/tls}, which also issues the
     * operator's ({@code tls/operator.crt}), and the operator's {@code dir/signerctl.yaml} for it.
     */
    static FakeCoordinator withOperator(Path dir) throws Exception {
        TestPki pki = TestPki.create(dir.resolve("tls"), "Tandem test CA");
        TlsMaterial server = pki.issue("coordinator", "coordinator");
        pki.issue("operator", "operator");
        FakeCoordinator coordinator = new FakeCoordinator(server);
        writeOperatorConfig(dir, "127.0.0.1:" + coordinator.port());
        return coordinator;
    }

    /** Writes {@code dir/signerctl.yaml}: {@code endpoint} with the operator's TLS files of {@link #withOperator}. */
    static Path writeOperatorConfig(Path dir, String endpoint) throws IOException {
        Path f = dir.resolve("signerctl.yaml");
        Files.writeString(
                f,
                "coordinator: \"" + endpoint + "\"\n"
                        + "tls: {ca: tls/ca.crt, cert: tls/operator.crt, key: tls/operator.key}\n");
        return f;
    }

    int port() {
        return server.getPort();
    }

    private <Q, A> void answer(Q request, Supplier<A> answer, StreamObserver<A> responses) {
        requests.add(request);
        callers.add(CallerIdentity.current());
        if (failureWithDetails != null) {
            responses.onError(failureWithDetails);
            return;
        }
        if (failure != null) {
            responses.onError(failure.asRuntimeException());
            return;
        }
        responses.onNext(answer.get());
        responses.onCompleted();
    }

    @Override
    public void getClusterStatus(GetClusterStatusRequest request, StreamObserver<ClusterStatus> responses) {
        answer(request, () -> status, responses);
    }

    @Override
    public void getClusterKeys(GetClusterKeysRequest request, StreamObserver<ClusterKeys> responses) {
        answer(request, () -> keys, responses);
    }

    @Override
    public void preflight(PreflightRequest request, StreamObserver<PreflightResult> responses) {
        answer(request, () -> preflight, responses);
    }

    @Override
    public void failover(FailoverRequest request, StreamObserver<FailoverResult> responses) {
        answer(request, () -> failover, responses);
    }

    @Override
    public void stepDown(StepDownRequest request, StreamObserver<StepDownResult> responses) {
        answer(request, () -> stepDown, responses);
    }

    @Override
    public void getKekStatus(GetKekStatusRequest request, StreamObserver<ClusterKekStatus> responses) {
        answer(request, () -> kekStatus, responses);
    }

    @Override
    public void initKek(InitKekOrder request, StreamObserver<KekOrderResult> responses) {
        answer(request, () -> kekOrder, responses);
    }

    @Override
    public void enrolKek(EnrolKekOrder request, StreamObserver<KekOrderResult> responses) {
        answer(request, () -> kekOrder, responses);
    }

    @Override
    public void generateKey(GenerateKeyOrder request, StreamObserver<GenerateKeyResult> responses) {
        answer(request, () -> generated, responses);
    }

    @Override
    public void syncKeys(SyncKeysOrder request, StreamObserver<SyncKeysResult> responses) {
        answer(request, () -> synced, responses);
    }

    <T> List<T> requests(Class<T> type) {
        return requests.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
