package org.tandem.signer.publish;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TSIGRecord;

/**
 * The built-in transfer endpoint of the leader: serves the zones it is given to secondaries by AXFR
 * (RFC 5936) and IXFR (RFC 1995) over TCP, answers SOA queries over UDP and TCP, and sends NOTIFY
 * (RFC 1996) to the configured secondaries for every new version. Only addresses in the allow-list
 * are served (an empty list: nobody), checked at accept before anything is read; TSIG (RFC 8945) is
 * optional, and when set it is required with a full-length MAC and a time within 300 s.
 *
 * <p>Contracts:
 *
 * <ul>
 *   <li>Serves only while the {@link ServingPermit} says yes, checked on every request and before
 *       every message of a transfer: otherwise REFUSED (and a log line), a running transfer is cut
 *       off, and no NOTIFY is sent.
 *   <li>{@link #serve} replaces a zone's version atomically: a transfer in progress finishes with the
 *       version it started with. Serials only move forward (RFC 1982); the same serial with other
 *       records is refused ({@link ZoneVersionConflictException}).
 *   <li>Nothing a client sends stops the server: malformed messages are dropped with a log line, TCP
 *       connections are bounded ({@link TransferConfig#maxConnections}, and per client address
 *       {@link TransferConfig#maxConnectionsPerSource}), a request must arrive whole within {@link
 *       TransferConfig#requestTimeout} however slowly it trickles, idle ones time out, and no
 *       connection lasts longer than {@link TransferConfig#maxConnectionTime}.
 *   <li>Thread-safe. The caller owns the server and must {@link #stop} (or close) it, which closes
 *       every socket and stops every thread it started.
 * </ul>
 *
 * IMPORTANT: the permit is the only thing that keeps a node that lost leadership from serving; pass
 * the election's lease check, never {@link ServingPermit#always()}, in a cluster.
 */
public final class TransferServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransferServer.class);
    private static final int MAX_REQUESTS_PER_CONNECTION = 64;
    private static final int BIND_ATTEMPTS = 8;

    private final TransferConfig config;
    private final ServingPermit permit;
    private final TSIG tsig;
    private final Counters counters = new Counters();
    private final ConcurrentHashMap<Name, ServedZone> zones = new ConcurrentHashMap<>();
    private final TransferResponder responder;
    private final ServerSocket tcp;
    private final DatagramSocket udp;
    private final ThreadPoolExecutor connections;
    private final ScheduledExecutorService timers;
    private final Notifier notifier;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** Open TCP connections per client address, for {@link TransferConfig#maxConnectionsPerSource}. */
    private final ConcurrentHashMap<InetAddress, Integer> perSource = new ConcurrentHashMap<>();

    private final Thread acceptor;
    private final Thread udpReader;
    private volatile boolean running = true;

    private TransferServer(
            TransferConfig config, ServingPermit permit, Clock clock, ServerSocket tcp, DatagramSocket udp) {
        this.config = config;
        this.permit = permit;
        this.tsig = config.tsig().map(k -> k.toTsig(clock)).orElse(null);
        this.tcp = tcp;
        this.udp = udp;
        this.responder = new TransferResponder(
                config.allowFrom(),
                tsig,
                config.tsig().map(TsigKey::macLength).orElse(0),
                clock,
                permit,
                zones::get,
                counters);
        this.connections = new ThreadPoolExecutor(
                config.maxConnections(),
                config.maxConnections(),
                30,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                threads("tandem-xfr-tcp"));
        this.connections.allowCoreThreadTimeOut(true);
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(2, threads("tandem-xfr-timer"));
        t.setRemoveOnCancelPolicy(true);
        this.timers = t;
        this.notifier = new Notifier(
                config,
                tsig,
                permit,
                timers,
                z -> {
                    ServedZone s = zones.get(z.name());
                    return s == null ? null : s.serial();
                },
                counters);
        this.acceptor = threads("tandem-xfr-accept").newThread(this::acceptLoop);
        this.udpReader = threads("tandem-xfr-udp").newThread(this::udpLoop);
    }

    /**
     * Binds TCP and UDP on {@code config.listen()} (the same port for both; port 0 picks a free one)
     * and starts serving. No zone is served until {@link #serve}.
     *
     * @param clock the clock TSIG signs and checks time with
     * @throws SigningException when the address cannot be bound; nothing is left running
     */
    public static TransferServer start(TransferConfig config, ServingPermit permit, Clock clock)
            throws SigningException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(permit, "permit");
        Objects.requireNonNull(clock, "clock");
        IOException last = null;
        for (int i = 0; i < BIND_ATTEMPTS; i++) {
            ServerSocket tcp = null;
            try {
                tcp = new ServerSocket();
                tcp.setReuseAddress(true);
                tcp.bind(config.listen(), 64);
                DatagramSocket udp = new DatagramSocket(null);
                try {
                    udp.bind(new InetSocketAddress(config.listen().getAddress(), tcp.getLocalPort()));
                } catch (IOException e) {
                    udp.close();
                    throw e;
                }
                TransferServer server = new TransferServer(config, permit, clock, tcp, udp);
                server.acceptor.start();
                server.udpReader.start();
                LOG.info(
                        "transfer server listening on {} (tcp+udp) tsig={} allow-from={} notify={}",
                        server.address(),
                        config.tsig().map(k -> k.name().toString()).orElse("none"),
                        config.allowFrom().isEmpty() ? "nobody" : config.allowFrom(),
                        config.notifyTargets());
                return server;
            } catch (IOException e) {
                last = e;
                closeQuietly(tcp);
                if (!(e instanceof BindException) || config.listen().getPort() != 0) {
                    break;
                }
            }
        }
        throw new SigningException(
                "transfer server: cannot listen on " + config.listen() + ": "
                        + (last == null ? "unknown" : last.getMessage()),
                last);
    }

    /** The bound address (the real port when the configured one was 0). */
    public InetSocketAddress address() {
        return new InetSocketAddress(tcp.getInetAddress(), tcp.getLocalPort());
    }

    /** The bound port, TCP and UDP. */
    public int port() {
        return tcp.getLocalPort();
    }

    /**
     * Serves {@code zone} as the zone's current version from now on, journals the difference from the
     * previous version for IXFR, and sends NOTIFY to the configured secondaries (when permitted).
     * Serving the current version again with the same records does nothing.
     *
     * <p>IMPORTANT: the caller must have passed the validation gate and committed the version (fenced)
     * before; this class does not validate.
     *
     * @throws ZoneVersionConflictException when the serial is served already with other records
     * @throws SigningException when the serial is not newer (RFC 1982) than the served one, or the
     *     zone has no apex SOA matching its serial, or a record cannot fit a DNS message
     */
    public synchronized void serve(SignedZone zone) throws SigningException {
        Objects.requireNonNull(zone, "zone");
        if (!running) {
            throw new IllegalStateException("transfer server is stopped");
        }
        Name name = zone.origin().name();
        int budget = TransferMessages.budget(name.length());
        ServedZone current = zones.get(name);
        ServedZone next;
        try {
            if (current == null) {
                next = ServedZone.first(zone, budget);
            } else if (current.serial() == zone.serial()) {
                if (current.sameRecords(zone)) {
                    LOG.info("zone={} serial={} already served with the same records", zone.origin(), zone.serial());
                    return;
                }
                throw new ZoneVersionConflictException(
                        zone.origin(), zone.serial(), null, "already served with different records");
            } else if (!Serials.greater(zone.serial(), current.serial())) {
                throw new SigningException("zone " + zone.origin() + " serial " + zone.serial()
                        + " is not newer than the served serial " + current.serial()
                        + " (RFC 1982); refused, secondaries would ignore it");
            } else {
                next = current.next(zone, config.journalVersions(), budget);
            }
        } catch (IllegalArgumentException e) {
            throw new SigningException(
                    "zone " + zone.origin() + " serial " + zone.serial() + " cannot be served: " + e.getMessage(), e);
        }
        zones.put(name, next);
        LOG.info(
                "zone={} serial={} served records={} axfr-messages={} journal={}",
                zone.origin(),
                zone.serial(),
                zone.records().size(),
                next.axfrMessages.size(),
                next.journal.size());
        notifier.announce(zone.origin(), next.soa);
    }

    /** The serial served for {@code zone}, if any. */
    public Optional<Long> servedSerial(ZoneName zone) {
        ServedZone s = zones.get(zone.name());
        return s == null ? Optional.empty() : Optional.of(s.serial());
    }

    /**
     * Tells {@code listener} of every transfer and NOTIFY exchange from now on, per zone (replaces
     * the one set before; {@link TransferListener#NONE} to stop).
     */
    public void listener(TransferListener listener) {
        counters.listener(Objects.requireNonNull(listener, "listener"));
    }

    /** A snapshot of what the server did so far. */
    public TransferCounters counters() {
        return counters.snapshot();
    }

    /** Closes the sockets (a transfer in progress is cut off) and stops every thread. Idempotent. */
    public void stop() {
        if (!running) {
            return;
        }
        InetSocketAddress bound = address();
        running = false;
        closeQuietly(tcp);
        udp.close();
        for (Socket s : open) {
            closeQuietly(s);
        }
        connections.shutdownNow();
        timers.shutdownNow();
        try {
            acceptor.join(5000);
            udpReader.join(5000);
            connections.awaitTermination(5, TimeUnit.SECONDS);
            timers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("transfer server on {} stopped", bound);
    }

    @Override
    public void close() {
        stop();
    }

    private void acceptLoop() {
        while (running) {
            Socket s;
            try {
                s = tcp.accept();
            } catch (IOException e) {
                if (running) {
                    LOG.warn("transfer server: accept failed: {}", e.toString());
                    continue;
                }
                return;
            }
            InetAddress client = s.getInetAddress();
            // Checked before a byte is read: an address outside the allow-list holds no slot.
            if (!config.allows(client)) {
                counters.connectionsRejected.incrementAndGet();
                counters.refused.incrementAndGet();
                LOG.warn("closed tcp connection client={}: not in the allow-list", client.getHostAddress());
                closeQuietly(s);
                continue;
            }
            if (!claimSlot(client)) {
                counters.connectionsRejected.incrementAndGet();
                LOG.warn(
                        "closed tcp connection client={}: it holds {} connections already (the most per address)",
                        client.getHostAddress(),
                        config.maxConnectionsPerSource());
                closeQuietly(s);
                continue;
            }
            try {
                connections.execute(() -> {
                    try {
                        handle(s);
                    } finally {
                        releaseSlot(client);
                    }
                });
            } catch (RejectedExecutionException e) {
                releaseSlot(client);
                counters.connectionsRejected.incrementAndGet();
                LOG.warn(
                        "closed tcp connection client={}: all {} connection slots are busy",
                        client.getHostAddress(),
                        config.maxConnections());
                closeQuietly(s);
            }
        }
    }

    private boolean claimSlot(InetAddress client) {
        boolean[] claimed = {false};
        perSource.compute(client, (a, n) -> {
            int held = n == null ? 0 : n;
            if (held >= config.maxConnectionsPerSource()) {
                return n;
            }
            claimed[0] = true;
            return held + 1;
        });
        return claimed[0];
    }

    private void releaseSlot(InetAddress client) {
        perSource.computeIfPresent(client, (a, n) -> n <= 1 ? null : n - 1);
    }

    private void handle(Socket s) {
        open.add(s);
        InetAddress client = s.getInetAddress();
        ScheduledFuture<?> cutOff = null;
        try {
            cutOff = timers.schedule(
                    () -> {
                        LOG.warn(
                                "closed tcp connection client={}: longer than {}",
                                client.getHostAddress(),
                                config.maxConnectionTime());
                        closeQuietly(s);
                    },
                    config.maxConnectionTime().toMillis(),
                    TimeUnit.MILLISECONDS);
            s.setSoTimeout((int) Math.min(config.readTimeout().toMillis(), Integer.MAX_VALUE));
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
            for (int n = 0; n < MAX_REQUESTS_PER_CONNECTION && running; n++) {
                // The whole request (its length and every byte) must arrive within requestTimeout,
                // however slowly it trickles: a slow client cannot hold a slot for long.
                AtomicBoolean late = new AtomicBoolean();
                ScheduledFuture<?> deadline = timers.schedule(
                        () -> {
                            late.set(true);
                            // counted before the close, so whoever sees the connection cut sees it counted
                            counters.connectionsRejected.incrementAndGet();
                            closeQuietly(s);
                        },
                        config.requestTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
                int length;
                byte[] request;
                try {
                    try {
                        length = in.readUnsignedShort();
                    } catch (EOFException e) {
                        return;
                    }
                    if (length < 12) {
                        counters.malformed.incrementAndGet();
                        LOG.warn(
                                "dropped malformed message client={} transport=TCP bytes={}: shorter than a DNS "
                                        + "header; connection closed",
                                client.getHostAddress(),
                                length);
                        return;
                    }
                    request = new byte[length];
                    in.readFully(request);
                } catch (IOException e) {
                    if (late.get()) {
                        LOG.info(
                                "closed tcp connection client={}: no whole request within {}",
                                client.getHostAddress(),
                                config.requestTimeout());
                        return;
                    }
                    throw e;
                } finally {
                    deadline.cancel(false);
                }
                if (late.get()) {
                    return;
                }
                Optional<TransferResponder.Reply> reply =
                        responder.respond(request, client, TransferResponder.Transport.TCP);
                if (reply.isEmpty()) {
                    return;
                }
                if (!write(out, reply.get(), client)) {
                    return;
                }
            }
        } catch (SocketTimeoutException e) {
            LOG.info("closed tcp connection client={}: idle for {}", client.getHostAddress(), config.readTimeout());
        } catch (EOFException e) {
            counters.malformed.incrementAndGet();
            LOG.warn(
                    "dropped truncated message client={} transport=TCP: the connection ended inside it",
                    client.getHostAddress());
        } catch (IOException e) {
            if (running) {
                LOG.info("tcp connection client={} ended: {}", client.getHostAddress(), e.toString());
            }
        } catch (RuntimeException e) {
            // the boundary: whatever went wrong with one client must not stop the server
            LOG.error("tcp connection client={} failed: {}", client.getHostAddress(), e.toString(), e);
        } finally {
            if (cutOff != null) {
                cutOff.cancel(false);
            }
            open.remove(s);
            closeQuietly(s);
        }
    }

    /** Writes the reply; false when a transfer was cut off because the permit went away. */
    private boolean write(DataOutputStream out, TransferResponder.Reply reply, InetAddress client) throws IOException {
        TSIGRecord previous = reply.requestTsig();
        boolean first = true;
        for (Message m : reply.messages()) {
            if (reply.transfer() && !first && !permit.mayServe()) {
                counters.refused.incrementAndGet();
                LOG.warn(
                        "transfer to client={} cut off: this node no longer holds a valid leadership lease",
                        client.getHostAddress());
                out.flush();
                return false;
            }
            byte[] wire = TransferResponder.render(m, tsig, previous, first);
            if (wire.length > TransferMessages.MAX_MESSAGE) {
                throw new IllegalStateException("a transfer message grew to " + wire.length + " bytes");
            }
            if (previous != null) {
                previous = m.getTSIG();
            }
            out.writeShort(wire.length);
            out.write(wire);
            first = false;
        }
        out.flush();
        return true;
    }

    private void udpLoop() {
        byte[] buf = new byte[65535];
        while (running) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(p);
            } catch (IOException e) {
                if (running) {
                    LOG.warn("transfer server: udp receive failed: {}", e.toString());
                    continue;
                }
                return;
            }
            try {
                byte[] request = Arrays.copyOf(p.getData(), p.getLength());
                Optional<TransferResponder.Reply> reply =
                        responder.respond(request, p.getAddress(), TransferResponder.Transport.UDP);
                if (reply.isPresent()) {
                    Message m = reply.get().messages().get(0);
                    byte[] wire = TransferResponder.render(m, tsig, reply.get().requestTsig(), true);
                    udp.send(new DatagramPacket(wire, wire.length, p.getSocketAddress()));
                }
            } catch (IOException | RuntimeException e) {
                // the boundary: one bad datagram must not stop the server
                if (running && !(e instanceof SocketException && udp.isClosed())) {
                    LOG.warn(
                            "udp request from client={} failed: {}",
                            p.getAddress().getHostAddress(),
                            e.toString());
                }
            }
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }
}
