package org.tandem.keysync.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Opens Tandem's gRPC client channels, always with mutual TLS: the channel presents the node's
 * certificate and accepts only a server whose certificate chains to the cluster CA and names the
 * target host (DNS or IP subject alternative name).
 *
 * <p>Contracts: {@link TlsMaterial} is checked when the channel is opened; the connection itself is
 * made lazily, at the first call, so an unreachable or refusing server shows as
 * {@code UNAVAILABLE} on that call. The caller owns the channel and must {@code shutdown()} it.
 * Thread-safe (no state).
 */
public final class MtlsChannels {
    /**
     * Keepalive ping interval during calls: a connection that a cut link dropped without a word
     * fails after this plus {@link #KEEPALIVE_TIMEOUT}, not at the call's deadline. Servers from
     * {@link MtlsServers} permit it.
     */
    public static final Duration KEEPALIVE = Duration.ofSeconds(10);
    /** How long a keepalive ping may go unanswered before the connection is closed. */
    public static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);

    private MtlsChannels() {}

    /**
     * Opens a mutual-TLS channel.
     *
     * @param target {@code host:port} of the peer; the host must be in the peer certificate's SAN
     * @param tls the node's certificate, key and the cluster CA
     * @return a new channel, owned by the caller
     * @throws TlsMaterialException when a TLS file cannot be used
     */
    public static ManagedChannel open(String target, TlsMaterial tls) throws TlsMaterialException {
        return builder(target, tls).build();
    }

    /**
     * Opens a mutual-TLS channel that verifies the server certificate against {@code authority}
     * instead of the target's host, e.g. to reach {@code 127.0.0.1:port} of a server whose
     * certificate names {@code localhost}.
     *
     * <p>IMPORTANT: the authority is what hostname verification checks; pass a name from
     * configuration, never one taken from the peer.
     *
     * @see #open(String, TlsMaterial)
     */
    public static ManagedChannel open(String target, TlsMaterial tls, String overrideAuthority)
            throws TlsMaterialException {
        Objects.requireNonNull(overrideAuthority, "overrideAuthority");
        return builder(target, tls).overrideAuthority(overrideAuthority).build();
    }

    private static NettyChannelBuilder builder(String target, TlsMaterial tls) throws TlsMaterialException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(tls, "tls");
        ChannelCredentials credentials = tls.channelCredentials();
        try {
            return NettyChannelBuilder.forTarget(target, credentials)
                    .keepAliveTime(KEEPALIVE.toSeconds(), TimeUnit.SECONDS)
                    .keepAliveTimeout(KEEPALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (IllegalArgumentException e) {
            // gRPC builds the TLS context here; check() makes this unlikely, but say which files.
            throw new TlsMaterialException(tls.certificateChain(), "rejected by gRPC TLS (" + tls + "): " + e, e);
        }
    }
}
