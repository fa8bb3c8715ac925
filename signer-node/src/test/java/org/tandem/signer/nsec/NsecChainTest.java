package org.tandem.signer.nsec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.signer.nsec.NsecTestNodes.name;
import static org.tandem.signer.nsec.NsecTestNodes.node;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Type;

class NsecChainTest {
    @Test
    void linksNamesWithDataInCanonicalOrderSkippingEmptyNonTerminalsAndClosesAtTheApex() {
        List<OwnerNode> nodes = EmptyNonTerminals.insert(
                name("example."),
                List.of(
                        node("example.", NodeKind.APEX, Type.NS, Type.SOA, Type.DNSKEY),
                        node("*.example.", NodeKind.AUTHORITATIVE, Type.A),
                        node("a.example.", NodeKind.AUTHORITATIVE, Type.A, Type.TXT),
                        node("x.ent.example.", NodeKind.AUTHORITATIVE, Type.AAAA),
                        node("secure.example.", NodeKind.SECURE_DELEGATION, Type.NS, Type.DS),
                        node("unsigned.example.", NodeKind.INSECURE_DELEGATION, Type.NS),
                        node("z\\.dot.example.", NodeKind.AUTHORITATIVE, 65280)));

        List<NSECRecord> chain = NsecChain.build(name("example."), nodes, 300);

        assertThat(chain)
                .extracting(r -> r.getName() + " -> " + r.getNext())
                .containsExactly(
                        "example. -> *.example.",
                        "*.example. -> a.example.",
                        "a.example. -> x.ent.example.",
                        "x.ent.example. -> secure.example.",
                        "secure.example. -> unsigned.example.",
                        "unsigned.example. -> z\\.dot.example.",
                        "z\\.dot.example. -> example.");
        assertThat(chain).allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(300));
        assertThat(chain.get(0).getTypes()).containsExactly(Type.NS, Type.SOA, Type.RRSIG, Type.NSEC, Type.DNSKEY);
        // RFC 4035 §2.3: at a cut, NS and DS only; the NSEC itself is signed, hence RRSIG
        assertThat(chain.get(4).getTypes()).containsExactly(Type.NS, Type.DS, Type.RRSIG, Type.NSEC);
        assertThat(chain.get(5).getTypes()).containsExactly(Type.NS, Type.RRSIG, Type.NSEC);
        assertThat(chain.get(6).getTypes()).containsExactly(Type.RRSIG, Type.NSEC, 65280);
    }

    @Test
    void apexAloneLinksToItself() {
        List<NSECRecord> chain =
                NsecChain.build(name("example."), List.of(node("example.", NodeKind.APEX, Type.NS, Type.SOA)), 60);
        assertThat(chain).singleElement().satisfies(r -> assertThat(r.getNext()).isEqualTo(name("example.")));
    }
}
