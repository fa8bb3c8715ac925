package org.tandem.signer.lifecycle;

import java.util.Locale;

/** How a KSK rollover learns that the parent publishes (or has withdrawn) a DS record. */
public enum ParentCheck {
    /** Nobody checks: the DS is assumed changed when the parent's propagation delay has passed. */
    NONE,
    /** The DS RRset is queried from a validating resolver ({@code parent.resolver}). */
    RESOLVER,
    /** An operator confirms the DS change (the default: nothing is assumed). */
    OPERATOR;

    /** {@code none}, {@code resolver} or {@code operator} (any case). */
    public static ParentCheck parse(String text) {
        for (ParentCheck c : values()) {
            if (c.name().equalsIgnoreCase(text.trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not one of none, resolver, operator");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
