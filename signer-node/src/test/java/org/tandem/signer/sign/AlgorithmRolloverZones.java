package org.tandem.signer.sign;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.ZoneName;

/**
 * The three kinds of zone version an algorithm rollover from 13 to 14 publishes (RFC 6781 §4.1.4), signed by
 * the real signer with in-memory keys: the new keys signing before their DNSKEY (pre-active), both
 * algorithms published and signing, the old keys signing after their DNSKEY left (post-active).
 */
final class AlgorithmRolloverZones {
    static final ZoneName ZONE = ZoneName.of("example.test.");

    /** One phase: its name and the keys the signer gets. */
    record Phase(String name, List<SigningKey> keys) {}

    private final List<SigningKey> old;
    private final List<SigningKey> fresh;

    AlgorithmRolloverZones(InMemoryHsm hsm) throws Exception {
        old = TestZones.kskAndZsk(hsm, ZONE, Algorithm.ECDSAP256SHA256);
        fresh = TestZones.kskAndZsk(hsm, ZONE, Algorithm.ECDSAP384SHA384);
    }

    List<Phase> phases() {
        return List.of(
                new Phase("pre-active", concat(old, unpublished(fresh))),
                new Phase("both", concat(old, fresh)),
                new Phase("post-active", concat(unpublished(old), fresh)));
    }

    static SignedZone sign(Phase phase, Instant now) throws Exception {
        return new ZoneSigner()
                .sign(
                        TestZones.defects(),
                        phase.keys(),
                        SigningPolicy.defaults().withThreads(2),
                        now,
                        2024010101L);
    }

    private static List<SigningKey> unpublished(List<SigningKey> keys) {
        return keys.stream()
                .map(k -> new SigningKey(k.key(), k.hsm(), k.ref(), true, false))
                .toList();
    }

    private static List<SigningKey> concat(List<SigningKey> a, List<SigningKey> b) {
        List<SigningKey> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
