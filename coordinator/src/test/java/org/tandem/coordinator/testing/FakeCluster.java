package org.tandem.coordinator.testing;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.tandem.coordinator.config.NodeEndpoint;
import org.tandem.coordinator.view.ClusterView;
import org.tandem.coordinator.view.NodeClients;

/**
 * Fake nodes behind in-process gRPC servers, fake ZooKeeper records, and the coordinator's {@link
 * ClusterView} over them, at a fixed instant. A node added with {@link #unreachable} has no server
 * (its calls fail with UNAVAILABLE). Close it.
 */
public final class FakeCluster implements AutoCloseable {
    public static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    public final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    public final Map<String, FakeKey> vault = new ConcurrentHashMap<>();
    public final FakeRecords records = new FakeRecords();
    public final Map<String, FakeNode> nodes = new LinkedHashMap<>();
    private final Map<NodeEndpoint, ManagedChannel> channels = new LinkedHashMap<>();
    private final List<Server> servers = new ArrayList<>();
    private ClusterView view;
    private int port = 7443;

    /** A node with the named HSMs, served in-process. */
    public FakeNode node(String name, String... hsms) throws IOException {
        FakeNode n = new FakeNode(name, vault, clock, hsms);
        nodes.put(name, n);
        String server = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(server)
                .directExecutor()
                .addService(n.keySync)
                .addService(n.signerNode)
                .build()
                .start());
        channels.put(
                new NodeEndpoint(name, "dc-" + name, "127.0.0.1", port++),
                InProcessChannelBuilder.forName(server).directExecutor().build());
        return n;
    }

    /** A configured node that nothing answers for. */
    public void unreachable(String name) {
        channels.put(
                new NodeEndpoint(name, "dc-" + name, "127.0.0.1", port++),
                InProcessChannelBuilder.forName(InProcessServerBuilder.generateName())
                        .directExecutor()
                        .build());
    }

    /** The coordinator's view (made once, after the nodes). */
    public ClusterView view() {
        if (view == null) {
            SecureRandom random = new SecureRandom();
            view = new ClusterView(records, NodeClients.over(channels), clock, () -> {
                byte[] b = new byte[32];
                random.nextBytes(b);
                return b;
            });
        }
        return view;
    }

    @Override
    public void close() {
        if (view != null) {
            view.nodes().close();
        }
        servers.forEach(Server::shutdownNow);
    }
}
