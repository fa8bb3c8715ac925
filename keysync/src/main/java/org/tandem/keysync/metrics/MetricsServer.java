package org.tandem.keysync.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Tandem process's plain-HTTP endpoint for monitoring (HTTP/1.1, one request per connection), the
 * signer node's and the coordinator's:
 *
 * <ul>
 *   <li>{@code GET /metrics}: 200, the scrape supplier's text as {@code text/plain;
 *       version=0.0.4} (Prometheus text format, e.g. a Micrometer {@code PrometheusMeterRegistry}'s).
 *   <li>{@code GET /health}: 200 {@code ok} when the health supplier names no problem (the process
 *       can do its job); 503 with one problem per line otherwise, and also when the supplier throws
 *       (the reason then says so).
 *   <li>Other paths 404, other methods than GET and HEAD 405.
 * </ul>
 *
 * <p>Hostile clients: every connection has {@code requestTimeout} from accept to the last byte of
 * the answer; a client that connects and sends nothing, sends its request a byte at a time, or does
 * not read the answer is cut off then. A request head larger than {@value #MAX_HEAD_BYTES} bytes
 * is answered 431, a body larger than {@value #MAX_BODY_BYTES} bytes 413. At most
 * {@value #WORKERS} connections are served at once and {@value #QUEUE} wait; more are closed on
 * accept. Texts served are one line per reason of at most {@value #MAX_REASON_CHARS} characters,
 * control characters replaced: an error never carries more than its first line.
 *
 * <p>Contracts: {@link #start} binds before it returns; the caller owns the server and closes it
 * ({@link #close()} stops at once and is idempotent). No TLS and no authentication: it listens on
 * the loopback unless configured otherwise, and logs a WARNING at start when bound to any other
 * address (IMPORTANT: the health text names zones, keys and HSMs; bind it to a management network
 * only). Thread-safe.
 *
 * <p>Shared by the signer node and the coordinator, which must not depend on each other: it lives in
 * keysync, which both use.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    /** The {@code Content-Type} of {@code /metrics}. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private static final String TEXT = "text/plain; charset=utf-8";
    /** Accept to last byte of the answer, unless given otherwise. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    static final int MAX_HEAD_BYTES = 8192;
    static final int MAX_BODY_BYTES = 8192;
    static final int MAX_REASON_CHARS = 300;
    private static final int WORKERS = 4;
    private static final int QUEUE = 16;

    private final ServerSocket socket;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService timer;
    private final Thread acceptor;
    private final Duration requestTimeout;
    private final Supplier<String> scrape;
    private final Supplier<List<String>> health;
    private volatile boolean closed;

    private MetricsServer(
            ServerSocket socket, Duration requestTimeout, Supplier<String> scrape, Supplier<List<String>> health) {
        this.socket = socket;
        this.requestTimeout = requestTimeout;
        this.scrape = scrape;
        this.health = health;
        this.workers = new ThreadPoolExecutor(
                WORKERS, WORKERS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), daemon("tandem-metrics-http"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("tandem-metrics-timeout"));
        this.acceptor = daemon("tandem-metrics-accept").newThread(this::acceptLoop);
    }

    /**
     * Starts serving with {@link #DEFAULT_REQUEST_TIMEOUT}.
     *
     * @param host address or host name to listen on, e.g. {@code 127.0.0.1}
     * @param port TCP port, 0 for a free one (see {@link #port()})
     * @param scrape what {@code /metrics} serves, in the Prometheus text format; called once per request
     * @param health the problems {@code /health} reports, one line each (empty: healthy); called once
     *     per request, must be fast
     * @throws IOException when the address does not resolve or cannot be bound
     */
    public static MetricsServer start(String host, int port, Supplier<String> scrape, Supplier<List<String>> health)
            throws IOException {
        return start(host, port, scrape, health, DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * Starts serving.
     *
     * @param requestTimeout how long one connection may take from accept to the last byte of the answer
     * @see #start(String, int, Supplier, Supplier)
     */
    public static MetricsServer start(
            String host, int port, Supplier<String> scrape, Supplier<List<String>> health, Duration requestTimeout)
            throws IOException {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(scrape, "scrape");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new UnknownHostException("metrics listen host does not resolve: " + host);
        }
        ServerSocket socket = new ServerSocket();
        try {
            socket.bind(address, 16);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot listen for metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        MetricsServer server = new MetricsServer(socket, requestTimeout, scrape, health);
        server.acceptor.start();
        InetAddress bound = address.getAddress();
        if (!bound.isLoopbackAddress()) {
            LOG.warn(
                    "metrics and health served on {} which is not a loopback address: anyone who reaches it reads the "
                            + "process's zones, keys and HSMs in /health (no TLS, no authentication); bind "
                            + "metrics.listen to 127.0.0.1 or a management network",
                    socket.getLocalSocketAddress());
        }
        LOG.info(
                "metrics and health served address={} request-timeout={}",
                socket.getLocalSocketAddress(),
                requestTimeout);
        return server;
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("metrics accept failed: {}", e.toString());
                }
                continue;
            }
            try {
                workers.execute(() -> serve(client));
            } catch (RejectedExecutionException e) {
                LOG.warn(
                        "metrics connection refused peer={} reason=busy ({} served, {} waiting)",
                        client.getRemoteSocketAddress(),
                        WORKERS,
                        QUEUE);
                closeQuietly(client);
            }
        }
    }

    private void serve(Socket client) {
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        // the whole exchange, also a write to a client that does not read, ends at the deadline
        ScheduledFuture<?> cut =
                timer.schedule(() -> closeQuietly(client), requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            exchange(client, deadline);
        } catch (SocketTimeoutException e) {
            LOG.warn(
                    "metrics request cut off peer={} reason=not complete within {}",
                    client.getRemoteSocketAddress(),
                    requestTimeout);
        } catch (IOException e) {
            if (System.nanoTime() - deadline >= 0) {
                LOG.warn(
                        "metrics request cut off peer={} reason=not complete within {}",
                        client.getRemoteSocketAddress(),
                        requestTimeout);
            } else {
                LOG.debug("metrics connection failed peer={}: {}", client.getRemoteSocketAddress(), e.toString());
            }
        } finally {
            cut.cancel(false);
            closeQuietly(client);
        }
    }

    private void exchange(Socket client, long deadline) throws IOException {
        InputStream in = client.getInputStream();
        OutputStream out = client.getOutputStream();
        byte[] head = readHead(client, in, deadline);
        if (head == null) {
            respond(out, "GET", 431, TEXT, "request head larger than " + MAX_HEAD_BYTES + " bytes\n", List.of());
            return;
        }
        List<String> lines =
                new String(head, StandardCharsets.ISO_8859_1).lines().toList();
        String[] request = lines.isEmpty() ? new String[0] : lines.get(0).split(" ");
        if (request.length != 3 || !request[2].startsWith("HTTP/1.")) {
            respond(out, "GET", 400, TEXT, "bad request line\n", List.of());
            return;
        }
        String method = request[0];
        long length = contentLength(lines);
        if (length > MAX_BODY_BYTES) {
            respond(out, method, 413, TEXT, "request body larger than " + MAX_BODY_BYTES + " bytes\n", List.of());
            return;
        }
        drain(client, in, length, deadline);
        String path;
        try {
            path = new URI(request[1]).getPath();
        } catch (URISyntaxException e) {
            respond(out, method, 400, TEXT, "bad request target\n", List.of());
            return;
        }
        if (!"/metrics".equals(path) && !"/health".equals(path)) {
            respond(out, method, 404, TEXT, "not found (try /metrics or /health)\n", List.of());
            return;
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            respond(out, method, 405, TEXT, "method not allowed: use GET or HEAD\n", List.of("Allow: GET, HEAD"));
            return;
        }
        if (path.equals("/metrics")) {
            String body;
            try {
                body = Objects.requireNonNull(scrape.get(), "scrape supplier returned null");
            } catch (RuntimeException e) {
                LOG.error("metrics scrape failed", e);
                respond(out, method, 500, TEXT, "scrape failed (see the node's log)\n", List.of());
                return;
            }
            respond(out, method, 200, PROMETHEUS_TEXT, body, List.of());
            return;
        }
        List<String> problems;
        try {
            problems = Objects.requireNonNull(health.get(), "health supplier returned null");
        } catch (RuntimeException e) {
            LOG.error("health check failed", e);
            respond(
                    out,
                    method,
                    503,
                    TEXT,
                    "health check failed: " + oneLine(String.valueOf(e.getMessage())) + "\n",
                    List.of());
            return;
        }
        if (problems.isEmpty()) {
            respond(out, method, 200, TEXT, "ok\n", List.of());
        } else {
            StringBuilder body = new StringBuilder();
            for (String reason : problems) {
                body.append(oneLine(reason)).append('\n');
            }
            respond(out, method, 503, TEXT, body.toString(), List.of());
        }
    }

    /** The request head up to the blank line, or null when it is larger than allowed. */
    private static byte[] readHead(Socket client, InputStream in, long deadline) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0; // the last four bytes read, the latest in the low byte
        while (head.size() < MAX_HEAD_BYTES) {
            setTimeout(client, deadline);
            int b = in.read();
            if (b < 0) {
                throw new SocketException("connection closed before the request head ended");
            }
            head.write(b);
            last4 = (last4 << 8) | b;
            if (last4 == 0x0d0a0d0a || (last4 & 0xffff) == 0x0a0a) { // CRLF CRLF, or LF LF
                return head.toByteArray();
            }
        }
        return null;
    }

    private static long contentLength(List<String> lines) {
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0
                    && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                try {
                    return Long.parseLong(line.substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    return Long.MAX_VALUE;
                }
            }
        }
        return 0;
    }

    private static void drain(Socket client, InputStream in, long length, long deadline) throws IOException {
        byte[] buffer = new byte[1024];
        long left = length;
        while (left > 0) {
            setTimeout(client, deadline);
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                return;
            }
            left -= n;
        }
    }

    private static void setTimeout(Socket client, long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("request deadline passed");
        }
        client.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }

    private static void respond(
            OutputStream out, String method, int code, String type, String body, List<String> headers)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("HTTP/1.1 ")
                .append(code)
                .append(' ')
                .append(reason(code))
                .append("\r\n")
                .append("Content-Type: ")
                .append(type)
                .append("\r\n")
                .append("Content-Length: ")
                .append(bytes.length)
                .append("\r\n")
                .append("Connection: close\r\n");
        for (String h : headers) {
            head.append(h).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!method.equals("HEAD")) {
            out.write(bytes);
        }
        out.flush();
    }

    private static String reason(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    /** The first line, control characters replaced, at most {@value #MAX_REASON_CHARS} characters. */
    static String oneLine(String text) {
        String first = text.lines().findFirst().orElse("");
        StringBuilder clean = new StringBuilder();
        for (int i = 0; i < first.length() && clean.length() < MAX_REASON_CHARS; i++) {
            char c = first.charAt(i);
            clean.append(Character.isISOControl(c) ? '?' : c);
        }
        if (first.length() > MAX_REASON_CHARS) {
            clean.append("...");
        }
        return clean.toString();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            LOG.debug("metrics socket close failed: {}", e.toString());
        }
    }

    /** The bound port (the chosen one when started with port 0). */
    public int port() {
        return socket.getLocalPort();
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Stops at once; idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("metrics server socket close failed: {}", e.toString());
        }
        workers.shutdownNow();
        timer.shutdownNow();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
