package org.tandem.cli.probe;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * One thing the probe found wrong.
 *
 * @param status how bad it is (never OK)
 * @param kind a stable identifier for scripts, e.g. {@code rrsig-expired}, {@code bogus-signature}
 * @param owner the owner name of the RRset (or the query name)
 * @param type the RR type concerned, {@link #NO_TYPE} when none (bad arguments)
 * @param keyTag the key tag of the RRSIG or DNSKEY concerned, when there is one
 * @param expiry the RRSIG expiration concerned, when there is one
 * @param detail what is wrong, in words
 */
record Problem(
        ProbeStatus status,
        String kind,
        Name owner,
        int type,
        OptionalInt keyTag,
        Optional<Instant> expiry,
        String detail) {
    /** The type of a problem that concerns no query (bad arguments, an unreadable trust anchor). */
    static final int NO_TYPE = 0;

    Problem {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(keyTag, "keyTag");
        Objects.requireNonNull(expiry, "expiry");
        Objects.requireNonNull(detail, "detail");
        if (status == ProbeStatus.OK) {
            throw new IllegalArgumentException("a problem is not OK: " + kind);
        }
    }

    static Problem of(ProbeStatus status, String kind, Name owner, int type, String detail) {
        return new Problem(status, kind, owner, type, OptionalInt.empty(), Optional.empty(), detail);
    }

    static Problem signature(
            ProbeStatus status, String kind, Name owner, int type, int keyTag, Instant expiry, String detail) {
        return new Problem(status, kind, owner, type, OptionalInt.of(keyTag), Optional.of(expiry), detail);
    }

    /** A CRITICAL problem with the DNSKEY RRset, naming the key concerned. */
    static Problem key(String kind, Name zone, int keyTag, String detail) {
        return new Problem(
                ProbeStatus.CRITICAL, kind, zone, Type.DNSKEY, OptionalInt.of(keyTag), Optional.empty(), detail);
    }

    /** {@code www.example.test. A, key 12345, expiry 2026-12-20T10:00:00Z: detail}. */
    String describe() {
        StringBuilder b = new StringBuilder().append(owner);
        if (type != NO_TYPE) {
            b.append(' ').append(Type.string(type));
        }
        keyTag.ifPresent(t -> b.append(", key ").append(t));
        expiry.ifPresent(e -> b.append(", expiry ").append(e));
        return b.append(": ").append(detail).toString();
    }
}
