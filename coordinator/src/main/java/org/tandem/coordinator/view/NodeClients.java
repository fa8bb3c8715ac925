package org.tandem.coordinator.view;

import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.config.NodeEndpoint;
import org.tandem.coordinator.config.TlsFiles;
import org.tandem.keysync.grpc.CallerRole;
import org.tandem.keysync.grpc.TlsContexts;
import org.tandem.proto.keysync.v1.KeySyncGrpc;
import org.tandem.proto.signer.v1.SignerNodeGrpc;

/**
 * One mutual-TLS 1.3 channel per configured node (the coordinator's certificate, trusting only the
 * cluster CA; the node's certificate must name the endpoint's host and say {@code OU=node}, see
 * {@link TlsContexts#client}), with stubs for SignerNode and
 * KeySync on it. Channels connect lazily: an unreachable node shows as {@code UNAVAILABLE} on a call.
 * Thread-safe; {@link #close} shuts every channel down.
 */
public final class NodeClients implements AutoCloseable {
    /** Keepalive ping interval during calls; the nodes' servers permit pings every 5 s. */
    static final Duration KEEPALIVE = Duration.ofSeconds(10);
    /** How long a ping may go unanswered before the connection counts as lost. */
    static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);
    /** How long an order waits for a channel in back-off to start its new connection attempt. */
    static final Duration RECONNECT_START = Duration.ofSeconds(2);

    private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
    private final Map<String, NodeEndpoint> nodes = new LinkedHashMap<>();

    public NodeClients(List<NodeEndpoint> endpoints, TlsFiles tls) throws CoordinatorException {
        ChannelCredentials credentials;
        try {
            credentials = TlsContexts.client(
                    Files.readAllBytes(tls.certificate()),
                    Files.readAllBytes(tls.key()),
                    Files.readAllBytes(tls.ca()),
                    Set.of(CallerRole.NODE),
                    "the coordinator");
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new CoordinatorException(
                    "TLS files unusable for client channels (cert " + tls.certificate() + ", key " + tls.key() + ", ca "
                            + tls.ca() + "): " + e.getMessage(),
                    e);
        }
        for (NodeEndpoint n : endpoints) {
            nodes.put(n.name(), n);
            // keepalive during calls: a node behind a cut link fails a call in about 15 s, not at its deadline
            channels.put(
                    n.name(),
                    NettyChannelBuilder.forTarget(n.endpoint(), credentials)
                            .keepAliveTime(KEEPALIVE.toSeconds(), TimeUnit.SECONDS)
                            .keepAliveTimeout(KEEPALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                            .build());
        }
    }

    private NodeClients() {}

    /**
     * Over channels the caller made (in-process channels in tests, another transport when embedded);
     * they are shut down by {@link #close}.
     *
     * @param channels one channel per node, in the nodes' order
     */
    public static NodeClients over(Map<NodeEndpoint, ManagedChannel> channels) {
        NodeClients c = new NodeClients();
        for (Map.Entry<NodeEndpoint, ManagedChannel> e : channels.entrySet()) {
            c.nodes.put(e.getKey().name(), e.getKey());
            c.channels.put(e.getKey().name(), Objects.requireNonNull(e.getValue(), "channel"));
        }
        return c;
    }

    /** Whether {@code node} is configured. */
    public boolean knows(String node) {
        return nodes.containsKey(node);
    }

    /** The configured nodes, in file order. */
    public List<NodeEndpoint> nodes() {
        return List.copyOf(nodes.values());
    }

    /** A SignerNode stub with a deadline. */
    public SignerNodeGrpc.SignerNodeBlockingStub signerNode(String node, Duration deadline) {
        return SignerNodeGrpc.newBlockingStub(channel(node))
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A KeySync stub with a deadline. */
    public KeySyncGrpc.KeySyncBlockingStub keySync(String node, Duration deadline) {
        return KeySyncGrpc.newBlockingStub(channel(node)).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    private ManagedChannel channel(String node) {
        ManagedChannel c = channels.get(Objects.requireNonNull(node, "node"));
        if (c == null) {
            throw new IllegalArgumentException("node '" + node + "' is not in coordinator.yaml");
        }
        if (c.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            // an order or a view asks now: try to connect now, not when gRPC's back-off (up to
            // 2 minutes after repeated failures) would, so a repaired node answers at once. The reset
            // takes effect on the channel's own executor; until the state leaves TRANSIENT_FAILURE a
            // call would still fail at once, so wait for that (milliseconds), then the call waits for
            // the connection attempt itself (a node that is down still fails fast: refused).
            CountDownLatch left = new CountDownLatch(1);
            c.notifyWhenStateChanged(ConnectivityState.TRANSIENT_FAILURE, left::countDown);
            c.resetConnectBackoff();
            try {
                left.await(RECONNECT_START.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return c;
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow();
        }
        for (ManagedChannel c : channels.values()) {
            try {
                c.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
