package org.tandem.signer.replication;

import java.util.Objects;

/**
 * Another signer node of the cluster, as this node's configuration names it.
 *
 * @param name the node's name (its election id, {@code node.name} in its {@code node.yaml})
 * @param target {@code host:port} of its gRPC endpoint (SignerNode and KeySync); the host must be in
 *     the peer's server certificate (DNS or IP SAN)
 */
public record Peer(String name, String target) {
    public Peer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(target, "target");
        if (name.isBlank() || target.isBlank()) {
            throw new IllegalArgumentException("peer name and target must not be blank");
        }
    }
}
