package org.tandem.keysync.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Opens Tandem's gRPC client channels, always with mutual TLS 1.3: the channel presents the node's
 * certificate and accepts only a server whose certificate chains to the cluster CA, is valid now,
 * is meant for a server (extended key usage {@code serverAuth}), names the target host (DNS or IP
 * subject alternative name) and carries a role the client talks to ({@link #serverRolesFor}: a
 * node talks to nodes and the coordinator, the coordinator to nodes; {@code signerctl} passes
 * {@link CallerRole#COORDINATOR} itself). A server with the wrong role is refused during the
 * handshake; the call fails {@code UNAVAILABLE} and the log names the expected roles and the
 * presented CN and roles.
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
        return builder(target, tls, null).build();
    }

    /**
     * Opens a mutual-TLS channel to a server whose certificate must carry one of {@code serverRoles}.
     *
     * @see #open(String, TlsMaterial)
     */
    public static ManagedChannel open(String target, TlsMaterial tls, Set<CallerRole> serverRoles)
            throws TlsMaterialException {
        Objects.requireNonNull(serverRoles, "serverRoles");
        return builder(target, tls, serverRoles).build();
    }

    /**
     * The roles a client with certificate roles {@code own} accepts from a server unless told
     * otherwise: a node talks to nodes and the coordinator, the coordinator to nodes only; an
     * operator or role-less certificate (a console, a monitor) to nodes and the coordinator, never to
     * a server presenting an operator or role-less certificate.
     */
    public static Set<CallerRole> serverRolesFor(Set<CallerRole> own) {
        Set<CallerRole> roles = EnumSet.noneOf(CallerRole.class);
        if (own.contains(CallerRole.NODE)) {
            roles.add(CallerRole.NODE);
            roles.add(CallerRole.COORDINATOR);
        }
        if (own.contains(CallerRole.COORDINATOR)) {
            roles.add(CallerRole.NODE);
        }
        if (roles.isEmpty()) {
            roles.add(CallerRole.NODE);
            roles.add(CallerRole.COORDINATOR);
        }
        return roles;
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
        return builder(target, tls, null).overrideAuthority(overrideAuthority).build();
    }

    private static NettyChannelBuilder builder(String target, TlsMaterial tls, Set<CallerRole> serverRoles)
            throws TlsMaterialException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(tls, "tls");
        ChannelCredentials credentials =
                tls.channelCredentials(serverRoles == null ? serverRolesFor(tls.roles()) : serverRoles);
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
