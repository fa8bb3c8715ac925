package org.tandem.signer.node;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tandem.signer.publish.Cidr;

/**
 * The zone transfer endpoint the leader serves ({@code publish.transfer:} in {@code node.yaml}).
 *
 * @param listen address and port for AXFR/IXFR (TCP) and SOA queries
 * @param notifyTargets secondaries sent a NOTIFY after each publish
 * @param allow networks allowed to transfer; empty means nobody (transfers are refused)
 * @param tsig the TSIG key transfers must be signed with, if any
 */
public record TransferConfig(
        Endpoint listen, List<Endpoint> notifyTargets, List<Cidr> allow, Optional<TsigConfig> tsig) {
    public TransferConfig {
        Objects.requireNonNull(listen, "listen");
        notifyTargets = List.copyOf(notifyTargets);
        allow = List.copyOf(allow);
        Objects.requireNonNull(tsig, "tsig");
    }
}
