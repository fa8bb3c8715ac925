package org.tandem.signer.node;

import java.util.Objects;

/**
 * Another signer node of the cluster, as {@code node.yaml} names it under {@code peers}: the leader
 * replicates every new (GENERATED) key to it through its KeySync service and publishes the key only
 * when the peer proves it.
 *
 * @param name the peer's {@code node.name} (its election id)
 * @param endpoint the peer's {@code grpc.listen} as reachable from this node; its server certificate
 *     must name the host (DNS or IP SAN), as on every Tandem channel
 */
public record PeerConfig(String name, Endpoint endpoint) {
    public PeerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(endpoint, "endpoint");
        if (!NodeConfig.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("peer name must match " + NodeConfig.NAME + ": " + name);
        }
        if (endpoint.port() == 0) {
            throw new IllegalArgumentException("peer " + name + ": port 0 cannot be called");
        }
    }
}
