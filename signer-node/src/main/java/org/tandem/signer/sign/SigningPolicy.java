package org.tandem.signer.sign;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import org.tandem.signer.lifecycle.RolloverPolicy;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.xbill.DNS.Name;

/**
 * How a zone is signed. {@link #defaults()} follows Knot DNS: signatures valid 14 days, refreshed
 * when fewer than 7 days remain, inception back-dated 90 minutes, expirations spread over one day.
 *
 * @param validity how long a fresh signature is valid (expiration = now + validity − jitter part)
 * @param refresh a signature with less than this left is re-signed by the re-sign scheduler; the
 *     freshness alarm (INV-D3) fires below it. Not used by {@link ZoneSigner} itself
 * @param inceptionOffset how far the inception is back-dated, for validators with slow clocks (INV-D4)
 * @param jitter expirations are spread over {@code [now + validity − jitter, now + validity]},
 *     pseudo-randomly per RRset, so that re-signing is not one burst (INV-D4)
 * @param dnskeyTtl TTL of the apex DNSKEY RRset, seconds
 * @param denial NSEC or NSEC3
 * @param nsec3 NSEC3 parameters, used when {@code denial} is NSEC3 (RFC 9276: iterations 0, no salt)
 * @param serial how the SOA serial advances
 * @param zonemd whether to add a ZONEMD (RFC 8976, SIMPLE scheme, SHA-384) at the apex
 * @param threads signing threads (the HSM is used with that many sessions at once)
 * @param rollover the key lifecycle ({@code keys:}, {@code parent:}, ...); {@link RolloverPolicy#none()}
 *     rolls nothing
 */
public record SigningPolicy(
        Duration validity,
        Duration refresh,
        Duration inceptionOffset,
        Duration jitter,
        long dnskeyTtl,
        Denial denial,
        Nsec3Parameters nsec3,
        SerialPolicy serial,
        boolean zonemd,
        int threads,
        RolloverPolicy rollover) {
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(14);
    public static final Duration DEFAULT_REFRESH = Duration.ofDays(7);
    public static final Duration DEFAULT_INCEPTION_OFFSET = Duration.ofMinutes(90);
    public static final Duration DEFAULT_JITTER = Duration.ofDays(1);
    public static final long DEFAULT_DNSKEY_TTL = 3600;
    public static final int MAX_THREADS = 256;

    public SigningPolicy {
        Objects.requireNonNull(validity, "validity");
        Objects.requireNonNull(refresh, "refresh");
        Objects.requireNonNull(inceptionOffset, "inceptionOffset");
        Objects.requireNonNull(jitter, "jitter");
        Objects.requireNonNull(denial, "denial");
        Objects.requireNonNull(nsec3, "nsec3");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(rollover, "rollover");
        if (validity.compareTo(Duration.ofHours(1)) < 0 || validity.compareTo(Duration.ofDays(365)) > 0) {
            throw new IllegalArgumentException("signature validity must be 1 hour to 365 days, got " + validity);
        }
        if (jitter.isNegative() || jitter.compareTo(validity) >= 0) {
            throw new IllegalArgumentException(
                    "jitter must be at least 0 and less than the validity " + validity + ", got " + jitter);
        }
        if (refresh.isNegative() || refresh.isZero() || refresh.compareTo(validity.minus(jitter)) >= 0) {
            throw new IllegalArgumentException("refresh must be positive and less than validity - jitter ("
                    + validity.minus(jitter) + "), or fresh signatures would be due at once; got " + refresh);
        }
        if (inceptionOffset.isNegative() || inceptionOffset.compareTo(Duration.ofDays(7)) > 0) {
            throw new IllegalArgumentException("inception offset must be 0 to 7 days, got " + inceptionOffset);
        }
        if (validity.getNano() != 0 || jitter.getNano() != 0 || inceptionOffset.getNano() != 0) {
            throw new IllegalArgumentException("validity, jitter and inception offset are whole seconds (RRSIG times)");
        }
        if (dnskeyTtl < 0 || dnskeyTtl > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("DNSKEY TTL must be 0 to 2147483647 (RFC 2181 §8), got " + dnskeyTtl);
        }
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be 1 to " + MAX_THREADS + ", got " + threads);
        }
    }

    /** A policy without a key lifecycle ({@link RolloverPolicy#none()}). */
    public SigningPolicy(
            Duration validity,
            Duration refresh,
            Duration inceptionOffset,
            Duration jitter,
            long dnskeyTtl,
            Denial denial,
            Nsec3Parameters nsec3,
            SerialPolicy serial,
            boolean zonemd,
            int threads) {
        this(
                validity,
                refresh,
                inceptionOffset,
                jitter,
                dnskeyTtl,
                denial,
                nsec3,
                serial,
                zonemd,
                threads,
                RolloverPolicy.none());
    }

    /**
     * Knot-like defaults: 14 d validity, 7 d refresh, 90 min inception offset, 1 d jitter, DNSKEY TTL
     * 3600, NSEC, serial INCREMENT, no ZONEMD, one thread per available processor.
     */
    public static SigningPolicy defaults() {
        return new SigningPolicy(
                DEFAULT_VALIDITY,
                DEFAULT_REFRESH,
                DEFAULT_INCEPTION_OFFSET,
                DEFAULT_JITTER,
                DEFAULT_DNSKEY_TTL,
                Denial.NSEC,
                Nsec3Parameters.DEFAULT,
                SerialPolicy.INCREMENT,
                false,
                Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()));
    }

    /** NSEC denial. */
    public SigningPolicy withNsec() {
        return new SigningPolicy(
                validity,
                refresh,
                inceptionOffset,
                jitter,
                dnskeyTtl,
                Denial.NSEC,
                nsec3,
                serial,
                zonemd,
                threads,
                rollover);
    }

    /** NSEC3 denial with these parameters. */
    public SigningPolicy withNsec3(Nsec3Parameters parameters) {
        return new SigningPolicy(
                validity,
                refresh,
                inceptionOffset,
                jitter,
                dnskeyTtl,
                Denial.NSEC3,
                parameters,
                serial,
                zonemd,
                threads,
                rollover);
    }

    public SigningPolicy withSerial(SerialPolicy policy) {
        return new SigningPolicy(
                validity,
                refresh,
                inceptionOffset,
                jitter,
                dnskeyTtl,
                denial,
                nsec3,
                policy,
                zonemd,
                threads,
                rollover);
    }

    public SigningPolicy withZonemd(boolean on) {
        return new SigningPolicy(
                validity, refresh, inceptionOffset, jitter, dnskeyTtl, denial, nsec3, serial, on, threads, rollover);
    }

    public SigningPolicy withThreads(int count) {
        return new SigningPolicy(
                validity, refresh, inceptionOffset, jitter, dnskeyTtl, denial, nsec3, serial, zonemd, count, rollover);
    }

    public SigningPolicy withValidity(Duration newValidity, Duration newRefresh, Duration newJitter) {
        return new SigningPolicy(
                newValidity,
                newRefresh,
                inceptionOffset,
                newJitter,
                dnskeyTtl,
                denial,
                nsec3,
                serial,
                zonemd,
                threads,
                rollover);
    }

    public SigningPolicy withDnskeyTtl(long ttl) {
        return new SigningPolicy(
                validity, refresh, inceptionOffset, jitter, ttl, denial, nsec3, serial, zonemd, threads, rollover);
    }

    public SigningPolicy withRollover(RolloverPolicy policy) {
        return new SigningPolicy(
                validity, refresh, inceptionOffset, jitter, dnskeyTtl, denial, nsec3, serial, zonemd, threads, policy);
    }

    /** RRSIG inception for a run at {@code now}: back-dated by the offset, whole seconds (INV-D4). */
    public Instant inception(Instant now) {
        return Instant.ofEpochSecond(now.getEpochSecond()).minus(inceptionOffset);
    }

    /**
     * RRSIG expiration for one RRset signed at {@code now}: {@code now + validity − j}, with {@code j}
     * in {@code [0, jitter]} drawn pseudo-randomly from the owner, the type and {@code now} (the same
     * inputs give the same instant, so a run is reproducible; different RRsets spread out).
     */
    public Instant expiration(Instant now, Name owner, int type) {
        Instant latest = Instant.ofEpochSecond(now.getEpochSecond()).plus(validity);
        long span = jitter.getSeconds();
        if (span == 0) {
            return latest;
        }
        long seed = mix(Arrays.hashCode(owner.toWireCanonical()) * 0x9E3779B97F4A7C15L + type);
        return latest.minusSeconds(Math.floorMod(mix(seed ^ now.getEpochSecond()), span + 1));
    }

    /** SplitMix64 finaliser: spreads nearby seeds over the whole range. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
