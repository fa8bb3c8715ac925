package org.tandem.keysync.key;

import java.util.Objects;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/** A zone apex: absolute, lower case, canonical. {@code toString()} gives {@code example.com.}. */
public record ZoneName(Name name) implements Comparable<ZoneName> {
    public ZoneName {
        Objects.requireNonNull(name, "name");
        if (!name.isAbsolute()) {
            throw new IllegalArgumentException("zone name must be absolute: " + name);
        }
        name = name.canonicalize();
    }

    /** Parses {@code example.com} or {@code example.com.}; the trailing dot is implied. */
    public static ZoneName of(String text) {
        Objects.requireNonNull(text, "text");
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("zone name is empty");
        }
        try {
            return new ZoneName(Name.fromString(trimmed.endsWith(".") ? trimmed : trimmed + ".", Name.root));
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a valid zone name '" + text + "': " + e.getMessage(), e);
        }
    }

    @Override
    public int compareTo(ZoneName other) {
        return name.compareTo(other.name);
    }

    @Override
    public String toString() {
        return name.toString();
    }
}
