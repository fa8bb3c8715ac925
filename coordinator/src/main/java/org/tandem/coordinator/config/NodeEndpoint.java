package org.tandem.coordinator.config;

import java.util.Objects;

/**
 * One signer node the coordinator watches: its name (election participant id), site and gRPC
 * endpoint ({@code host:port}, serving SignerNode and KeySync with mutual TLS).
 */
public record NodeEndpoint(String name, String site, String host, int port) {
    public NodeEndpoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(host, "host");
        if (name.isBlank() || host.isBlank()) {
            throw new IllegalArgumentException("node name and host must not be blank");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be 1..65535, not " + port);
        }
    }

    /** {@code host:port}. */
    public String endpoint() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
