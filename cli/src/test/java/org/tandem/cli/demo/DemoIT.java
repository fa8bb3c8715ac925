package org.tandem.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.cli.SignerctlCommand;
import org.tandem.keysync.testing.Prerequisites;

/**
 * The README's main job, end to end: two signer-node processes, each with its own SoftHSM2
 * configuration and token directory, an embedded ZooKeeper, the coordinator, the KEK and the keys
 * made through the coordinator (the operator's commands see no token), the leader killed, the
 * standby taking over; both versions judged by {@code ldns-verify-zone}.
 */
class DemoIT {
    @Test
    void demoElectsSignsPublishesThenTheStandbyTakesOverWithTheSameKeysAndAHigherSerial(@TempDir Path dir)
            throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        Prerequisites.requireTool("openssl", "openssl");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path work = dir.resolve("demo");

        int code = SignerctlCommand.run(
                new String[] {"demo", "--workdir", work.toString()}, new PrintWriter(out), new PrintWriter(err));

        String text = out.toString();
        assertThat(code).as(text + err).isZero();
        assertThat(text)
                .contains("$ signerctl kek enrol --config=signerctl.yaml --from=node-a --to=node-b")
                .contains("$ signerctl keys sync --config=signerctl.yaml --zone=example.test.")
                .containsPattern("node-[ab] published serial \\d+ in epoch 1")
                .containsPattern("node-[ab] is a key-synced standby")
                .contains("DNSKEY RRset identical")
                .containsPattern("node-[ab] published serial \\d+ in epoch 2, [0-9.]+ s after the kill");
        assertThat(text.split("Zone is verified and complete", -1)).hasSize(3);
        assertThat(text)
                .containsPattern(
                        "node-[ab] continued from the published zone: it made \\d+ signature\\(s\\) and re-used [1-9]");
        List<Path> versions;
        try (Stream<Path> s = Files.list(work.resolve("published/example.test"))) {
            versions = s.filter(p -> p.getFileName().toString().matches("\\d+\\.zone"))
                    .toList();
        }
        assertThat(versions).hasSizeGreaterThanOrEqualTo(2);
        assertThat(work.resolve("published/example.test.zone")).exists();
        // one HSM per node: two configurations, two token directories, no shared one
        assertThat(work.resolve("hsm/softhsm2.conf")).doesNotExist();
        for (String node : List.of("node-a", "node-b")) {
            assertThat(work.resolve("hsm/" + node + "/" + node + ".pin")).exists();
            assertThat(Files.readString(work.resolve("hsm/" + node + "/softhsm2.conf")))
                    .contains("directories.tokendir = " + work.resolve("hsm/" + node + "/tokens"));
            assertThat(Files.readString(work.resolve("hsm/" + node + "/hsm.yaml")))
                    .contains("token-label: " + node)
                    .doesNotContain("token-label: " + (node.equals("node-a") ? "node-b" : "node-a"));
        }
        assertThat(work.resolve("logs/node-a.log")).exists();
        assertThat(Files.readString(work.resolve("logs/node-b.log"))).contains("event=published");
    }
}
