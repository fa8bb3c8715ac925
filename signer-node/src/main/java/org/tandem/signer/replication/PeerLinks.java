package org.tandem.signer.replication;

import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tandem.keysync.grpc.MtlsChannels;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.grpc.TlsMaterialException;
import org.tandem.proto.keysync.v1.KeySyncGrpc;

/**
 * The mutual-TLS channels from this node to its peers' KeySync services: the node's own certificate
 * (OU=node) is the client certificate; a peer's server certificate must chain to the cluster CA and
 * name the peer's host ({@link MtlsChannels}).
 *
 * <p>Contracts: channels connect lazily, at the first call, so an unreachable peer shows as a failed
 * call, never here. Thread-safe. {@link #close()} shuts every channel down (idempotent).
 */
public final class PeerLinks implements AutoCloseable {
    /** One peer and the stub to reach it. */
    record Link(Peer peer, KeySyncGrpc.KeySyncBlockingStub stub) {}

    private final List<ManagedChannel> channels;
    private final List<Link> links;

    private PeerLinks(List<ManagedChannel> channels, List<Link> links) {
        this.channels = List.copyOf(channels);
        this.links = List.copyOf(links);
    }

    /**
     * Opens a channel to every peer.
     *
     * @throws TlsMaterialException when the node's TLS files cannot be used; nothing is left open
     */
    public static PeerLinks open(List<Peer> peers, TlsMaterial tls) throws TlsMaterialException {
        List<ManagedChannel> channels = new ArrayList<>();
        List<Link> links = new ArrayList<>();
        try {
            for (Peer p : peers) {
                ManagedChannel c = MtlsChannels.open(p.target(), tls);
                channels.add(c);
                links.add(new Link(p, KeySyncGrpc.newBlockingStub(c)));
            }
        } catch (TlsMaterialException | RuntimeException e) {
            channels.forEach(ManagedChannel::shutdownNow);
            throw e;
        }
        return new PeerLinks(channels, links);
    }

    /** No peers: a node alone, or one that was not told its peers. */
    public static PeerLinks none() {
        return new PeerLinks(List.of(), List.of());
    }

    /** The peers, in configuration order. */
    public List<Peer> peers() {
        return links.stream().map(Link::peer).toList();
    }

    List<Link> links() {
        return links;
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels) {
            c.shutdown();
        }
        for (ManagedChannel c : channels) {
            try {
                if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
                    c.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.shutdownNow();
            }
        }
    }
}
