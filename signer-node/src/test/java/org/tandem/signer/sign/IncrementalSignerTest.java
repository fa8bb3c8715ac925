package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.IncrementalGate;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.tandem.signer.zone.UnsignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneMDRecord;

/**
 * Incremental re-sign against the full signer: after each change the incremental result must hold
 * exactly the full sign's records (RRSIGs aside, which differ in time and ECDSA randomness), pass
 * the validation gate, and reuse every signature that the rules allow.
 */
class IncrementalSignerTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final Instant LATER = NOW.plus(Duration.ofHours(2));
    private static final ZoneName ZONE = ZoneName.of("example.test.");
    private static final Name APEX = ZONE.name();

    private final InMemoryHsm hsm = new InMemoryHsm("dc1-hsm1");
    private final List<SigningKey> keys = kskAndZsk();
    private final ValidationGate gate = new ValidationGate(GatePolicy.defaults().withThreads(2));

    private List<SigningKey> kskAndZsk() {
        try {
            return TestZones.kskAndZsk(hsm, ZONE, Algorithm.ECDSAP256SHA256);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Edits of the defect zone, each one rule: name, text appended, lines removed. */
    static Stream<Arguments> edits() {
        return Stream.of(
                Arguments.of(
                        "secure delegation added",
                        "added IN NS ns1.example.net.\n"
                                + "added IN DS 1 13 2 "
                                + "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n",
                        ""),
                Arguments.of("insecure delegation added", "plain IN NS ns1.example.net.\n", ""),
                Arguments.of("empty non-terminals appear", "x.y.newent IN A 192.0.2.99\n", ""),
                Arguments.of("empty non-terminals disappear", "", "a.b.c.ent   IN A   192.0.2.30"),
                Arguments.of("wildcard added", "*.www IN A 192.0.2.98\n", ""),
                Arguments.of(
                        "owner removed",
                        "",
                        "www         IN A   192.0.2.10\nwww         IN TXT \"zulu\" \"one\"\n"
                                + "www         IN TXT \"alpha\""),
                Arguments.of("RRset changed", "www IN A 192.0.2.11\n", ""),
                Arguments.of("TTL changed", "", "ns1         IN AAAA 2001:db8::1"),
                Arguments.of(
                        "delegation loses its DS",
                        "",
                        "secure      IN DS  12345 13 2 "
                                + "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"),
                Arguments.of(
                        "delegation removed, glue becomes data",
                        "",
                        "insecure    IN NS  ns.insecure\ninsecure    IN NS  ns.other.net."),
                Arguments.of("name becomes a delegation, data below becomes glue", "ent IN NS ns1.example.net.\n", ""),
                Arguments.of("only-insecure ENT gets a signed child", "e.only-insecure IN A 192.0.2.97\n", ""));
    }

    static Stream<Arguments> policiesAndEdits() {
        return TestZones.policies()
                .flatMap(p -> edits().map(
                                e -> Arguments.of(p.get()[0] + ": " + e.get()[0], p.get()[1], e.get()[1], e.get()[2])));
    }

    private static UnsignedZone edited(String append, String remove) {
        String text = TestZones.DEFECTS;
        for (String line : remove.split("\n")) {
            if (!line.isEmpty()) {
                assertThat(text).contains(line + "\n");
                text = text.replace(line + "\n", "");
            }
        }
        if (remove.contains("ns1         IN AAAA")) {
            text += "ns1 600 IN AAAA 2001:db8::1\n";
        }
        return TestZones.parse("example.test.", text + append);
    }

    private SignedZone fullSign(UnsignedZone zone, SigningPolicy policy, Instant now, long previous) throws Exception {
        return new ZoneSigner().sign(zone, keys, policy, now, previous);
    }

    /** Records but RRSIGs, ZONEMD as serial and scheme (its digest covers the RRSIGs). */
    private static List<String> withoutRrsigs(List<Record> records) {
        return records.stream()
                .filter(r -> r.getType() != Type.RRSIG)
                .map(r -> r instanceof ZoneMDRecord z ? "ZONEMD " + z.getSerial() + " " + z.getScheme() : r.toString())
                .toList();
    }

    /** "owner covered tag" of every RRSIG, sorted. */
    private static List<String> rrsigKeys(List<Record> records) {
        return records.stream()
                .filter(r -> r instanceof RRSIGRecord)
                .map(RRSIGRecord.class::cast)
                .map(s -> s.getName() + " " + Type.string(s.getTypeCovered()) + " " + s.getFootprint())
                .sorted()
                .toList();
    }

    private void assertSameAsFullSignAndValid(
            SignedZoneState state, UnsignedZone zone, SigningPolicy policy, Instant now, long previous)
            throws Exception {
        assertSameAsFullSignAndValid(state, zone, keys, policy, now, previous);
    }

    private void assertSameAsFullSignAndValid(
            SignedZoneState state,
            UnsignedZone zone,
            List<SigningKey> with,
            SigningPolicy policy,
            Instant now,
            long previous)
            throws Exception {
        List<Record> incremental = state.records();
        SignedZone full = new ZoneSigner().sign(zone, with, policy, now, previous);
        assertThat(withoutRrsigs(incremental)).containsExactlyElementsOf(withoutRrsigs(full.records()));
        assertThat(rrsigKeys(incremental)).containsExactlyElementsOf(rrsigKeys(full.records()));
        assertThat(state.signatures()).isEqualTo(full.signatures());
        GateVerdict v = gate.verify(APEX, incremental, now);
        assertThat(v.passed()).as(v.summary()).isTrue();
        assertThat(SignedZones.verifyAll(incremental, APEX, now)).isEqualTo(full.signatures());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policiesAndEdits")
    void incrementalResultEqualsAFullSignAndPassesTheGate(
            String name, SigningPolicy policy, String append, String remove) throws Exception {
        SignedZone first = fullSign(TestZones.defects(), policy, NOW, 2024010101L);
        SignedZoneState state = SignedZoneState.of(first);
        IncrementalGate incrementalGate =
                IncrementalGate.open(GatePolicy.defaults().withThreads(1), APEX, first.records(), NOW);
        UnsignedZone zone = edited(append, remove);

        IncrementalResult r = new IncrementalSigner().resign(state, zone, keys, policy, LATER);
        GateVerdict incremental = incrementalGate.check(r.removed(), r.added(), LATER);
        assertThat(incremental.passed()).as(incremental.summary()).isTrue();

        assertThat(r.serial()).isEqualTo(first.serial() + 1);
        assertSameAsFullSignAndValid(state, zone, policy, LATER, first.serial());
        assertThat(r.signaturesMade()).isPositive().isLessThan(first.signatures() / 2);
        assertThat(r.signaturesReused() + r.signaturesMade()).isEqualTo(state.signatures());
        // the delta is the difference: the old zone minus removed plus added is the new zone
        Set<String> old = first.records().stream().map(Record::toString).collect(Collectors.toSet());
        r.removed()
                .forEach(x ->
                        assertThat(old.remove(x.toString())).as("removed %s", x).isTrue());
        r.added().forEach(x -> old.add(x.toString()));
        assertThat(old)
                .containsExactlyInAnyOrderElementsOf(
                        state.records().stream().map(Record::toString).toList());
    }

    @Test
    void oneChangedDelegationReSignsOnlyItsDsTheNeighbouringNsecsAndTheSoa() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(1);
        SignedZone first = fullSign(TestZones.defects(), policy, NOW, 2024010101L);
        SignedZoneState state = SignedZoneState.of(first);
        Name secure = Name.fromConstantString("secure.example.test.");
        DSRecord ds = new DSRecord(secure, DClass.IN, 3600, 54321, 13, 2, new byte[32]);

        IncrementalResult r = new IncrementalSigner()
                .apply(state, List.of(RrsetChange.replace(secure, Type.DS, List.of(ds))), keys, policy, LATER);

        // DS and SOA; the NSEC at secure keeps its content (bitmap NS DS RRSIG NSEC) and its RRSIG
        assertThat(r.signaturesMade()).isEqualTo(2);
        assertThat(r.rrsetsSigned()).isEqualTo(2);
        assertThat(r.signaturesReused()).isEqualTo(first.signatures() - 2);
        assertThat(r.added().stream()
                        .filter(x -> x instanceof RRSIGRecord)
                        .map(x -> ((RRSIGRecord) x).getTypeCovered()))
                .containsExactlyInAnyOrder(Type.DS, Type.SOA);
        GateVerdict v = gate.verify(APEX, state.records(), LATER);
        assertThat(v.passed()).as(v.summary()).isTrue();
    }

    @Test
    void unsignedDelegationAddedUnderOptOutAddsNoNsec3() throws Exception {
        SigningPolicy policy =
                SigningPolicy.defaults().withThreads(1).withNsec3(Nsec3Parameters.DEFAULT.withOptOut(true));
        SignedZone first = fullSign(TestZones.defects(), policy, NOW, 2024010101L);
        SignedZoneState state = SignedZoneState.of(first);
        Name plain = Name.fromConstantString("plain.example.test.");

        IncrementalResult r = new IncrementalSigner()
                .apply(
                        state,
                        List.of(RrsetChange.replace(
                                plain,
                                Type.NS,
                                List.of(new NSRecord(
                                        plain, DClass.IN, 3600, Name.fromConstantString("ns1.example.net."))))),
                        keys,
                        policy,
                        LATER);

        assertThat(r.added()).noneMatch(x -> x.getType() == Type.NSEC3);
        assertThat(r.removed()).noneMatch(x -> x.getType() == Type.NSEC3);
        assertThat(r.signaturesMade()).isEqualTo(1); // the SOA
        assertThat(r.added()).anyMatch(x -> x.getName().equals(plain) && x.getType() == Type.NS);
        GateVerdict v = gate.verify(APEX, state.records(), LATER);
        assertThat(v.passed()).as(v.summary()).isTrue();
    }

    @Test
    void signaturesDueForRefreshAreRemadeAndOthersKept() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(2);
        SignedZone first = fullSign(TestZones.defects(), policy, NOW, 2024010101L);
        SignedZoneState state = SignedZoneState.of(first);
        // expirations are spread over [now + 13 d, now + 14 d]; refresh 7 d: at now + 6.5 d the
        // earliest have less than 7 d left, the latest more
        Instant later = NOW.plus(Duration.ofDays(6)).plus(Duration.ofHours(12));
        long due = first.records().stream()
                .filter(x -> x instanceof RRSIGRecord s
                        && s.getExpire().getEpochSecond()
                                <= later.plus(policy.refresh()).getEpochSecond())
                .count();
        assertThat(due).isPositive().isLessThan(first.signatures());

        IncrementalResult r = new IncrementalSigner().apply(state, List.of(), keys, policy, later);

        long soaSigs = 1;
        assertThat(r.signaturesMade()).isBetween(due, due + soaSigs);
        assertThat(state.records())
                .filteredOn(x -> x instanceof RRSIGRecord)
                .allSatisfy(x -> assertThat(((RRSIGRecord) x).getExpire()).isAfter(later.plus(policy.refresh())));
        GateVerdict v = gate.verify(APEX, state.records(), later);
        assertThat(v.passed()).as(v.summary()).isTrue();

        state.commit();

        // at now + 8 d every signature kept from the first run is due, none made at now + 6.5 d is;
        // the SOA is re-signed every run
        Instant muchLater = NOW.plus(Duration.ofDays(8));
        long keptFromFirst = state.signatures() - r.signaturesMade();
        IncrementalResult again = new IncrementalSigner().apply(state, List.of(), keys, policy, muchLater);
        assertThat(again.signaturesMade()).isEqualTo(keptFromFirst + soaSigs);
    }

    @Test
    void aPublishedZskThatMaySignLaterSignsEveryRrsetOnceItDoesAndTheGatePasses() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(2);
        HsmKey zsk2 = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        SigningKey second = new SigningKey(zsk2.publicKey().orElseThrow(), hsm, zsk2.ref());
        List<SigningKey> waiting = List.of(keys.get(0), keys.get(1), second.publishedOnly());
        SignedZone first = new ZoneSigner().sign(TestZones.defects(), waiting, policy, NOW, 2024010101L);
        int tag2 = second.key().keyTag().value();
        assertThat(SignedZones.rrsets(first.records())
                        .get("example.test. DNSKEY")
                        .size())
                .isEqualTo(3);
        assertThat(rrsigKeys(first.records())).noneMatch(k -> k.endsWith(" " + tag2));
        SignedZoneState state = SignedZoneState.of(first);

        // the DNSKEY RRset stays the same; only the signers change
        List<SigningKey> both = List.of(keys.get(0), keys.get(1), second);
        IncrementalResult r = new IncrementalSigner().resign(state, TestZones.defects(), both, policy, LATER);

        assertThat(r.signaturesReused())
                .as("the old ZSK's and the KSK's signatures are kept")
                .isPositive();
        assertSameAsFullSignAndValid(state, TestZones.defects(), both, policy, LATER, first.serial());
        assertThat(rrsigKeys(state.records()))
                .filteredOn(k -> k.endsWith(" " + tag2))
                .hasSize((int) (first.signatures() - 1)); // every RRset but the DNSKEY RRset (the KSK's)

        // and back: withheld again, its signatures leave every RRset
        state.commit();
        new IncrementalSigner().resign(state, TestZones.defects(), waiting, policy, LATER.plusSeconds(60));
        assertThat(rrsigKeys(state.records())).noneMatch(k -> k.endsWith(" " + tag2));
        assertSameAsFullSignAndValid(
                state, TestZones.defects(), waiting, policy, LATER.plusSeconds(60), first.serial() + 1);
    }

    @Test
    void aNewZskReplacingTheOldReSignsEverythingTheOldSigned() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(2);
        SignedZone first = fullSign(TestZones.defects(), policy, NOW, 2024010101L);
        SignedZoneState state = SignedZoneState.of(first);
        HsmKey zsk2 = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        List<SigningKey> rolled =
                List.of(keys.get(0), new SigningKey(zsk2.publicKey().orElseThrow(), hsm, zsk2.ref()));
        int oldZsk = keys.get(1).key().keyTag().value();
        int ksk = keys.get(0).key().keyTag().value();

        IncrementalResult r = new IncrementalSigner().resign(state, TestZones.defects(), rolled, policy, LATER);

        List<RRSIGRecord> sigs = state.records().stream()
                .filter(x -> x instanceof RRSIGRecord)
                .map(RRSIGRecord.class::cast)
                .toList();
        assertThat(sigs).noneMatch(s -> s.getFootprint() == oldZsk);
        // only the KSK's signature over the DNSKEY RRset could stay, and the DNSKEY RRset changed
        assertThat(r.signaturesMade()).isEqualTo(first.signatures());
        assertThat(sigs).filteredOn(s -> s.getFootprint() == ksk).hasSize(1);
        assertSameAsFullSignAndValid(state, TestZones.defects(), rolled, policy, LATER, first.serial());
    }

    @Test
    void rollbackRestoresThePublishedZoneAndCommitForgetsTheJournal() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(1).withNsec3(Nsec3Parameters.DEFAULT);
        SignedZone first = fullSign(TestZones.defects(), policy, NOW, 2024010101L);
        SignedZoneState state = SignedZoneState.of(first);
        List<String> before = state.records().stream().map(Record::toString).toList();

        new IncrementalSigner().resign(state, edited("x.y.newent IN A 192.0.2.99\n", ""), keys, policy, LATER);
        assertThat(state.pending()).isTrue();
        assertThatThrownBy(() -> new IncrementalSigner().apply(state, List.of(), keys, policy, LATER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("neither committed nor rolled back");
        state.rollback();

        assertThat(state.records().stream().map(Record::toString).toList()).isEqualTo(before);
        assertThat(state.serial()).isEqualTo(first.serial());
        assertThat(state.signatures()).isEqualTo(first.signatures());
        new IncrementalSigner().apply(state, List.of(), keys, policy, LATER);
        state.commit();
        assertThat(state.pending()).isFalse();
        assertThat(state.serial()).isEqualTo(first.serial() + 1);
    }

    @Test
    void aFailingHsmLeavesTheStateAsItWas() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(1);
        SignedZone first = fullSign(TestZones.defects(), policy, NOW, 2024010101L);
        SignedZoneState state = SignedZoneState.of(first);
        List<String> before = state.records().stream().map(Record::toString).toList();
        hsm.failWhen(InMemoryHsm.coveredType(Type.A));

        assertThatThrownBy(() ->
                        new IncrementalSigner().resign(state, edited("www IN A 192.0.2.11\n", ""), keys, policy, LATER))
                .isInstanceOf(RrsetSigningException.class);

        assertThat(state.pending()).isFalse();
        assertThat(state.records().stream().map(Record::toString).toList()).isEqualTo(before);
    }

    @Test
    void aPolicyWithAnotherDenialIsRefused() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(1);
        SignedZoneState state = SignedZoneState.of(fullSign(TestZones.defects(), policy, NOW, 2024010101L));

        assertThat(state.compatibleWith(policy.withNsec3(Nsec3Parameters.DEFAULT)))
                .isFalse();
        assertThatThrownBy(() -> new IncrementalSigner()
                        .apply(state, List.of(), keys, policy.withNsec3(Nsec3Parameters.DEFAULT), LATER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sign it in full");
    }

    @Test
    void aStateReadFromTheSignedRecordsAsTextReSignsLikeTheOriginal() throws Exception {
        SigningPolicy policy =
                SigningPolicy.defaults().withThreads(1).withNsec3(Nsec3Parameters.DEFAULT.withOptOut(true));
        SignedZone first = fullSign(TestZones.defects(), policy, NOW, 2024010101L);
        StringBuilder text = new StringBuilder();
        first.records().forEach(x -> text.append(x).append('\n'));
        UnsignedZone parsed = TestZones.parse("example.test.", text.toString());
        SignedZoneState state = SignedZoneState.of(ZONE, parsed.records());

        assertThat(state.nsec3()).contains(Nsec3Parameters.DEFAULT.withOptOut(true));
        assertThat(state.signatures()).isEqualTo(first.signatures());
        UnsignedZone zone = edited("added IN NS ns1.example.net.\n", "");
        new IncrementalSigner().resign(state, zone, keys, policy, LATER);
        assertSameAsFullSignAndValid(state, zone, policy, LATER, first.serial());
    }

    @Test
    void aChangeSetWithSignerMadeTypesOrDsWithoutNsIsRefusedAndChangesNothing() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(1);
        SignedZone first = fullSign(TestZones.defects(), policy, NOW, 2024010101L);
        SignedZoneState state = SignedZoneState.of(first);
        Name www = Name.fromConstantString("www.example.test.");
        DSRecord ds = new DSRecord(www, DClass.IN, 3600, 1, 13, 2, new byte[32]);

        assertThatThrownBy(() -> new IncrementalSigner()
                        .apply(state, List.of(RrsetChange.remove(www, Type.NSEC)), keys, policy, LATER))
                .isInstanceOf(UnsupportedRecordException.class)
                .hasMessageContaining("NSEC");
        assertThatThrownBy(() -> new IncrementalSigner()
                        .apply(state, List.of(RrsetChange.replace(www, Type.DS, List.of(ds))), keys, policy, LATER))
                .isInstanceOf(UnsupportedRecordException.class)
                .hasMessageContaining("DS without an NS RRset");

        assertThat(state.pending()).isFalse();
        assertThat(state.records().stream().map(Record::toString).toList())
                .isEqualTo(first.records().stream().map(Record::toString).toList());
    }
}
