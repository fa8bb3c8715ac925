package org.tandem.coordinator.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandem.coordinator.config.NodeEndpoint;
import org.tandem.proto.signer.v1.GetStatusRequest;
import org.tandem.proto.signer.v1.NodeStatus;
import org.tandem.proto.signer.v1.SignerNodeGrpc;

/**
 * A node that the coordinator could not reach (its channel in gRPC's reconnect back-off) answers the
 * very next order once it listens again, instead of the order failing at once until the back-off ends.
 * A small in-process fake of the node's service over real TCP; plaintext, as only the channel's
 * state matters here.
 */
class NodeClientsReconnectTest {

    @Test
    void anOrderRightAfterTheNodeComesBackIsAnsweredNotRefusedByTheBackOff() throws Exception {
        int port = freePort();
        NodeEndpoint node = new NodeEndpoint("node-a", "dc1", "127.0.0.1", port);
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try (NodeClients clients = NodeClients.over(Map.of(node, channel))) {
            // the node is not up yet: the call fails and the channel goes into back-off
            assertThatThrownBy(() -> clients.signerNode("node-a", Duration.ofSeconds(5))
                            .getStatus(GetStatusRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            // in back-off, or (on a loaded machine, once a short back-off has run out) trying again: never ready
            assertThat(channel.getState(false)).isIn(ConnectivityState.TRANSIENT_FAILURE, ConnectivityState.CONNECTING);

            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                    .addService(new SignerNodeGrpc.SignerNodeImplBase() {
                        @Override
                        public void getStatus(GetStatusRequest request, StreamObserver<NodeStatus> out) {
                            out.onNext(NodeStatus.newBuilder().setNode("node-a").build());
                            out.onCompleted();
                        }
                    })
                    .build()
                    .start();
            try {
                // at once, well inside gRPC's first back-off (1 s and more)
                NodeStatus status = clients.signerNode("node-a", Duration.ofSeconds(5))
                        .getStatus(GetStatusRequest.getDefaultInstance());
                assertThat(status.getNode()).isEqualTo("node-a");
            } finally {
                server.shutdownNow().awaitTermination();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
