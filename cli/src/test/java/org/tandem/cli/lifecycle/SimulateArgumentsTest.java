package org.tandem.cli.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.cli.ExitCode;
import org.tandem.cli.SignerctlRun;

/** {@code signerctl lifecycle simulate}'s argument errors: refused before any HSM or ZooKeeper is opened. */
class SimulateArgumentsTest {
    @TempDir
    Path dir;

    private Path zone;
    private Path policy;
    private Path hsm;

    @BeforeEach
    void files() throws Exception {
        zone = Files.writeString(dir.resolve("example.test.zone"), """
                $ORIGIN example.test.
                @    3600 IN SOA ns1 h 1 2 3 4 5
                @    3600 IN NS  ns1
                ns1  3600 IN A   192.0.2.1
                """);
        policy = Files.writeString(dir.resolve("policy.yaml"), "keys:\n  csk: {algorithm: 13, lifetime: 30d}\n");
        // no HSM is ever opened by these tests: every one is refused before
        hsm = Files.writeString(dir.resolve("hsm.yaml"), "hsms: []\n");
    }

    private SignerctlRun simulate(String... replace) {
        List<String> args = new ArrayList<>(List.of(
                "lifecycle",
                "simulate",
                "--zone",
                "example.test",
                "--input",
                zone.toString(),
                "--policy",
                policy.toString(),
                "--hsm-config",
                hsm.toString(),
                "--start",
                "2027-01-01T00:00:00Z",
                "--days",
                "10",
                "--out",
                dir.resolve("out").toString()));
        for (int i = 0; i < replace.length; i += 2) {
            int at = args.indexOf(replace[i]);
            if (at < 0) {
                args.addAll(List.of(replace[i], replace[i + 1]));
            } else {
                args.set(at + 1, replace[i + 1]);
            }
        }
        return SignerctlRun.of(args.toArray(new String[0]));
    }

    @Test
    void aStartThatIsNotAnIsoInstantIsAUsageErrorNamingTheOption() {
        SignerctlRun r = simulate("--start", "2027-01-01");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(r.err()).contains("--start '2027-01-01'", "ISO-8601", "2027-01-01T00:00:00Z");
    }

    @Test
    void zeroDaysIsAUsageError() {
        SignerctlRun r = simulate("--days", "0");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(r.err()).contains("--days must be 1 to", "got 0");
    }

    @Test
    void aMissingZoneFileIsNamed() {
        SignerctlRun r = simulate("--input", dir.resolve("nope.zone").toString());

        assertThat(r.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(r.err()).contains("--input", dir.resolve("nope.zone").toString(), "no such readable file");
    }

    @Test
    void missingPolicyAndHsmConfigFilesAreNamed() {
        SignerctlRun p = simulate("--policy", dir.resolve("none.yaml").toString());
        SignerctlRun h = simulate("--hsm-config", dir.resolve("hsm-none.yaml").toString());

        assertThat(p.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(p.err()).contains("--policy", "none.yaml");
        assertThat(h.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(h.err()).contains("--hsm-config", "hsm-none.yaml");
    }

    @Test
    void aParentDelayWithoutAUnitIsAUsageError() {
        SignerctlRun r = simulate("--parent-delay", "48");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(r.err()).contains("--parent-delay", "'48'");
    }

    @Test
    void anOutputDirectoryWithAnEarlierRunIsRefusedAndLeftAlone() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("timeline.json"), "[]\n");

        SignerctlRun r = simulate();

        assertThat(r.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(r.err()).contains("holds an earlier run");
        assertThat(Files.readString(out.resolve("timeline.json"))).isEqualTo("[]\n");
    }

    @Test
    void aPolicyWithoutKeysIsAUsageErrorNamingTheFile() throws Exception {
        Files.writeString(policy, "dnskey-ttl: 3600\n");

        SignerctlRun r = simulate();

        assertThat(r.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(r.err()).contains(policy.toString(), "no keys:");
    }
}
