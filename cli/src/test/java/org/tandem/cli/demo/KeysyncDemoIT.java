package org.tandem.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.cli.SignerctlCommand;
import org.tandem.keysync.testing.Prerequisites;

/** The README's main job, end to end: real tokens, real embedded ZooKeeper, real signerctl child processes. */
class KeysyncDemoIT {
    @Test
    void demoReplicatesProvesCatchesTheDenicFaultAndRepairsIt(@TempDir Path dir) throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.requireTool("pkcs11-tool", "opensc");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path work = dir.resolve("demo");

        int code = SignerctlCommand.run(
                new String[] {"demo-keysync", "--workdir", work.toString()},
                new PrintWriter(out),
                new PrintWriter(err));

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("all HSMs share the cluster KEK")
                .contains("NOT key-synced: 4 problem(s)")
                .contains("key-synced: 2 key(s) present and proven on all 3 HSM(s)")
                .contains("different-public-key")
                .contains("destroyed ZSK")
                .contains("intact");
        assertThat(work.resolve("hsm.yaml")).exists();
        assertThat(Files.readString(work.resolve("audit.jsonl")).lines().count())
                .isGreaterThan(15);
        assertThat(Files.getPosixFilePermissions(work.resolve("hsm/dc1-hsm1.pin")))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }
}
