package org.tandem.chaos.inet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.chaos.inet.AuthServerTest.ZONE;
import static org.tandem.chaos.inet.AuthServerTest.at;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.Prerequisites;

/** Knot's and Unbound's own checkers accept what the writers write (and reject a broken file: the check bites). */
class InetConfigCheckIT {
    @TempDir
    Path dir;

    @Test
    void knotcAcceptsTheSecondaryConfiguration() throws Exception {
        Prerequisites.requireTool("knotc", "knot");
        AuthServer a = AuthServer.configure(
                dir.resolve("knot"),
                ZONE,
                at("127.0.0.1", 5302),
                List.of(at("127.0.0.1", 5400), at("127.0.0.2", 5401)),
                List.of(InetAddress.getByName("127.0.0.1")));
        InetProcesses.Result r = InetProcesses.run(a.checkCommand());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("Configuration is valid");

        Files.writeString(
                a.config(), Files.readString(a.config()).replace("zonefile-sync: -1", "zonefile-sync: never"));
        assertThat(InetProcesses.run(a.checkCommand()).exit())
                .as("a broken file is rejected")
                .isNotZero();
    }

    @Test
    void unboundCheckconfAcceptsTheResolverConfiguration() throws Exception {
        Prerequisites.requireTool("unbound-checkconf", "unbound");
        Resolver r = Resolver.configure(
                dir.resolve("unbound"),
                at("127.0.0.1", 5301),
                ZONE,
                List.of(ResolverTest.KSK),
                at("127.0.0.1", 5302),
                List.of("127.0.0.0/8", "10.53.0.0/16"));
        InetProcesses.Result c = InetProcesses.run(r.checkCommand());
        assertThat(c.exit()).as(c.output()).isZero();
        assertThat(c.output()).contains("no errors");

        Files.writeString(r.config(), Files.readString(r.config()).replace("ede: yes", "ede: sometimes"));
        assertThat(InetProcesses.run(r.checkCommand()).exit())
                .as("a broken file is rejected")
                .isNotZero();
    }
}
