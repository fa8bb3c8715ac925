package org.tandem.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.cli.SignerctlException;

/** demo --stop never signals a process that is not the demo's, and reads its pid file strictly. */
class DemoProcessesTest {
    @TempDir
    Path dir;

    @Test
    void aPidThatIsNotOursIsLeftAloneAndADeadOneReported() throws Exception {
        long self = ProcessHandle.current().pid(); // alive, but without -Dtandem.demo.workdir=<dir>
        Process done = new ProcessBuilder("true").start();
        done.waitFor();
        DemoProcesses.append(dir, "node-a", self);
        DemoProcesses.append(dir, "node-b", done.pid());
        assertThat(DemoProcesses.read(dir))
                .extracting(DemoProcesses.Entry::name)
                .containsExactly("node-a", "node-b");
        StringWriter out = new StringWriter();

        assertThat(DemoProcesses.stop(dir, new PrintWriter(out))).isZero();

        assertThat(ProcessHandle.current().isAlive()).isTrue();
        assertThat(out.toString())
                .contains("node-a (pid " + self + "): the pid now belongs to another process")
                .contains("node-b (pid " + done.pid() + "): was not running");
        assertThat(dir.resolve(DemoProcesses.FILE)).doesNotExist();
    }

    @Test
    void aMissingOrMalformedPidFileIsAnError() throws Exception {
        assertThatThrownBy(() -> DemoProcesses.read(dir))
                .isInstanceOf(SignerctlException.class)
                .hasMessageContaining("no pid file");
        Files.writeString(dir.resolve(DemoProcesses.FILE), "zookeeper 12\nnode-a twelve\n");
        assertThatThrownBy(() -> DemoProcesses.read(dir))
                .isInstanceOf(SignerctlException.class)
                .hasMessageContaining("pids:2: expected '<name> <pid>'");
    }
}
