package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.TestSigner;
import org.tandem.signer.gate.ValidationGate;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * An algorithm rollover's zone versions (RFC 6781 §4.1.4): keys that sign without their DNSKEY sign every
 * RRset of their role, stay out of the DNSKEY RRset, and the gate verifies their RRSIGs with the keys the
 * signer names, while every RRset must still be signed by a key of the DNSKEY RRset of each of its algorithms.
 */
class AlgorithmRolloverSigningTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final Name APEX = AlgorithmRolloverZones.ZONE.name();
    private static final Name WWW = Name.fromConstantString("www.example.test.");

    private final InMemoryHsm hsm = new InMemoryHsm("dc1-hsm1");
    private final ValidationGate gate = new ValidationGate(GatePolicy.defaults());

    @Test
    void everyPhaseSignsEveryRrsetWithBothAlgorithmsPublishesOnlyThePublishedKeysAndPassesTheGate() throws Exception {
        for (AlgorithmRolloverZones.Phase phase : new AlgorithmRolloverZones(hsm).phases()) {
            SignedZone signed = AlgorithmRolloverZones.sign(phase, NOW);
            List<Integer> dnskeyAlgorithms = signed.records().stream()
                    .filter(r -> r instanceof DNSKEYRecord && r.getName().equals(APEX))
                    .map(r -> ((DNSKEYRecord) r).getAlgorithm())
                    .sorted()
                    .toList();
            List<Integer> wwwAlgorithms = sigs(signed.records(), WWW, Type.A).stream()
                    .map(RRSIGRecord::getAlgorithm)
                    .sorted()
                    .toList();
            assertThat(wwwAlgorithms).as(phase.name()).containsExactly(13, 14);
            assertThat(sigs(signed.records(), APEX, Type.DNSKEY))
                    .as(phase.name())
                    .extracting(RRSIGRecord::getAlgorithm)
                    .containsExactlyInAnyOrder(13, 14);
            switch (phase.name()) {
                case "pre-active" -> {
                    assertThat(dnskeyAlgorithms).containsExactly(13, 13);
                    assertThat(signed.unpublishedSigners())
                            .extracting(DNSKEYRecord::getAlgorithm)
                            .containsExactly(14, 14);
                }
                case "both" -> {
                    assertThat(dnskeyAlgorithms).containsExactly(13, 13, 14, 14);
                    assertThat(signed.unpublishedSigners()).isEmpty();
                }
                default -> {
                    assertThat(dnskeyAlgorithms).containsExactly(14, 14);
                    assertThat(signed.unpublishedSigners())
                            .extracting(DNSKEYRecord::getAlgorithm)
                            .containsExactly(13, 13);
                }
            }
            GateVerdict v = gate.verify(APEX, signed.records(), NOW, signed.unpublishedSigners());
            assertThat(v.passed()).as(phase.name() + ": " + v.summary()).isTrue();
        }
    }

    @Test
    void withoutTheSignersNamedTheGateRefusesTheirSignatures() throws Exception {
        SignedZone pre = AlgorithmRolloverZones.sign(
                new AlgorithmRolloverZones(hsm).phases().get(0), NOW);

        GateVerdict v = gate.verify(APEX, pre.records(), NOW);

        assertThat(v.passed()).isFalse();
        assertThat(v.count(Reason.NO_MATCHING_DNSKEY)).isPositive();
    }

    @Test
    void aSignatureOfAnUnpublishedKeyDoesNotStandInForThePublishedAlgorithmAndMustVerify() throws Exception {
        SignedZone pre = AlgorithmRolloverZones.sign(
                new AlgorithmRolloverZones(hsm).phases().get(0), NOW);

        // the www A RRset keeps only the RRSIG of the pre-active algorithm-14 ZSK
        List<Record> without13 = new ArrayList<>(pre.records());
        without13.removeIf(r -> r instanceof RRSIGRecord s
                && s.getName().equals(WWW)
                && s.getTypeCovered() == Type.A
                && s.getAlgorithm() == 13);
        GateVerdict missing = gate.verify(APEX, without13, NOW, pre.unpublishedSigners());
        assertThat(missing.failures(Reason.NOT_SIGNED))
                .singleElement()
                .satisfies(f -> assertThat(f.toString()).contains("www.example.test."));

        // an RRSIG of the algorithm-14 ZSK over other data does not verify
        List<Record> forged = new ArrayList<>();
        for (Record r : pre.records()) {
            if (r instanceof RRSIGRecord s
                    && s.getName().equals(WWW)
                    && s.getTypeCovered() == Type.A
                    && s.getAlgorithm() == 14) {
                forged.add(TestSigner.flipSignatureByte(s));
            } else {
                forged.add(r);
            }
        }
        GateVerdict bad = gate.verify(APEX, forged, NOW, pre.unpublishedSigners());
        assertThat(bad.count(Reason.BAD_SIGNATURE)).isEqualTo(1);
    }

    private static List<RRSIGRecord> sigs(List<Record> records, Name owner, int type) {
        return records.stream()
                .filter(r -> r instanceof RRSIGRecord s && s.getName().equals(owner) && s.getTypeCovered() == type)
                .map(r -> (RRSIGRecord) r)
                .toList();
    }
}
