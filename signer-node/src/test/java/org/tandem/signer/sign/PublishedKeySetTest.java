package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;

class PublishedKeySetTest {
    private static final ZoneName ZONE = ZoneName.of("example.test.");
    private final InMemoryHsm hsm = new InMemoryHsm("dc1-hsm1");

    private List<SigningKey> kskAndZsk() throws Exception {
        return TestZones.kskAndZsk(hsm, ZONE, Algorithm.ECDSAP256SHA256);
    }

    @Test
    void aZoneWhoseKeysAreAllGeneratedNamesEveryPendingKeyAndWhereItIsMissing() throws Exception {
        List<SigningKey> keys = kskAndZsk();
        PublishedKeySet none = new PublishedKeySet(
                ZONE,
                3,
                List.of(),
                List.of(new PublishedKeySet.Pending(keys.get(1).key(), "held, proven, on HSM dc1-hsm1")));
        String zsk = "ZSK " + keys.get(1).key().keyTag() + " fp "
                + keys.get(1).key().fingerprint().shortHex();

        assertThat(none.uncovered(List.of()))
                .hasValue("no key of zone example.test. is replicated to every node yet (" + zsk
                        + " pending: held, proven, on HSM dc1-hsm1)");
        assertThat(none.uncovered(List.of(zsk + ": missing on node-b (unreachable)")))
                .hasValue("no key of zone example.test. is replicated to every node yet (" + zsk
                        + " pending: missing on node-b (unreachable))");
    }

    @Test
    void aWithheldKeyStaysPublishedAndARoleLeftWithoutASignerIsNamedWithTheCheck() throws Exception {
        List<SigningKey> keys = kskAndZsk();
        HsmKey zsk2 = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        SigningKey second = new SigningKey(zsk2.publicKey().orElseThrow(), hsm, zsk2.ref());
        PublishedKeySet set = new PublishedKeySet(ZONE, 4, List.of(keys.get(0), keys.get(1), second), List.of());

        PublishedKeySet one =
                set.withhold(Map.of(second.key().fingerprint(), "published since T, 60 s"), "published-long-enough");
        assertThat(one.keys()).hasSize(3);
        assertThat(one.signing())
                .extracting(SigningKey::key)
                .containsExactly(keys.get(0).key(), keys.get(1).key());
        assertThat(one.withheld())
                .singleElement()
                .satisfies(w -> assertThat(w.describe())
                        .isEqualTo("ZSK "
                                + second.key().keyTag() + " fp "
                                + second.key().fingerprint().shortHex()
                                + " (published-long-enough: published since T, 60 s)"));
        assertThat(one.uncovered(List.of())).isEmpty();

        PublishedKeySet both = one.withhold(
                Map.of(keys.get(1).key().fingerprint(), "not in the published DNSKEY RRset"), "published-long-enough");
        assertThat(both.uncovered(List.of()))
                .hasValueSatisfying(why -> assertThat(why)
                        .startsWith("zone example.test.: no ZSK or CSK of algorithm 13 may sign: ")
                        .contains("ZSK " + keys.get(1).key().keyTag() + " fp "
                                + keys.get(1).key().fingerprint().shortHex()
                                + " (published-long-enough: not in the published DNSKEY RRset)")
                        .contains("ZSK " + second.key().keyTag() + " fp "
                                + second.key().fingerprint().shortHex()
                                + " (published-long-enough: published since T, 60 s)")
                        .doesNotContain("KSK"));
    }

    @Test
    void aRetiredKeyIsPublishedButDoesNotCountAsASigner() throws Exception {
        List<SigningKey> keys = kskAndZsk();
        PublishedKeySet set =
                new PublishedKeySet(ZONE, 1, List.of(keys.get(0), keys.get(1).publishedOnly()), List.of());
        assertThat(set.signing())
                .extracting(SigningKey::key)
                .containsExactly(keys.get(0).key());
        assertThat(set.uncovered(List.of()))
                .hasValueSatisfying(why -> assertThat(why).contains("(retired)"));
    }
}
