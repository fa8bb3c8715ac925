package org.tandem.coordinator.view;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One node's answer to {@code Inventory} for one zone, judged by the coordinator; {@code unreachable}
 * says why there is no answer.
 */
public record NodeKeys(String node, List<HsmKeys> hsms, Optional<String> unreachable) {
    public NodeKeys {
        Objects.requireNonNull(node, "node");
        hsms = List.copyOf(hsms);
        Objects.requireNonNull(unreachable, "unreachable");
    }

    /** No answer. */
    public static NodeKeys unreachable(String node, String why) {
        return new NodeKeys(node, List.of(), Optional.of(why));
    }
}
