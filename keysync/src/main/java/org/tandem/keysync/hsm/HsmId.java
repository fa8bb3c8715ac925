package org.tandem.keysync.hsm;

import java.util.Objects;

/** The operator's name for an HSM (from the HSM configuration), used in every message. */
public record HsmId(String name) implements Comparable<HsmId> {
    public HsmId {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("HSM name is blank");
        }
    }

    @Override
    public int compareTo(HsmId o) {
        return name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
