package org.tandem.signer.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's plain-HTTP endpoint for monitoring (JDK {@code com.sun.net.httpserver}):
 *
 * <ul>
 *   <li>{@code GET /metrics}: 200, {@link NodeMetrics#scrape()} as {@code text/plain;
 *       version=0.0.4} (Prometheus text format).
 *   <li>{@code GET /health}: 200 {@code ok} when the health supplier says the node can do its job;
 *       503 with one reason per line otherwise, and also when the supplier throws (the reason then
 *       says so).
 *   <li>Other paths 404, other methods than GET and HEAD 405.
 * </ul>
 *
 * <p>Contracts: {@link #start} binds before it returns; the caller owns the server and closes it
 * ({@link #close()} stops at once and is idempotent). Requests are served one at a time on one
 * daemon thread, {@code tandem-metrics-http}. No TLS and no authentication: bind it to a
 * management address (IMPORTANT: the health text names zones, keys and HSMs).
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving.
     *
     * @param host address or host name to listen on, e.g. {@code 127.0.0.1}
     * @param port TCP port, 0 for a free one (see {@link #port()})
     * @param metrics what {@code /metrics} serves
     * @param health what {@code /health} judges by; called once per request, must be fast
     * @throws IOException when the address does not resolve or cannot be bound
     */
    public static MetricsServer start(String host, int port, NodeMetrics metrics, Supplier<NodeHealth> health)
            throws IOException {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(health, "health");
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new UnknownHostException("metrics listen host does not resolve: " + host);
        }
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new IOException("cannot listen for metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tandem-metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try {
                handle(exchange, metrics, health);
            } finally {
                exchange.close(); // HttpExchange is AutoCloseable only from JDK 18
            }
        });
        server.start();
        LOG.info("metrics and health served address={}", server.getAddress());
        return new MetricsServer(server, executor);
    }

    private static void handle(HttpExchange exchange, NodeMetrics metrics, Supplier<NodeHealth> health)
            throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        if (!path.equals("/metrics") && !path.equals("/health")) {
            send(exchange, 404, "text/plain; charset=utf-8", "not found: " + path + " (try /metrics or /health)\n");
            return;
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            send(exchange, 405, "text/plain; charset=utf-8", "method not allowed: " + method + "\n");
            return;
        }
        if (path.equals("/metrics")) {
            String body;
            try {
                body = metrics.scrape();
            } catch (RuntimeException e) {
                LOG.error("metrics scrape failed", e);
                send(exchange, 500, "text/plain; charset=utf-8", "scrape failed: " + e + "\n");
                return;
            }
            send(exchange, 200, PROMETHEUS_TEXT, body);
            return;
        }
        NodeHealth verdict;
        try {
            verdict = Objects.requireNonNull(health.get(), "health supplier returned null");
        } catch (RuntimeException e) {
            LOG.error("health check failed", e);
            send(exchange, 503, "text/plain; charset=utf-8", "health check failed: " + e + "\n");
            return;
        }
        if (verdict.healthy()) {
            send(exchange, 200, "text/plain; charset=utf-8", "ok\n");
        } else {
            send(exchange, 503, "text/plain; charset=utf-8", String.join("\n", verdict.reasons()) + "\n");
        }
    }

    private static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** The bound port (the chosen one when started with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops at once; idempotent. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
