package org.tandem.signer.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.SoftwareKeys;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.signer.publish.SecondaryProcess;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;

/**
 * {@code parent.check: resolver} against real authoritative servers: two NSD processes each serve the
 * parent zone {@code test.} with its own DS RRset for {@code example.test.}. The probe finds the parent,
 * its two name servers and their addresses through the first of them (acting as the resolver), asks each
 * server, and agrees only when both serve the same DS; a server that does not answer is a failure.
 */
class ResolverParentDsIT {
    private static final ZoneName CHILD = ZoneName.of("example.test.");

    @TempDir
    Path dir;

    @Test
    void theDsCountsAsChangedOnlyWhenEveryParentServerServesItAndASilentServerIsAFailure() throws Exception {
        DnssecKey ksk = SoftwareKeys.p256(CHILD, KeyRole.KSK);
        DSRecord ds = new DSRecord(CHILD.name(), DClass.IN, 3600, DNSSEC.Digest.SHA256, ksk.dnskey(3600));
        int port1 = SecondaryProcess.freePort();
        int port2 = SecondaryProcess.freePort();
        ResolverParentDs probe = new ResolverParentDs(
                Duration.ofSeconds(2),
                address -> new InetSocketAddress(
                        InetAddress.getLoopbackAddress(),
                        address.getHostAddress().equals("127.0.0.2") ? port1 : port2));
        String resolver = "127.0.0.1:" + port1;

        try (SecondaryProcess ns1 = parentServer("ns1", port1, ds.rdataToString())) {
            try (SecondaryProcess ns2 = parentServer("ns2", port2, null)) {
                ParentDsAnswer half = awaitAnswers(probe, resolver);
                assertThat(half.failures()).isEmpty();
                assertThat(half.servers())
                        .containsOnlyKeys("ns1.test. 127.0.0.2", "ns2.test. 127.0.0.3")
                        .containsEntry("ns2.test. 127.0.0.3", List.of());
                assertThat(half.servers().get("ns1.test. 127.0.0.2")).containsExactly(ds);
                assertThat(half.agreed(List.of(ksk))).isEmpty();
                assertThat(half.describe(List.of(ksk)))
                        .contains("ns1.test. 127.0.0.2 serves DS ["
                                + ksk.fingerprint().shortHex() + "]")
                        .contains("ns2.test. 127.0.0.3 serves DS none");
            }
            ParentDsAnswer silent = probe.ask(CHILD, resolver);
            assertThat(silent.failures())
                    .singleElement()
                    .asString()
                    .startsWith("ns2.test. 127.0.0.3: DS example.test.");
            assertThat(silent.agreed(List.of(ksk))).isEmpty();

            try (SecondaryProcess ns2 = parentServer("ns2", port2, ds.rdataToString())) {
                ParentDsAnswer both = awaitAnswers(probe, resolver);
                assertThat(both.agreed(List.of(ksk))).contains(Set.of(ksk.fingerprint()));
            }
        }
        ParentDsAnswer noResolver = probe.ask(CHILD, resolver);
        assertThat(noResolver.servers()).isEmpty();
        assertThat(noResolver.failures()).singleElement().asString().contains("SOA test. to");
        assertThat(probe.ask(CHILD, "not a host:99999").failures())
                .singleElement()
                .asString()
                .contains("resolver 'not a host:99999'");
    }

    private static ParentDsAnswer awaitAnswers(ResolverParentDs probe, String resolver) throws InterruptedException {
        ParentDsAnswer[] last = new ParentDsAnswer[1];
        TestTiming.until(Duration.ofSeconds(20), "both parent servers answer", () -> {
            last[0] = probe.ask(CHILD, resolver);
            return last[0].failures().isEmpty() && last[0].servers().size() == 2;
        });
        return last[0];
    }

    /** NSD serving the parent zone {@code test.}, with the child's DS RRset when {@code dsRdata} is given. */
    private SecondaryProcess parentServer(String name, int port, String dsRdata) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name + "-" + System.nanoTime()));
        StringBuilder zone = new StringBuilder("""
                $ORIGIN test.
                $TTL 3600
                @ IN SOA ns1.test. hostmaster.test. 1 3600 600 86400 300
                @ IN NS ns1.test.
                @ IN NS ns2.test.
                ns1 IN A 127.0.0.2
                ns2 IN A 127.0.0.3
                example IN NS ns1.example.test.
                ns1.example IN A 127.0.0.9
                """);
        if (dsRdata != null) {
            zone.append("example IN DS ").append(dsRdata).append('\n');
        }
        Path file = home.resolve("test.zone");
        Files.writeString(file, zone);
        return SecondaryProcess.nsd(home, port, List.of("zone:", "  name: \"test.\"", "  zonefile: \"" + file + "\""));
    }

    @Test
    void resolverAddressesAreHostAndOptionalPort() throws Exception {
        assertThat(ResolverParentDs.endpoint("127.0.0.1")).isEqualTo(new InetSocketAddress("127.0.0.1", 53));
        assertThat(ResolverParentDs.endpoint("127.0.0.1:5353")).isEqualTo(new InetSocketAddress("127.0.0.1", 5353));
        assertThat(ResolverParentDs.endpoint("[::1]:54")).isEqualTo(new InetSocketAddress("::1", 54));
        assertThat(ResolverParentDs.endpoint("::1")).isEqualTo(new InetSocketAddress("::1", 53));
    }
}
