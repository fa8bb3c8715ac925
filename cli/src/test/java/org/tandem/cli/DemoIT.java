package org.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.Prerequisites;

/**
 * The README's main job, end to end: two signer-node processes on two fresh SoftHSM2 tokens, an
 * embedded ZooKeeper, the leader killed, the standby taking over; both versions judged by
 * {@code ldns-verify-zone}.
 */
class DemoIT {
    @Test
    void demoElectsSignsPublishesThenTheStandbyTakesOverWithTheSameKeysAndAHigherSerial(@TempDir Path dir) throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        Prerequisites.requireTool("openssl", "openssl");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path work = dir.resolve("demo");

        int code = SignerctlCommand.run(new String[] {"demo", "--workdir", work.toString()}, new PrintWriter(out),
                new PrintWriter(err));

        String text = out.toString();
        assertThat(code).as(text + err).isZero();
        assertThat(text)
                .contains("key-synced: 2 key(s) present and proven on all 2 HSM(s)")
                .contains("node-a published serial")
                .contains("node-b is a key-synced standby")
                .contains("DNSKEY RRset identical")
                .containsPattern("node-b published serial \\d+ in epoch 2, [0-9.]+ s after the kill");
        assertThat(text.split("Zone is verified and complete", -1)).hasSize(3);
        assertThat(text).containsPattern("node-b continued from the published zone: it made \\d+ signature\\(s\\) and re-used [1-9]");
        List<Path> versions;
        try (Stream<Path> s = Files.list(work.resolve("published/example.test"))) {
            versions = s.filter(p -> p.getFileName().toString().matches("\\d+\\.zone")).toList();
        }
        assertThat(versions).hasSizeGreaterThanOrEqualTo(2);
        assertThat(work.resolve("published/example.test.zone")).exists();
        assertThat(work.resolve("hsm/softhsm2.conf")).exists();
        assertThat(work.resolve("hsm/node-a.pin")).exists();
        assertThat(work.resolve("hsm/node-b.pin")).exists();
        assertThat(work.resolve("logs/node-a.log")).exists();
        assertThat(Files.readString(work.resolve("logs/node-b.log"))).contains("event=published");
    }
}
