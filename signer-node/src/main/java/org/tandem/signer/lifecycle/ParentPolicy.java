package org.tandem.signer.lifecycle;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What the lifecycle knows about the parent zone, for KSK and algorithm rollovers.
 *
 * @param dsTtl the TTL of the DS RRset at the parent (RFC 7583 TTLds)
 * @param propagationDelay how long after a DS change is requested it is served by all the parent's
 *     name servers (RFC 7583 Dprp of the parent, plus the registry's processing time)
 * @param check how a DS change is confirmed
 * @param resolver {@code host[:port]} of the resolver asked when {@code check} is {@link
 *     ParentCheck#RESOLVER}; empty otherwise
 */
public record ParentPolicy(Duration dsTtl, Duration propagationDelay, ParentCheck check, Optional<String> resolver) {
    public static final Duration DEFAULT_DS_TTL = Duration.ofDays(1);
    public static final Duration DEFAULT_PROPAGATION_DELAY = Duration.ofHours(1);

    public ParentPolicy {
        Objects.requireNonNull(dsTtl, "dsTtl");
        Objects.requireNonNull(propagationDelay, "propagationDelay");
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(resolver, "resolver");
        if (dsTtl.isNegative() || propagationDelay.isNegative()) {
            throw new IllegalArgumentException("ds-ttl and propagation-delay must not be negative");
        }
        if (check == ParentCheck.RESOLVER && resolver.isEmpty()) {
            throw new IllegalArgumentException("check: resolver needs resolver: HOST[:PORT]");
        }
        if (check != ParentCheck.RESOLVER && resolver.isPresent()) {
            throw new IllegalArgumentException("resolver: only used with check: resolver (check is " + check + ")");
        }
    }

    /** DS TTL 1 day, propagation 1 hour, confirmed by an operator. */
    public static ParentPolicy defaults() {
        return new ParentPolicy(DEFAULT_DS_TTL, DEFAULT_PROPAGATION_DELAY, ParentCheck.OPERATOR, Optional.empty());
    }
}
