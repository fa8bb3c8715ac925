package org.tandem.chaos.net;

import java.util.Objects;

/**
 * One host of the harness: a network namespace with one interface {@code eth0} on its site's switch.
 *
 * @param name the host's short name ({@code dc1-signer})
 * @param site the site ({@code dc1}, {@code dc2}, {@code dc3}, {@code inet})
 * @param namespace the network namespace ({@code tdmc-dc1-signer})
 * @param address its IPv4 address
 */
public record Host(String name, String site, String namespace, String address) {
    public Host {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(address, "address");
    }
}
