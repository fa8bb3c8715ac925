package org.tandem.coordinator;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.coordinator.audit.AuditLog;
import org.tandem.coordinator.config.CoordinatorConfig;
import org.tandem.coordinator.config.NodeEndpoint;
import org.tandem.coordinator.grpc.CoordinatorServer;
import org.tandem.coordinator.metrics.CoordinatorMetrics;
import org.tandem.coordinator.preflight.Cutover;
import org.tandem.coordinator.preflight.Preflight;
import org.tandem.coordinator.view.ClusterView;
import org.tandem.coordinator.view.NodeClients;
import org.tandem.coordinator.view.ZooKeeperClients;
import org.tandem.coordinator.view.ZooKeeperView;
import org.tandem.keysync.audit.CheckpointPolicy;
import org.tandem.keysync.metrics.MetricsServer;

/**
 * The running coordinator: a read-only Curator client (TLS with its {@code OU=coordinator} certificate,
 * {@link ZooKeeperClients}), one mutual-TLS channel per node, the audit
 * log, the gRPC server, and the metrics endpoint ({@code metrics.listen}, {@link CoordinatorMetrics}, fed
 * by the cut-overs and by a look at every node's status each {@link #LOOK_INTERVAL}). An unreachable
 * ZooKeeper does not stop it from starting (the view reports
 * it as a problem, and every preflight refuses). {@link #close} stops everything, in reverse order.
 */
public final class Coordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

    private final CuratorFramework curator;
    private final NodeClients nodes;
    private final AuditLog audit;
    private final CoordinatorServer server;
    private final MetricsServer metricsServer;
    private final ScheduledExecutorService looker;

    /** How often the coordinator looks at every node's status for its metrics. */
    public static final Duration LOOK_INTERVAL = Duration.ofSeconds(15);

    private Coordinator(
            CuratorFramework curator,
            NodeClients nodes,
            AuditLog audit,
            CoordinatorServer server,
            MetricsServer metricsServer,
            ScheduledExecutorService looker) {
        this.curator = curator;
        this.nodes = nodes;
        this.audit = audit;
        this.server = server;
        this.metricsServer = metricsServer;
        this.looker = looker;
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
        CuratorFramework curator = ZooKeeperClients.build(
                config.zookeeperConnect(), config.zookeeperSessionTimeout(), config.zookeeperTls());
        curator.start();
        NodeClients nodes = null;
        AuditLog audit = null;
        MetricsServer metricsServer = null;
        CoordinatorServer server = null;
        try {
            nodes = new NodeClients(config.nodes(), config.tls());
            // No HSM on this host: the audit checkpoints are signed with the coordinator's TLS key.
            audit = AuditLog.open(
                    config.auditLog(),
                    clock,
                    config.name(),
                    config.tls().key(),
                    config.tls().certificate(),
                    CheckpointPolicy.DEFAULT);
            SecureRandom random = new SecureRandom();
            ClusterView.Nonces nonces = () -> {
                byte[] b = new byte[32];
                random.nextBytes(b);
                return b;
            };
            ClusterView view =
                    new ClusterView(new ZooKeeperView(curator, config.zookeeperRoot()), nodes, clock, nonces);
            CoordinatorMetrics metrics = new CoordinatorMetrics(
                    config.name(),
                    config.nodes().stream().map(NodeEndpoint::name).toList());
            Cutover cutover = new Cutover(view, new Preflight(config.minExpiryAfterTakeover()), clock, nonces, metrics);
            try {
                metricsServer = MetricsServer.start(
                        config.metricsHost(), config.metricsPort(), metrics::scrape, metrics::problems);
            } catch (IOException e) {
                throw new CoordinatorException(
                        "coordinator " + config.name() + ": metrics endpoint " + config.metricsHost() + ":"
                                + config.metricsPort() + ": " + e.getMessage(),
                        e);
            }
            server = CoordinatorServer.start(
                    config.listenHost(),
                    config.listenPort(),
                    config.tls(),
                    view,
                    cutover,
                    audit,
                    config.waitForPublish());
            ScheduledExecutorService looker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "coordinator-metrics-look");
                t.setDaemon(true);
                return t;
            });
            looker.scheduleWithFixedDelay(
                    () -> look(view, metrics, clock), 0, LOOK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info(
                    "coordinator={} event=started grpc={}:{} metrics={} nodes={} zookeeper={} zookeeper-tls={}"
                            + " audit={}",
                    config.name(),
                    config.listenHost(),
                    server.port(),
                    metricsServer.address(),
                    config.nodes().stream().map(n -> n.name()).toList(),
                    config.zookeeperConnect(),
                    config.zookeeperTls().isPresent(),
                    config.auditLog());
            return new Coordinator(curator, nodes, audit, server, metricsServer, looker);
        } catch (CoordinatorException | RuntimeException e) {
            if (server != null) {
                server.close();
            }
            if (metricsServer != null) {
                metricsServer.close();
            }
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

    /** One look at every node's status for the metrics; a failure is logged and the next look tries again. */
    private static void look(ClusterView view, CoordinatorMetrics metrics, Clock clock) {
        try {
            metrics.observed(view.clusterStatus(), clock.instant());
        } catch (RuntimeException e) {
            // the scheduler stops a task that throws: the metrics would freeze at the last look
            LOG.warn("coordinator event=metrics-look-failed reason=\"{}\"", e.toString());
        }
    }

    /** The metrics port (the chosen one when configured as 0). */
    public int metricsPort() {
        return metricsServer.port();
    }

    /** The gRPC port (the chosen one when configured as 0). */
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        looker.shutdownNow();
        server.close();
        metricsServer.close();
        nodes.close();
        audit.close();
        curator.close();
        LOG.info("coordinator event=stopped");
    }
}
