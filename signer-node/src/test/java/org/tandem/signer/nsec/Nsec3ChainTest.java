package org.tandem.signer.nsec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.signer.nsec.NsecTestNodes.name;
import static org.tandem.signer.nsec.NsecTestNodes.node;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;
import org.xbill.DNS.utils.base32;

class Nsec3ChainTest {
    private static final Name APEX = name("example.");
    private static final base32 B32 = new base32(base32.Alphabet.BASE32HEX, false, true);

    private static List<OwnerNode> zone() {
        List<OwnerNode> nodes = new ArrayList<>(List.of(
                node("example.", NodeKind.APEX, Type.NS, Type.SOA, Type.DNSKEY),
                node("*.w.example.", NodeKind.AUTHORITATIVE, Type.MX),
                node("a.example.", NodeKind.AUTHORITATIVE, Type.A),
                node("sec.ent1.example.", NodeKind.SECURE_DELEGATION, Type.NS, Type.DS),
                node("ins.ent2.example.", NodeKind.INSECURE_DELEGATION, Type.NS),
                node("insecure.example.", NodeKind.INSECURE_DELEGATION, Type.NS),
                node("secure.example.", NodeKind.SECURE_DELEGATION, Type.NS, Type.DS)));
        nodes.sort((a, b) -> a.name().compareTo(b.name()));
        return EmptyNonTerminals.insert(APEX, nodes);
    }

    private static String hash(Name n, Nsec3Parameters p) throws Exception {
        NSEC3PARAMRecord param = p.param(APEX, 0);
        return B32.toString(param.hashName(n));
    }

    @Test
    void hashesLikeRfc5155AppendixAAndLikeDnsjava() {
        Nsec3Parameters rfc = new Nsec3Parameters(12, HexFormat.of().parseHex("aabbccdd"), false);
        Nsec3Hasher hasher = new Nsec3Hasher(rfc);
        // RFC 5155 Appendix A (salt aabbccdd, 12 iterations)
        assertThat(B32.toString(hasher.hash(name("example.")))).isEqualTo("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom");
        assertThat(B32.toString(hasher.hash(name("a.example.")))).isEqualTo("35mthgpgcu1qg68fab165klnsnk3dpvl");
        NSEC3PARAMRecord param = rfc.param(APEX, 0);
        for (String n : List.of("ai.example.", "*.w.example.", "x.y.w.example.", "ns1.example.")) {
            assertThat(hasher.hash(name(n))).isEqualTo(sneaky(() -> param.hashName(name(n))));
        }
    }

    @Test
    void withoutOptOutEveryNameAndEveryEmptyNonTerminalHasAnNsec3() throws Exception {
        Nsec3Chain chain = Nsec3Chain.build(APEX, zone(), Nsec3Parameters.DEFAULT, 300, 0);

        Map<String, NSEC3Record> byHash = byHash(chain);
        List<OwnerNode> nodes = zone();
        assertThat(byHash).hasSize(nodes.size()); // 7 names + ENTs w, ent1, ent2
        assertThat(nodes).hasSize(10);
        for (OwnerNode n : nodes) {
            assertThat(byHash).containsKey(hash(n.name(), Nsec3Parameters.DEFAULT));
        }
        NSEC3Record apex = byHash.get(hash(APEX, Nsec3Parameters.DEFAULT));
        assertThat(apex.getTypes()).containsExactly(Type.NS, Type.SOA, Type.RRSIG, Type.DNSKEY, Type.NSEC3PARAM);
        assertThat(byHash.get(hash(name("insecure.example."), Nsec3Parameters.DEFAULT))
                        .getTypes())
                .containsExactly(Type.NS); // nothing signed at an insecure cut: no RRSIG bit
        assertThat(byHash.get(hash(name("secure.example."), Nsec3Parameters.DEFAULT))
                        .getTypes())
                .containsExactly(Type.NS, Type.DS, Type.RRSIG);
        assertThat(byHash.get(hash(name("w.example."), Nsec3Parameters.DEFAULT)).getTypes())
                .isEmpty();
        assertThat(chain.records()).allSatisfy(r -> {
            assertThat(r.getFlags()).isZero();
            assertThat(r.getIterations()).isZero();
            assertThat(r.getSalt()).isNullOrEmpty();
            assertThat(r.getTTL()).isEqualTo(300);
            assertThat(r.getHashAlgorithm()).isEqualTo(NSEC3Record.Digest.SHA1);
        });
        assertThat(chain.param().getFlags()).isZero();
        assertThat(chain.param().getIterations()).isZero();
        assertThat(chain.param().getTTL()).isZero();
        assertClosedRing(chain);
    }

    @Test
    void optOutLeavesOutInsecureDelegationsAndEmptyNonTerminalsDerivedOnlyFromThem() throws Exception {
        Nsec3Parameters optOut = Nsec3Parameters.DEFAULT.withOptOut(true);
        Nsec3Chain chain = Nsec3Chain.build(APEX, zone(), optOut, 300, 0);

        Map<String, NSEC3Record> byHash = byHash(chain);
        assertThat(byHash)
                .doesNotContainKeys(
                        hash(name("insecure.example."), optOut),
                        hash(name("ins.ent2.example."), optOut),
                        hash(name("ent2.example."), optOut)); // RFC 5155 §7.1: derived only from an insecure cut
        assertThat(byHash)
                .containsKeys(
                        hash(APEX, optOut),
                        hash(name("ent1.example."), optOut), // above a secure cut: must stay
                        hash(name("sec.ent1.example."), optOut),
                        hash(name("w.example."), optOut),
                        hash(name("*.w.example."), optOut),
                        hash(name("a.example."), optOut),
                        hash(name("secure.example."), optOut));
        assertThat(byHash).hasSize(7);
        assertThat(chain.records()).allSatisfy(r -> assertThat(r.getFlags()).isEqualTo(NSEC3Record.Flags.OPT_OUT));
        assertThat(chain.param().getFlags()).isZero();
        assertClosedRing(chain);
    }

    @Test
    void ownersAreLowerCaseBase32HexUnderTheApexAndSortedByHash() throws Exception {
        Nsec3Chain chain = Nsec3Chain.build(APEX, zone(), Nsec3Parameters.DEFAULT, 300, 0);
        List<Name> owners = new ArrayList<>();
        for (NSEC3Record r : chain.records()) {
            assertThat(r.getName().toString()).matches("[0-9a-v]{32}\\.example\\.");
            owners.add(r.getName());
        }
        List<Name> sorted = new ArrayList<>(owners);
        sorted.sort(Name::compareTo);
        assertThat(owners).isEqualTo(sorted);
    }

    @Test
    void refusesTooManyIterationsAndLongSalt() {
        assertThatThrownBy(() -> new Nsec3Parameters(101, new byte[0], false)).hasMessageContaining("RFC 9276");
        assertThatThrownBy(() -> new Nsec3Parameters(0, new byte[256], false)).hasMessageContaining("255");
    }

    private static Map<String, NSEC3Record> byHash(Nsec3Chain chain) {
        Map<String, NSEC3Record> m = new TreeMap<>();
        for (NSEC3Record r : chain.records()) {
            m.put(r.getName().getLabelString(0), r);
        }
        return m;
    }

    private static void assertClosedRing(Nsec3Chain chain) {
        List<NSEC3Record> rs = chain.records();
        for (int i = 0; i < rs.size(); i++) {
            byte[] next = rs.get(i).getNext();
            byte[] following =
                    B32.fromString(rs.get((i + 1) % rs.size()).getName().getLabelString(0));
            assertThat(Arrays.equals(next, following))
                    .as("next of " + rs.get(i).getName())
                    .isTrue();
        }
    }

    private interface Call<T> {
        T call() throws Exception;
    }

    private static <T> T sneaky(Call<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
