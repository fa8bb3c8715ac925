package org.tandem.chaos.inet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Name;

class AuthServerTest {
    static final Name ZONE = Name.fromConstantString("example.test.");

    @TempDir
    Path dir;

    static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void writesBothPrimariesInOrderWithNotifyAndTransferAcls() throws Exception {
        AuthServer a = AuthServer.configure(
                dir.resolve("knot"),
                ZONE,
                at("10.53.9.1", 53),
                List.of(at("10.53.1.10", 5353), at("10.53.2.10", 5353)),
                List.of(InetAddress.getByName("10.53.9.3")));
        String conf = Files.readString(a.config());
        assertThat(conf)
                .contains("listen: 10.53.9.1@53")
                .contains("- id: primary1\n    address: 10.53.1.10@5353")
                .contains("- id: primary2\n    address: 10.53.2.10@5353")
                .contains("master: [primary1, primary2]")
                .contains("address: [10.53.1.10, 10.53.2.10]\n    action: notify")
                .contains("address: [10.53.9.3]\n    action: transfer")
                .contains("acl: [notify-from-primaries, transfer-to-observers]")
                .contains("zonefile-sync: -1")
                .contains("zonefile-load: none")
                .contains("refresh-max-interval: 2")
                .contains("retry-max-interval: 2")
                .contains("domain: \"example.test.\"");
        assertThat(a.command()).containsExactly("knotd", "-c", a.config().toString());
        assertThat(a.log()).isEqualTo(dir.resolve("knot").toAbsolutePath().resolve("knot.log"));
        assertThat(dir.resolve("knot/db")).isDirectory();
        assertThat(dir.resolve("knot/run")).isDirectory();
    }

    @Test
    void writesNoTransferAclWithoutObservers() throws Exception {
        // an ACL without an address would allow every address
        AuthServer a =
                AuthServer.configure(dir, ZONE, at("127.0.0.1", 5302), List.of(at("127.0.0.1", 5400)), List.of());
        String conf = Files.readString(a.config());
        assertThat(conf).doesNotContain("action: transfer").contains("acl: [notify-from-primaries]");
    }

    @Test
    void refusesWhatKnotCouldNotUse() throws Exception {
        InetSocketAddress p = at("127.0.0.1", 5400);
        assertThatThrownBy(() -> AuthServer.configure(dir, ZONE, at("127.0.0.1", 5302), List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("example.test.")
                .hasMessageContaining("primary");
        assertThatThrownBy(() -> AuthServer.configure(dir, ZONE, at("127.0.0.1", 0), List.of(p), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port");
        assertThatThrownBy(() -> AuthServer.configure(
                        dir, Name.fromConstantString("example"), at("127.0.0.1", 5302), List.of(p), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("absolute");
    }
}
