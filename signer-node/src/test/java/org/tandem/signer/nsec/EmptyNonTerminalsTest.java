package org.tandem.signer.nsec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.signer.nsec.NsecTestNodes.name;
import static org.tandem.signer.nsec.NsecTestNodes.node;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

class EmptyNonTerminalsTest {
    private static final OwnerNode APEX = node("example.", NodeKind.APEX, Type.NS, Type.SOA);

    @Test
    void insertsMissingAncestorsShallowestFirstInCanonicalOrder() {
        List<OwnerNode> out = EmptyNonTerminals.insert(
                name("example."),
                List.of(
                        APEX,
                        node("a.example.", NodeKind.AUTHORITATIVE, Type.A),
                        node("x.y.z.b.example.", NodeKind.AUTHORITATIVE, Type.A),
                        node("c.example.", NodeKind.AUTHORITATIVE, Type.A)));
        assertThat(out)
                .extracting(n -> n.name().toString() + " " + n.kind())
                .containsExactly(
                        "example. APEX",
                        "a.example. AUTHORITATIVE",
                        "b.example. EMPTY_NON_TERMINAL",
                        "z.b.example. EMPTY_NON_TERMINAL",
                        "y.z.b.example. EMPTY_NON_TERMINAL",
                        "x.y.z.b.example. AUTHORITATIVE",
                        "c.example. AUTHORITATIVE");
        assertThat(out.get(2).types()).isEmpty();
    }

    @Test
    void sharedAncestorIsInsertedOnceAndEscapedLabelsAreNotSplit() {
        List<OwnerNode> out = EmptyNonTerminals.insert(
                name("example."),
                List.of(
                        APEX,
                        node("a\\.b.example.", NodeKind.AUTHORITATIVE, Type.A),
                        node("*.w.example.", NodeKind.AUTHORITATIVE, Type.TXT),
                        node("x.w.example.", NodeKind.INSECURE_DELEGATION, Type.NS)));
        assertThat(out)
                .extracting(n -> n.name().toString())
                .containsExactly("example.", "a\\.b.example.", "w.example.", "*.w.example.", "x.w.example.");
        assertThat(out.get(2).kind()).isEqualTo(NodeKind.EMPTY_NON_TERMINAL);
    }

    @Test
    void refusesUnorderedInput() {
        assertThatThrownBy(() -> EmptyNonTerminals.insert(
                        name("example."),
                        List.of(
                                APEX,
                                node("b.example.", NodeKind.AUTHORITATIVE, Type.A),
                                node("a.example.", NodeKind.AUTHORITATIVE, Type.A))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("canonical order");
    }

    @Test
    void ownerNodeRefusesUpperCaseAndChainTypes() {
        assertThatThrownBy(() -> new OwnerNode(
                        Name.fromConstantString("A.example."), NodeKind.AUTHORITATIVE, new int[] {Type.A}))
                .hasMessageContaining("canonical");
        assertThatThrownBy(() -> node("a.example.", NodeKind.AUTHORITATIVE, Type.A, Type.NSEC))
                .hasMessageContaining("added by the chain builder");
        assertThatThrownBy(() -> node("a.example.", NodeKind.INSECURE_DELEGATION, Type.NS, Type.DS))
                .hasMessageContaining("DS is present");
    }
}
