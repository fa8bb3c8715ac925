package org.tandem.signer.publish;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Configuration of the {@link TransferServer}.
 *
 * @param listen address and port for TCP and UDP (port 0: any free port, see {@link TransferServer#port})
 * @param allowFrom client networks allowed to query and transfer (a host is a /32 or /128); empty
 *     allows nobody: every TCP connection is closed at accept and every UDP query REFUSED
 * @param tsig when present, every request must carry a valid TSIG with this key and every response is signed
 * @param notifyTargets secondaries that get a NOTIFY (UDP) for every new version
 * @param maxConnections TCP connections served at once; more are closed at accept (and logged)
 * @param readTimeout how long a TCP connection may sit idle between or inside requests
 * @param maxConnectionTime how long one TCP connection may last at most (a slow reader is cut off)
 * @param journalVersions how many differences per zone are kept for IXFR
 * @param notifyAttempts NOTIFY sends per target and version before giving up (RFC 1996 §3.6 retries)
 * @param notifyTimeout how long the first NOTIFY waits for an answer; each retry waits twice as long
 * @param maxConnectionsPerSource TCP connections one client address may hold at once; more are
 *     closed at accept, so one address cannot take every slot
 * @param requestTimeout how long a client has to send one whole request (its length and every byte
 *     of it), from the moment the server starts waiting for it; a client that trickles is cut off
 */
public record TransferConfig(
        InetSocketAddress listen,
        List<Cidr> allowFrom,
        Optional<TsigKey> tsig,
        List<InetSocketAddress> notifyTargets,
        int maxConnections,
        Duration readTimeout,
        Duration maxConnectionTime,
        int journalVersions,
        int notifyAttempts,
        Duration notifyTimeout,
        int maxConnectionsPerSource,
        Duration requestTimeout) {
    /** Default for {@link #maxConnectionsPerSource}. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_SOURCE = 4;
    /** Default for {@link #requestTimeout}. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    public TransferConfig {
        Objects.requireNonNull(listen, "listen");
        allowFrom = List.copyOf(allowFrom);
        Objects.requireNonNull(tsig, "tsig");
        notifyTargets = List.copyOf(notifyTargets);
        requirePositive(maxConnections, "maxConnections");
        requirePositive(readTimeout, "readTimeout");
        requirePositive(maxConnectionTime, "maxConnectionTime");
        requirePositive(journalVersions, "journalVersions");
        requirePositive(notifyAttempts, "notifyAttempts");
        requirePositive(notifyTimeout, "notifyTimeout");
        requirePositive(maxConnectionsPerSource, "maxConnectionsPerSource");
        requirePositive(requestTimeout, "requestTimeout");
        if (listen.isUnresolved()) {
            throw new IllegalArgumentException("transfer listen address is unresolved: " + listen);
        }
    }

    /**
     * Defaults on an address: nobody may transfer (see {@link #withAllowNetworks}), no TSIG, no
     * NOTIFY targets, 16 connections, 4 per client address, 5 s to send a request, 10 s read
     * timeout, 10 min per connection, 16 journal entries, 5 NOTIFY attempts from 1 s.
     */
    public static TransferConfig on(InetSocketAddress listen) {
        return new TransferConfig(
                listen,
                List.of(),
                Optional.empty(),
                List.of(),
                16,
                Duration.ofSeconds(10),
                Duration.ofMinutes(10),
                16,
                5,
                Duration.ofSeconds(1),
                DEFAULT_MAX_CONNECTIONS_PER_SOURCE,
                DEFAULT_REQUEST_TIMEOUT);
    }

    /** Only these networks may query and transfer; an empty list: nobody. */
    public TransferConfig withAllowNetworks(List<Cidr> networks) {
        return with(b -> b.allowFrom = networks);
    }

    /** Only these hosts may query and transfer. */
    public TransferConfig withAllowFrom(List<InetAddress> addresses) {
        return withAllowNetworks(addresses.stream()
                .map(a -> new Cidr(a, a.getAddress().length * 8))
                .toList());
    }

    public TransferConfig withTsig(TsigKey key) {
        return with(b -> b.tsig = Optional.of(key));
    }

    public TransferConfig withNotify(List<InetSocketAddress> targets) {
        return with(b -> b.notifyTargets = targets);
    }

    public TransferConfig withLimits(int connections, Duration read, Duration perConnection) {
        return with(b -> {
            b.maxConnections = connections;
            b.readTimeout = read;
            b.maxConnectionTime = perConnection;
        });
    }

    /** At most {@code perSource} connections per client address, {@code request} to send one whole request. */
    public TransferConfig withClientLimits(int perSource, Duration request) {
        return with(b -> {
            b.maxConnectionsPerSource = perSource;
            b.requestTimeout = request;
        });
    }

    public TransferConfig withJournal(int versions) {
        return with(b -> b.journalVersions = versions);
    }

    public TransferConfig withNotifyRetries(int attempts, Duration firstTimeout) {
        return with(b -> {
            b.notifyAttempts = attempts;
            b.notifyTimeout = firstTimeout;
        });
    }

    /** Whether {@code client} is in the allow-list (never, when it is empty). */
    public boolean allows(InetAddress client) {
        return allowFrom.stream().anyMatch(n -> n.contains(client));
    }

    /** This config with the components {@code change} sets; the canonical constructor checks the result. */
    private TransferConfig with(Consumer<Copy> change) {
        Copy b = new Copy(this);
        change.accept(b);
        return new TransferConfig(
                b.listen,
                b.allowFrom,
                b.tsig,
                b.notifyTargets,
                b.maxConnections,
                b.readTimeout,
                b.maxConnectionTime,
                b.journalVersions,
                b.notifyAttempts,
                b.notifyTimeout,
                b.maxConnectionsPerSource,
                b.requestTimeout);
    }

    /** The components of a {@link TransferConfig}, each one changeable before {@link #with} builds anew. */
    private static final class Copy {
        InetSocketAddress listen;
        List<Cidr> allowFrom;
        Optional<TsigKey> tsig;
        List<InetSocketAddress> notifyTargets;
        int maxConnections;
        Duration readTimeout;
        Duration maxConnectionTime;
        int journalVersions;
        int notifyAttempts;
        Duration notifyTimeout;
        int maxConnectionsPerSource;
        Duration requestTimeout;

        Copy(TransferConfig c) {
            listen = c.listen;
            allowFrom = c.allowFrom;
            tsig = c.tsig;
            notifyTargets = c.notifyTargets;
            maxConnections = c.maxConnections;
            readTimeout = c.readTimeout;
            maxConnectionTime = c.maxConnectionTime;
            journalVersions = c.journalVersions;
            notifyAttempts = c.notifyAttempts;
            notifyTimeout = c.notifyTimeout;
            maxConnectionsPerSource = c.maxConnectionsPerSource;
            requestTimeout = c.requestTimeout;
        }
    }

    private static void requirePositive(int v, String what) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + v);
        }
    }

    private static void requirePositive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
    }
}
