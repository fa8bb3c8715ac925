package org.tandem.chaos.cluster;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tandem.chaos.history.ProberEvent;
import org.tandem.chaos.inet.AuthServer;
import org.tandem.chaos.inet.ObserverMain;
import org.tandem.chaos.inet.Resolver;
import org.tandem.chaos.net.Host;
import org.tandem.chaos.proc.Proc;
import org.tandem.signer.publish.SignedZoneFile;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * The "internet" site: Knot as the authoritative secondary with both signers as primaries (it takes
 * the zone from whichever serves it), Unbound validating with the KSK as trust anchor, and the
 * observer (prober through Unbound, capture of every version Knot serves) writing into the report
 * directory.
 */
final class Internet implements AutoCloseable {
    /**
     * Names of every kind the prober asks, in turn: data, wildcard, NXDOMAIN, NODATA, DNSKEY, delegation DS, new types.
     */
    static final List<String> QUERIES = List.of(
            "example.test. SOA",
            "example.test. DNSKEY",
            "example.test. NS",
            "example.test. MX",
            "example.test. TXT",
            "example.test. CAA",
            "www.example.test. A",
            "www.example.test. AAAA",
            "_443._tcp.www.example.test. TLSA",
            "svc.example.test. HTTPS",
            "any.wild.example.test. TXT",
            "nope.example.test. A",
            "www.example.test. MX",
            "sub.example.test. DS",
            "x.example.test. TYPE65280",
            "y.example.test. TYPE261");

    private final List<Proc> procs = new ArrayList<>();

    private Internet() {}

    static Internet start(Cluster c) throws Exception {
        Internet i = new Internet();
        Host auth = c.net().host("inet-auth");
        Host res = c.net().host("inet-resolver");
        Name zone = Name.fromString(Cluster.ZONE);
        List<InetSocketAddress> primaries = new ArrayList<>();
        for (String n : Cluster.NODES) {
            primaries.add(new InetSocketAddress(c.nodeHost(n).address(), Cluster.TRANSFER_PORT));
        }
        AuthServer knot = AuthServer.configure(
                c.run().resolve("knot"),
                zone,
                new InetSocketAddress(auth.address(), 53),
                primaries,
                List.of(InetAddress.getByName(res.address())));
        i.procs.add(c.procs().start(auth, "knotd", knot.command(), Map.of()));
        Resolver unbound = Resolver.configure(
                c.run().resolve("unbound"),
                new InetSocketAddress(res.address(), 53),
                zone,
                trustAnchors(c),
                new InetSocketAddress(auth.address(), 53),
                List.of("10.77.0.0/16", "127.0.0.0/8"));
        i.procs.add(c.procs().start(res, "unbound", unbound.command(), Map.of()));
        Path queries = c.run().resolve("queries.txt");
        Files.writeString(queries, String.join("\n", QUERIES) + "\n", StandardCharsets.US_ASCII);
        i.procs.add(c.procs()
                .startJava(
                        res,
                        "observer",
                        "128m",
                        List.of(),
                        ObserverMain.class.getName(),
                        List.of(
                                "--resolver",
                                res.address() + ":53",
                                "--auth",
                                auth.address() + ":53",
                                "--zone",
                                Cluster.ZONE,
                                "--queries",
                                queries.toString(),
                                "--out",
                                c.report().toString()),
                        Map.of()));
        c.poll(
                "the first version at the authoritative server",
                Duration.ofSeconds(60),
                () -> c.captures().stream().findFirst());
        c.poll(
                "a validated (AD) answer through Unbound",
                Duration.ofSeconds(60),
                () -> c.prober().stream()
                        .filter(e -> e.kind() == ProberEvent.Kind.AD)
                        .findFirst());
        return i;
    }

    /** The KSKs (flag 257) of the zone node-a published: the trust anchor, as a resolver operator configures it. */
    private static List<String> trustAnchors(Cluster c) throws Exception {
        Path current = c.run().resolve("node-a/published/example.test.zone");
        List<String> anchors = new ArrayList<>();
        for (Record r : SignedZoneFile.read(current, Name.fromString(Cluster.ZONE))) {
            if (r instanceof DNSKEYRecord k && (k.getFlags() & 1) == 1) {
                anchors.add(r.toString());
            }
        }
        if (anchors.isEmpty()) {
            throw new ChaosException(
                    "no KSK (DNSKEY flags 257) in " + current + ": cannot configure Unbound's trust anchor");
        }
        return anchors;
    }

    @Override
    public void close() {
        // the processes belong to Procs, which stops them with everything else
    }
}
