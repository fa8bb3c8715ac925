package org.tandem.keysync.key;

/**
 * RFC 4034 Appendix B key tag. For display and for RRSIGs only: it is a 16-bit checksum, and
 * different keys can share one (DENIC 2026: three key pairs, tag 33834). Never compare keys by it.
 */
public record KeyTag(int value) {
    public KeyTag {
        if (value < 0 || value > 0xFFFF) {
            throw new IllegalArgumentException("key tag out of range: " + value);
        }
    }

    @Override
    public String toString() {
        return Integer.toString(value);
    }
}
