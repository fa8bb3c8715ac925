package org.tandem.coordinator;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.coordinator.audit.AuditLog;
import org.tandem.coordinator.config.CoordinatorConfig;
import org.tandem.coordinator.grpc.CoordinatorServer;
import org.tandem.coordinator.preflight.Cutover;
import org.tandem.coordinator.preflight.Preflight;
import org.tandem.coordinator.view.ClusterView;
import org.tandem.coordinator.view.NodeClients;
import org.tandem.coordinator.view.ZooKeeperClients;
import org.tandem.coordinator.view.ZooKeeperView;
import org.tandem.keysync.audit.CheckpointPolicy;

/**
 * The running coordinator: a read-only Curator client (TLS with its {@code OU=coordinator} certificate,
 * {@link ZooKeeperClients}), one mutual-TLS channel per node, the audit
 * log and the gRPC server. An unreachable ZooKeeper does not stop it from starting (the view reports
 * it as a problem, and every preflight refuses). {@link #close} stops everything, in reverse order.
 */
public final class Coordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

    private final CuratorFramework curator;
    private final NodeClients nodes;
    private final AuditLog audit;
    private final CoordinatorServer server;

    private Coordinator(CuratorFramework curator, NodeClients nodes, AuditLog audit, CoordinatorServer server) {
        this.curator = curator;
        this.nodes = nodes;
        this.audit = audit;
        this.server = server;
    }

    /**
     * Starts the coordinator.
     *
     * @throws CoordinatorException naming what could not be opened (TLS files, audit log, address);
     *     everything opened is closed again
     */
    public static Coordinator start(CoordinatorConfig config, Clock clock) throws CoordinatorException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        CuratorFramework curator = ZooKeeperClients.build(config.zookeeperConnect(),
                config.zookeeperSessionTimeout(), config.zookeeperTls());
        curator.start();
        NodeClients nodes = null;
        AuditLog audit = null;
        try {
            nodes = new NodeClients(config.nodes(), config.tls());
            // No HSM on this host: the audit checkpoints are signed with the coordinator's TLS key.
            audit = AuditLog.open(config.auditLog(), clock, config.name(), config.tls().key(),
                    config.tls().certificate(), CheckpointPolicy.DEFAULT);
            SecureRandom random = new SecureRandom();
            ClusterView.Nonces nonces = () -> {
                byte[] b = new byte[32];
                random.nextBytes(b);
                return b;
            };
            ClusterView view = new ClusterView(new ZooKeeperView(curator, config.zookeeperRoot()), nodes, clock, nonces);
            Cutover cutover = new Cutover(view, new Preflight(config.minExpiryAfterTakeover()), clock, nonces);
            CoordinatorServer server = CoordinatorServer.start(config.listenHost(), config.listenPort(), config.tls(),
                    view, cutover, audit, config.waitForPublish());
            LOG.info("coordinator={} event=started grpc={}:{} nodes={} zookeeper={} zookeeper-tls={} audit={}",
                    config.name(), config.listenHost(), server.port(), config.nodes().stream().map(n -> n.name()).toList(),
                    config.zookeeperConnect(), config.zookeeperTls().isPresent(), config.auditLog());
            return new Coordinator(curator, nodes, audit, server);
        } catch (CoordinatorException | RuntimeException e) {
            if (audit != null) {
                audit.close();
            }
            if (nodes != null) {
                nodes.close();
            }
            curator.close();
            throw e;
        }
    }

    /** The gRPC port (the chosen one when configured as 0). */
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
        nodes.close();
        audit.close();
        curator.close();
        LOG.info("coordinator event=stopped");
    }
}
