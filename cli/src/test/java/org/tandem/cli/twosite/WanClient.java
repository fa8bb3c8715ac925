package org.tandem.cli.twosite;

import io.grpc.ManagedChannel;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.tandem.keysync.grpc.MtlsChannels;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.proto.keysync.v1.KeySyncGrpc;

/**
 * The test's own gRPC client of a node's {@code KeySync} service, over the WAN with a certificate
 * of the cluster CA that the test chooses (for instance one without a role): a caller the cluster
 * does not expect. The node's certificate names its host, so the channel's authority is the node's
 * name while it connects to the node's WAN address.
 */
final class WanClient implements AutoCloseable {
    private final ManagedChannel channel;

    WanClient(TwoSiteCluster cluster, String node, TlsMaterial tls) throws Exception {
        Objects.requireNonNull(cluster, "cluster");
        this.channel = MtlsChannels.open(cluster.wanAddress(node) + ":" + TwoSiteCluster.NODE_GRPC_PORT, tls, node);
    }

    KeySyncGrpc.KeySyncBlockingStub keySync() {
        return KeySyncGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
    }
}
