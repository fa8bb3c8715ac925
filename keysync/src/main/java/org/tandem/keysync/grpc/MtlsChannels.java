package org.tandem.keysync.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Objects;

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
            return NettyChannelBuilder.forTarget(target, credentials);
        } catch (IllegalArgumentException e) {
            // gRPC builds the TLS context here; check() makes this unlikely, but say which files.
            throw new TlsMaterialException(tls.certificateChain(), "rejected by gRPC TLS (" + tls + "): " + e, e);
        }
    }
}
