package org.tandem.signer.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;

/**
 * A zone's key lifecycle policy: the {@code keys:}, {@code propagation-delay}, {@code publish-safety},
 * {@code retire-safety} and {@code parent:} keys of the signing policy file.
 *
 * <p>{@link #none()} (a policy without {@code keys:}) rolls nothing: keys are added and removed by
 * the operator only, as before the lifecycle existed.
 *
 * @param roles empty (no rolling), one CSK, or a KSK and a ZSK of the same algorithm
 * @param propagationDelay how long a published zone takes to reach every secondary (RFC 7583 Dprp)
 * @param publishSafety margin added to the pre-publication interval (RFC 7583 IpubS)
 * @param retireSafety margin added to the retire interval (RFC 7583 IretS)
 * @param parent the parent zone's DS timing and how a DS change is confirmed
 * @param deleteRemoved {@code keys.delete-removed}: whether a REMOVED key is deleted (destroyed on every HSM of
 *     every node) once no cache can hold it; false keeps it on the HSMs for {@code signerctl keys delete}
 */
public record RolloverPolicy(
        List<RolePolicy> roles,
        Duration propagationDelay,
        Duration publishSafety,
        Duration retireSafety,
        ParentPolicy parent,
        boolean deleteRemoved) {
    public static final Duration DEFAULT_PROPAGATION_DELAY = Duration.ofMinutes(5);
    public static final Duration DEFAULT_PUBLISH_SAFETY = Duration.ofHours(1);
    public static final Duration DEFAULT_RETIRE_SAFETY = Duration.ofHours(1);

    /** A policy that deletes removed keys once no cache can hold them (the default). */
    public RolloverPolicy(
            List<RolePolicy> roles,
            Duration propagationDelay,
            Duration publishSafety,
            Duration retireSafety,
            ParentPolicy parent) {
        this(roles, propagationDelay, publishSafety, retireSafety, parent, true);
    }

    public RolloverPolicy {
        roles = List.copyOf(roles);
        Objects.requireNonNull(propagationDelay, "propagationDelay");
        Objects.requireNonNull(publishSafety, "publishSafety");
        Objects.requireNonNull(retireSafety, "retireSafety");
        Objects.requireNonNull(parent, "parent");
        if (propagationDelay.isNegative() || publishSafety.isNegative() || retireSafety.isNegative()) {
            throw new IllegalArgumentException(
                    "propagation-delay, publish-safety and retire-safety must not be negative");
        }
        Optional<RolePolicy> csk = find(roles, KeyRole.CSK);
        Optional<RolePolicy> ksk = find(roles, KeyRole.KSK);
        Optional<RolePolicy> zsk = find(roles, KeyRole.ZSK);
        if (roles.stream().map(RolePolicy::role).distinct().count() != roles.size()) {
            throw new IllegalArgumentException("a role is listed twice");
        }
        if (csk.isPresent() && roles.size() > 1) {
            throw new IllegalArgumentException("csk: goes alone; with ksk and zsk it would sign twice");
        }
        if (csk.isEmpty() && ksk.isPresent() != zsk.isPresent()) {
            throw new IllegalArgumentException(
                    ksk.isPresent() ? "ksk: needs a zsk: beside it (or use csk:)" : "zsk: needs a ksk: beside it");
        }
        if (ksk.isPresent() && ksk.get().algorithm() != zsk.get().algorithm()) {
            // RFC 4035 §2.2 / RFC 6840 §5.11: every algorithm in the DNSKEY RRset signs every RRset.
            throw new IllegalArgumentException(
                    "ksk.algorithm " + ksk.get().algorithm().number()
                            + " and zsk.algorithm " + zsk.get().algorithm().number()
                            + " differ; a zone's KSK and ZSK use one algorithm (RFC 4035 §2.2)");
        }
    }

    /** No {@code keys:}: nothing is rolled. */
    public static RolloverPolicy none() {
        return new RolloverPolicy(
                List.of(),
                DEFAULT_PROPAGATION_DELAY,
                DEFAULT_PUBLISH_SAFETY,
                DEFAULT_RETIRE_SAFETY,
                ParentPolicy.defaults());
    }

    /** The same policy with {@code keys.delete-removed} set to {@code delete}. */
    public RolloverPolicy withDeleteRemoved(boolean delete) {
        return new RolloverPolicy(roles, propagationDelay, publishSafety, retireSafety, parent, delete);
    }

    /** Whether the policy names keys at all (otherwise the lifecycle leaves the zone alone). */
    public boolean managed() {
        return !roles.isEmpty();
    }

    /** The policy of a role, if the policy names it. */
    public Optional<RolePolicy> role(KeyRole role) {
        return find(roles, role);
    }

    /** The algorithm the policy wants the zone signed with, if it names keys. */
    public Optional<Algorithm> algorithm() {
        return roles.stream().map(RolePolicy::algorithm).findFirst();
    }

    /** Whether the zone uses a combined signing key. */
    public boolean csk() {
        return role(KeyRole.CSK).isPresent();
    }

    private static Optional<RolePolicy> find(List<RolePolicy> roles, KeyRole role) {
        return roles.stream().filter(r -> r.role() == role).findFirst();
    }
}
