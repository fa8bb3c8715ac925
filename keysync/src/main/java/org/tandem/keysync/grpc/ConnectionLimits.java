package org.tandem.keysync.grpc;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The limits every Tandem gRPC server puts on its connections ({@link MtlsServers}):
 *
 * <ul>
 *   <li>{@code maxConnectionAge}: a connection is told to go away (HTTP/2 GOAWAY) after this long
 *       (gRPC adds up to 10 % jitter), and closed {@code maxConnectionAgeGrace} later. A client
 *       then connects again and goes through a new TLS handshake, so a certificate that expired (or
 *       a CA the server no longer trusts after a restart) stops working within age plus grace, not
 *       when the connection happens to drop.
 *   <li>{@code handshakeTimeout}: a connection that has not finished its TLS handshake (and HTTP/2
 *       preface) within this long is closed, so a client that opens a socket and sends nothing
 *       holds it only that long.
 *   <li>{@code maxConnections}: accepted TCP connections beyond this many at once are closed at
 *       once, before any TLS work, and logged.
 * </ul>
 *
 * @param maxConnectionAge positive
 * @param maxConnectionAgeGrace zero or positive; running calls get this long to finish
 * @param handshakeTimeout positive
 * @param maxConnections at least 1
 */
public record ConnectionLimits(
        Duration maxConnectionAge, Duration maxConnectionAgeGrace, Duration handshakeTimeout, int maxConnections) {

    /** One hour, plus five minutes for running calls; a 10 s handshake; 256 connections. */
    public static final ConnectionLimits DEFAULTS =
            new ConnectionLimits(Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofSeconds(10), 256);

    public ConnectionLimits {
        Objects.requireNonNull(maxConnectionAge, "maxConnectionAge");
        Objects.requireNonNull(maxConnectionAgeGrace, "maxConnectionAgeGrace");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        if (maxConnectionAge.isNegative() || maxConnectionAge.isZero()) {
            throw new IllegalArgumentException("maxConnectionAge must be positive, got " + maxConnectionAge);
        }
        if (maxConnectionAgeGrace.isNegative()) {
            throw new IllegalArgumentException(
                    "maxConnectionAgeGrace must not be negative, got " + maxConnectionAgeGrace);
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive, got " + handshakeTimeout);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, got " + maxConnections);
        }
    }

    /**
     * Applies these limits to {@code builder}: connection age and grace, handshake timeout, and the
     * connection cap on the listening socket (on Tandem's shared event loops).
     *
     * @param server the server's address or name, for the log line when the cap refuses a connection
     */
    public NettyServerBuilder applyTo(NettyServerBuilder builder, String server) {
        return builder.maxConnectionAge(maxConnectionAge.toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionAgeGrace(maxConnectionAgeGrace.toMillis(), TimeUnit.MILLISECONDS)
                .handshakeTimeout(handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .channelFactory(ConnectionCap.channelFactory(maxConnections, server))
                .bossEventLoopGroup(ConnectionCap.BOSS)
                .workerEventLoopGroup(ConnectionCap.WORKERS);
    }
}
