package org.tandem.cli.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.cli.ExitCode;
import org.tandem.cli.SignerctlRun;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.signer.lifecycle.CacheCheck;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * {@code signerctl lifecycle simulate} over 400 simulated days on a real SoftHSM2 token, with
 * lifetimes short enough (ZSK 30 days, KSK 120 days) that ZSK and KSK rollovers run to their end: the
 * steps come in the RFC 7583 order, every published version validates with ldns-verify-zone at its own
 * time, and no DNSKEY RRset, RRSIG or DS a resolver could have cached fails to validate a version.
 */
class LifecycleSimulateIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter LDNS_TIME =
            DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

    private static final String ZONE = """
            $ORIGIN example.test.
            $TTL 3600
            @        SOA   ns1 hostmaster 2027010100 7200 3600 1209600 3600
            @        NS    ns1
            ns1      A     192.0.2.53
            www      A     192.0.2.80
            mail     MX    10 www
            """;

    /** Ipub = 5m + 1h + 1h; Iret = 0 + 5m + 1h + 1h; TTLds 1 day. */
    private static final String POLICY = """
            dnskey-ttl: 3600
            keys:
              ksk: {algorithm: 13, lifetime: 120d}
              zsk: {algorithm: 13, lifetime: 30d}
            propagation-delay: 5m
            publish-safety: 1h
            retire-safety: 1h
            parent: {ds-ttl: 1d, propagation-delay: 1d, check: none}
            """;

    private static final Duration IPUB = Duration.ofMinutes(65).plusHours(1);
    private static final Duration IRET = Duration.ofMinutes(65).plusHours(1);
    private static final Duration DS_TTL = Duration.ofDays(1);

    @TempDir
    static Path dir;

    private static HsmSpec token;
    private static SignerctlRun run;
    private static Duration took;
    private static JsonNode timeline;

    @BeforeAll
    static void simulate() throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        token = SoftHsmTokens.shared().allocate("simulate");
        Path config = Files.writeString(
                dir.resolve("hsm.yaml"),
                "hsms:\n  - name: " + token.name() + "\n    library: " + token.library() + "\n    token-label: "
                        + token.tokenLabel() + "\n    pin-file: " + token.pinFile() + "\n");
        Files.writeString(dir.resolve("example.test.zone"), ZONE);
        Files.writeString(dir.resolve("policy.yaml"), POLICY);
        long t0 = System.nanoTime();
        run = simulate(config, "400", "out", "--parent-delay", "2d");
        took = Duration.ofNanos(System.nanoTime() - t0);
        timeline =
                run.code() == 0 ? JSON.readTree(dir.resolve("out/timeline.json").toFile()) : null;
    }

    @Test
    void theRunSucceedsInUnderTwoMinutesWithProgressOnStderrAndTheCacheCheckPassing() {
        assertThat(run.code()).as(run.out() + run.err()).isZero();
        assertThat(took).isLessThan(Duration.ofMinutes(2));
        assertThat(run.err()).contains("simulate example.test.: day ");
        assertThat(run.out()).contains("cache check: every DNSKEY RRset, RRSIG and DS a resolver can hold validates");
        assertThat(timeline.size()).isGreaterThan(10);
    }

    @Test
    void aZskRolloverPrePublishesTheSuccessorAndRemovesTheOldZskOnlyAfterIret() {
        assertThat(run.code()).as(run.err()).isZero();
        Map<String, Map<String, Instant>> zsk = firstTimeInState("ZSK");
        int completed = 0;
        for (Map.Entry<String, Map<String, Instant>> old : zsk.entrySet()) {
            Instant removed = old.getValue().get("REMOVED");
            if (removed == null) {
                continue;
            }
            Instant retired = old.getValue().get("RETIRED");
            // its successor became ACTIVE in the version the old one was RETIRED
            String next = zsk.entrySet().stream()
                    .filter(e -> retired.equals(e.getValue().get("ACTIVE")))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no successor of ZSK " + old.getKey()));
            Instant published = zsk.get(next).get("PUBLISHED");
            assertThat(published)
                    .as("RFC 7583 §3.2.1: published Ipub before it signs")
                    .isNotNull();
            assertThat(published.plus(IPUB)).isBeforeOrEqualTo(retired);
            assertThat(retired.plus(IRET))
                    .as("the old ZSK's signatures left every cache before its DNSKEY")
                    .isBeforeOrEqualTo(removed);
            completed++;
        }
        assertThat(completed)
                .as("ZSK rollovers completed in 400 days of 30-day ZSKs")
                .isGreaterThanOrEqualTo(3);
    }

    @Test
    void aKskRolloverHasTheNewDsAtTheParentBeforeTheOldKskIsWithdrawn() {
        assertThat(run.code()).as(run.err()).isZero();
        Map<String, Map<String, Instant>> ksk = firstTimeInState("KSK");
        Map<String, String> digests = dsDigests();
        int completed = 0;
        for (Map.Entry<String, Map<String, Instant>> old : ksk.entrySet()) {
            Instant removed = old.getValue().get("REMOVED");
            if (removed == null) {
                continue;
            }
            String oldDs = digests.get(old.getKey());
            String next = ksk.keySet().stream()
                    .filter(k -> !k.equals(old.getKey()))
                    .filter(k -> ksk.get(k).get("ACTIVE") != null
                            && ksk.get(k).get("ACTIVE").isBefore(removed))
                    .findFirst()
                    .orElseThrow();
            Instant newDsAt = firstTime(e -> ds(e).contains(digests.get(next)));
            Instant oldDsGone = firstTimeAfter(newDsAt, e -> !ds(e).contains(oldDs));
            assertThat(newDsAt).as("the new KSK's DS at the parent").isBefore(removed);
            assertThat(oldDsGone.plus(DS_TTL))
                    .as("RFC 7583 §3.3.1: the old KSK leaves TTLds after the old DS left the parent")
                    .isBeforeOrEqualTo(removed);
            completed++;
        }
        assertThat(completed)
                .as("KSK rollovers completed in 400 days of 120-day KSKs")
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void everyPublishedVersionValidatesWithLdnsVerifyZoneAtItsOwnTime() throws Exception {
        assertThat(run.code()).as(run.err()).isZero();
        for (JsonNode e : timeline) {
            Path file = dir.resolve("out/versions/" + e.get("serial").asLong() + ".zone");
            Instant at = Instant.parse(e.get("time").asText());
            Process p = new ProcessBuilder("ldns-verify-zone", "-t", LDNS_TIME.format(at), file.toString())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue())
                    .as("ldns-verify-zone -t " + LDNS_TIME.format(at) + " " + file + "\n" + out)
                    .isZero();
        }
        try (var files = Files.list(dir.resolve("out/versions"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("nothing half-written")
                    .hasSize(timeline.size())
                    .allMatch(n -> n.matches("\\d+\\.zone"));
        }
    }

    @Test
    void noDnskeyRrsetRrsigOrDsAResolverCouldHoldFailsToValidateAnyVersionRereadFromTheFiles() throws Exception {
        assertThat(run.code()).as(run.err()).isZero();
        Name apex = Name.fromString("example.test.");
        List<CacheCheck.Version> versions = new ArrayList<>();
        List<CacheCheck.DsSet> parent = new ArrayList<>();
        Set<String> last = null;
        for (JsonNode e : timeline) {
            Instant at = Instant.parse(e.get("time").asText());
            long serial = e.get("serial").asLong();
            versions.add(
                    CacheCheck.Version.of(serial, at, apex, read(dir.resolve("out/versions/" + serial + ".zone"))));
            Set<String> ds = ds(e);
            if (!ds.equals(last)) {
                parent.add(new CacheCheck.DsSet(at, ds));
                last = ds;
            }
        }
        assertThat(parent).as("the parent's DS changed at least 4 times").hasSizeGreaterThanOrEqualTo(4);

        List<CacheCheck.Violation> violations = CacheCheck.check(versions, parent, DS_TTL, Duration.ofMinutes(5));

        assertThat(violations).isEmpty();
    }

    @Test
    void theSimulationsKeysAreDestroyedOnTheTokenAfterwards() throws Exception {
        assertThat(run.code()).as(run.err()).isZero();
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(token)) {
            assertThat(hsm.list(ZoneName.of("example.test"))).isEmpty();
        }
    }

    @Test
    void aTokenThatAlreadyHoldsKeysOfTheZoneIsRefusedNamingHsmZoneAndKeyAndKeepsThem() throws Exception {
        HsmSpec other = SoftHsmTokens.shared().allocate("simulate-busy");
        ZoneName zone = ZoneName.of("example.test");
        HsmKey existing;
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(other)) {
            existing = hsm.generate(new KeySpec(zone, KeyRole.KSK, Algorithm.ECDSAP256SHA256));
        }
        Path config = Files.writeString(
                dir.resolve("hsm-busy.yaml"),
                "hsms:\n  - name: " + other.name() + "\n    library: " + other.library() + "\n    token-label: "
                        + other.tokenLabel() + "\n    pin-file: " + other.pinFile() + "\n");

        SignerctlRun r = simulate(config, "1", "out-busy");

        assertThat(r.code()).isEqualTo(ExitCode.REFUSED.code());
        assertThat(r.err())
                .contains(
                        "HSM " + other.name(),
                        "zone example.test.",
                        "KSK " + existing.claimedTag().value(),
                        "use a token without them");
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(other)) {
            assertThat(hsm.list(zone))
                    .as("the zone's key on the token is left alone")
                    .hasSize(1);
        }
    }

    /** Per key fingerprint of the role: the first time the timeline shows it in each state. */
    private static Map<String, Map<String, Instant>> firstTimeInState(String role) {
        Map<String, Map<String, Instant>> out = new LinkedHashMap<>();
        for (JsonNode e : timeline) {
            Instant at = Instant.parse(e.get("time").asText());
            for (JsonNode k : e.get("keys")) {
                if (k.get("role").asText().equals(role)) {
                    out.computeIfAbsent(k.get("fingerprint").asText(), x -> new LinkedHashMap<>())
                            .putIfAbsent(k.get("state").asText(), at);
                }
            }
        }
        return out;
    }

    private interface EntryTest {
        boolean test(JsonNode entry);
    }

    private static Instant firstTime(EntryTest t) {
        return firstTimeAfter(Instant.MIN, t);
    }

    private static Instant firstTimeAfter(Instant after, EntryTest t) {
        for (JsonNode e : timeline) {
            Instant at = Instant.parse(e.get("time").asText());
            if (!at.isBefore(after) && t.test(e)) {
                return at;
            }
        }
        throw new AssertionError("no version after " + after + " matches");
    }

    private static Set<String> ds(JsonNode entry) {
        Set<String> out = new TreeSet<>();
        entry.get("parent_ds").forEach(d -> out.add(d.asText()));
        return out;
    }

    /** The SHA-256 DS digest of each key (by fingerprint), from the DNSKEYs of the published versions. */
    private static Map<String, String> dsDigests() {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            Name apex = Name.fromString("example.test.");
            for (JsonNode e : timeline) {
                long serial = e.get("serial").asLong();
                Set<String> keysOfVersion = new HashSet<>();
                CacheCheck.Version v = CacheCheck.Version.of(
                        serial, Instant.EPOCH, apex, read(dir.resolve("out/versions/" + serial + ".zone")));
                v.dnskeys().forEach(k -> keysOfVersion.add(k.tag() + " " + k.dsDigest()));
                for (JsonNode k : e.get("keys")) {
                    Optional<String> digest = keysOfVersion.stream()
                            .filter(x -> x.startsWith(k.get("tag").asInt() + " "))
                            .map(x -> x.substring(x.indexOf(' ') + 1))
                            .findFirst();
                    digest.ifPresent(d -> out.putIfAbsent(k.get("fingerprint").asText(), d));
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    private static List<Record> read(Path file) throws IOException {
        List<Record> out = new ArrayList<>();
        try (Master m = new Master(file.toString(), Name.fromString("example.test."))) {
            for (Record r = m.nextRecord(); r != null; r = m.nextRecord()) {
                out.add(r);
            }
        }
        return out;
    }

    /** {@code signerctl lifecycle simulate} on the test's zone and policy from 2027-01-01, into {@code dir/out}. */
    private static SignerctlRun simulate(Path hsmConfig, String days, String out, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "lifecycle",
                "simulate",
                "--zone",
                "example.test",
                "--input",
                dir.resolve("example.test.zone").toString(),
                "--policy",
                dir.resolve("policy.yaml").toString(),
                "--hsm-config",
                hsmConfig.toString(),
                "--start",
                "2027-01-01T00:00:00Z",
                "--days",
                days,
                "--out",
                dir.resolve(out).toString()));
        args.addAll(List.of(more));
        return SignerctlRun.of(args.toArray(String[]::new));
    }
}
