package org.tandem.signer.sign;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.ZoneName;

/**
 * The keys the signer-node daemon publishes for one zone, from {@link ProvenKeys#published}: which
 * are in the DNSKEY RRset, which of them sign, which are withheld from signing and why, and which
 * GENERATED keys wait for replication (neither published nor signing).
 *
 * @param zone the zone
 * @param manifestVersion the manifest version the keys were read from
 * @param keys the DNSKEY RRset: every PUBLISHED, ACTIVE and RETIRED key, proven on the HSM, and the keys
 *     that sign without being in it (PRE_ACTIVE, POST_ACTIVE: {@link SigningKey#published()} false); those
 *     whose {@link SigningKey#signs()} is true sign
 * @param pending the GENERATED keys, with where they are missing (or "held, proven")
 * @param withheld the keys {@link #withhold} took out of signing, with the check that did it
 * @param signedBeforePublished the keys that signed before their DNSKEY was published (they were PRE_ACTIVE in
 *     an algorithm rollover, RFC 6781 §4.1.4): their signatures are out before their DNSKEY, so a validator that
 *     does not know the DNSKEY yet knows no RRset of that algorithm either and uses the old one
 */
public record PublishedKeySet(
        ZoneName zone,
        int manifestVersion,
        List<SigningKey> keys,
        List<Pending> pending,
        List<Withheld> withheld,
        Set<Fingerprint> signedBeforePublished) {
    /** A GENERATED key: not published until every node holds it, proven. */
    public record Pending(DnssecKey key, String here) {
        public Pending {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(here, "here");
        }

        /** {@code ZSK 12345 fp 3f2a…: missing on HSM dc2-hsm1}. */
        public String describe() {
            return key.role() + " " + key.keyTag() + " fp " + key.fingerprint().shortHex() + ": " + here;
        }
    }

    /**
     * A published key that does not sign in this run.
     *
     * @param check the check that withheld it ({@code published-long-enough})
     * @param reason why, one sentence
     */
    public record Withheld(DnssecKey key, String check, String reason) {
        public Withheld {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(reason, "reason");
        }

        /** {@code ZSK 12345 fp 3f2a… (published-long-enough: …)}. */
        public String describe() {
            return key.role() + " " + key.keyTag() + " fp " + key.fingerprint().shortHex() + " (" + check + ": "
                    + reason + ")";
        }
    }

    public PublishedKeySet {
        Objects.requireNonNull(zone, "zone");
        keys = List.copyOf(keys);
        pending = List.copyOf(pending);
        withheld = List.copyOf(withheld);
        signedBeforePublished = Set.copyOf(signedBeforePublished);
    }

    /** A set without withheld keys. */
    public PublishedKeySet(ZoneName zone, int manifestVersion, List<SigningKey> keys, List<Pending> pending) {
        this(zone, manifestVersion, keys, pending, List.of(), Set.of());
    }

    /** A set without withheld keys, some of which signed before their DNSKEY was published. */
    public PublishedKeySet(
            ZoneName zone,
            int manifestVersion,
            List<SigningKey> keys,
            List<Pending> pending,
            Set<Fingerprint> signedBeforePublished) {
        this(zone, manifestVersion, keys, pending, List.of(), signedBeforePublished);
    }

    /** The keys that sign. */
    public List<SigningKey> signing() {
        return keys.stream().filter(SigningKey::signs).toList();
    }

    /**
     * The same set with the given keys published but not signing, e.g. a key resolvers may not know
     * yet (published-long-enough); keys not in the set are ignored.
     *
     * @param reasons per fingerprint, why the key may not sign
     * @param check the name of the check, for messages
     */
    public PublishedKeySet withhold(Map<Fingerprint, String> reasons, String check) {
        Objects.requireNonNull(reasons, "reasons");
        Objects.requireNonNull(check, "check");
        List<SigningKey> out = new ArrayList<>(keys.size());
        List<Withheld> why = new ArrayList<>(withheld);
        for (SigningKey k : keys) {
            String reason = reasons.get(k.key().fingerprint());
            if (reason != null && k.signs() && k.published()) {
                out.add(k.publishedOnly());
                why.add(new Withheld(k.key(), check, reason));
            } else {
                out.add(k);
            }
        }
        return new PublishedKeySet(zone, manifestVersion, out, pending, why, signedBeforePublished);
    }

    /**
     * Why these keys cannot sign the zone validly, or empty when they can: no key is published yet (all
     * are GENERATED), or an algorithm of the DNSKEY RRset has no signing KSK/CSK or no signing ZSK/CSK
     * (RFC 4035 §2.2: every algorithm in the DNSKEY RRset signs every RRset). The sentence names the
     * zone, the role and every key of that role and algorithm that does not sign, with the reason.
     *
     * @param replication what the leader's replication agent says about the GENERATED keys, one line
     *     per key ({@code ZSK 12345 fp 3f2a…: missing on node-b (…)}); when empty, what this node's HSM
     *     says ({@link #pending})
     */
    public Optional<String> uncovered(List<String> replication) {
        Objects.requireNonNull(replication, "replication");
        if (keys.isEmpty()) {
            List<String> why = !replication.isEmpty()
                    ? replication
                    : pending.stream().map(Pending::describe).toList();
            return Optional.of("no key of zone " + zone + " is replicated to every node yet"
                    + (why.isEmpty()
                            ? ""
                            : " ("
                                    + String.join(
                                            "; ",
                                            why.stream()
                                                    .map(p -> p.replaceFirst(": ", " pending: "))
                                                    .toList())
                                    + ")"));
        }
        Map<Algorithm, boolean[]> roles = new LinkedHashMap<>();
        for (SigningKey k : keys) {
            boolean[] r = roles.computeIfAbsent(k.key().algorithm(), a -> new boolean[2]);
            r[0] |= k.signs() && k.signsKeys();
            r[1] |= k.signs() && k.signsData();
        }
        List<String> gaps = new ArrayList<>();
        for (Map.Entry<Algorithm, boolean[]> e : roles.entrySet()) {
            for (int role = 0; role < 2; role++) {
                if (e.getValue()[role]) {
                    continue;
                }
                boolean keyRole = role == 0;
                List<String> idle = keys.stream()
                        .filter(k -> k.key().algorithm() == e.getKey() && (keyRole ? k.signsKeys() : k.signsData()))
                        .map(this::whyIdle)
                        .toList();
                gaps.add("zone " + zone + ": no " + (keyRole ? "KSK or CSK" : "ZSK or CSK") + " of algorithm "
                        + e.getKey().number() + " may sign"
                        + (idle.isEmpty() ? " (none is published)" : ": " + String.join("; ", idle)));
            }
        }
        return gaps.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", gaps));
    }

    private String whyIdle(SigningKey k) {
        DnssecKey key = k.key();
        return withheld.stream()
                .filter(w -> w.key().equals(key))
                .findFirst()
                .map(Withheld::describe)
                .orElse(key.role() + " " + key.keyTag() + " fp "
                        + key.fingerprint().shortHex() + " (retired)");
    }
}
