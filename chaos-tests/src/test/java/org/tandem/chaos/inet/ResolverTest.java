package org.tandem.chaos.inet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.chaos.inet.AuthServerTest.ZONE;
import static org.tandem.chaos.inet.AuthServerTest.at;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Name;

class ResolverTest {
    static final String KSK = "example.test.\t3600\tIN\tDNSKEY\t257 3 13 "
            + "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==";

    @TempDir
    Path dir;

    @Test
    void writesAValidatingStubResolverForATestZone() throws Exception {
        Resolver r = Resolver.configure(
                dir.resolve("unbound"),
                at("10.53.9.2", 53),
                ZONE,
                List.of(KSK),
                at("10.53.9.1", 53),
                List.of("10.53.0.0/16", "127.0.0.0/8"));
        String conf = Files.readString(r.config());
        assertThat(conf)
                .contains("interface: 10.53.9.2@53")
                .contains("module-config: \"validator iterator\"")
                .contains("trust-anchor: \"example.test. 3600 IN DNSKEY 257 3 13 mdss")
                .contains("stub-zone:\n  name: \"example.test.\"\n  stub-addr: 10.53.9.1@53")
                .contains("local-zone: \"test.\" nodefault")
                .contains("access-control: 10.53.0.0/16 allow")
                .contains("access-control: 127.0.0.0/8 allow")
                .contains("ede: yes")
                .contains("val-log-level: 2")
                .contains("do-daemonize: no")
                .contains("chroot: \"\"")
                .contains("control-enable: no")
                .contains("logfile: \"" + r.log() + "\"");
        assertThat(r.command())
                .containsExactly("unbound", "-d", "-c", r.config().toString());
    }

    @Test
    void leavesBuiltInLocalZonesAloneForOtherZones() throws Exception {
        Resolver r = Resolver.configure(
                dir,
                at("127.0.0.1", 5301),
                Name.fromConstantString("example.com."),
                List.of("example.com. DS 50913 13 2 DA05444FD45B3140A9FA954DC3BABFCC228F91B167B1CBEAFE4A2BD3881421EE"),
                at("127.0.0.1", 5302),
                List.of("127.0.0.0/8"));
        assertThat(Files.readString(r.config())).doesNotContain("local-zone").contains("example.com. DS 50913");
    }

    @Test
    void refusesAnAnchorOfAnotherZoneOrType() {
        assertThatThrownBy(() -> Resolver.configure(
                        dir,
                        at("127.0.0.1", 5301),
                        ZONE,
                        List.of("other.test. 3600 IN DNSKEY 257 3 13 AAAA"),
                        at("127.0.0.1", 5302),
                        List.of("127.0.0.0/8")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("example.test.");
        assertThatThrownBy(() -> Resolver.configure(
                        dir,
                        at("127.0.0.1", 5301),
                        ZONE,
                        List.of("example.test. 3600 IN A 192.0.2.1"),
                        at("127.0.0.1", 5302),
                        List.of("127.0.0.0/8")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DNSKEY or DS");
        assertThatThrownBy(() -> Resolver.configure(
                        dir, at("127.0.0.1", 5301), ZONE, List.of(), at("127.0.0.1", 5302), List.of("127.0.0.0/8")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trust anchor");
        assertThatThrownBy(() -> Resolver.configure(
                        dir, at("127.0.0.1", 5301), ZONE, List.of(KSK), at("127.0.0.1", 5302), List.of("everyone")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("everyone");
    }
}
