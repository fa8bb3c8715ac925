package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.lifecycle.ManifestParent;
import org.tandem.signer.publish.SecondaryConfigs;
import org.tandem.signer.publish.SecondaryProcess;
import org.xbill.DNS.CDSRecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real validating resolver through real-time rollovers of a running cluster: two signer-node JVMs on their
 * own SoftHSM2 tokens and a real ZooKeeper roll a ZSK (pre-publication) and a KSK (double-KSK, double DS,
 * CDS/CDNSKEY, {@code parent.check: resolver}) with TTLs and intervals of seconds. NSD, a secondary of the
 * nodes' transfer endpoints, serves the zone; the parent {@code test.} is signed by {@code ldns-signzone} and
 * served by another NSD, whose DS RRset the test changes when the child's CDS asks for it. Unbound, with the
 * parent's DNSKEY as its only trust anchor, is asked every 250 ms for the zone's SOA, DNSKEY, a name with data
 * and the DS: once the chain of trust is up, every answer must be NOERROR with AD, Unbound's log must have no
 * validation failure, and Unbound must have answered with the key sets from before, during and after each
 * rollover. Unbound retries a bogus answer, fetching DS and DNSKEY again, so with TTLs of seconds this does not
 * prove each interval long enough (the planner's simulation checks that against what caches may hold).
 */
class UnboundThroughRolloversIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final String KEY = "tandem-xfr";
    private static final Name WWW = Name.fromConstantString("www.example.test.");

    /** Every TTL 2 s: a resolver's cache turns over in seconds. */
    private static final String ZONE = """
            $ORIGIN example.test.
            $TTL 2
            @        SOA   ns1 hostmaster 2026120100 7200 3600 1209600 2
            @        NS    ns1
            ns1      A     192.0.2.53
            www      A     192.0.2.80
            """;

    /**
     * Ipub = 1 + 2 + 1 s, Iret = 0 + 1 + 2 + 1 s; the KSK's successor starts Ipub + 5 s + 2 s before the end of
     * its lifetime. The parent's 5 s leave the test's parent operator room to act on the CDS before the agent's
     * first look (a later look comes a minute later).
     */
    private static final String POLICY = """
            dnskey-ttl: 2
            keys:
              ksk: {algorithm: 13, lifetime: 30s}
              zsk: {algorithm: 13, lifetime: 20s}
            propagation-delay: 1s
            publish-safety: 1s
            retire-safety: 1s
            parent: {ds-ttl: 2s, propagation-delay: 5s, check: resolver, resolver: "%s"}
            """;

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void unboundAnswersEveryQueryWithAdThroughAZskAndAKskRolloverOfTheRunningCluster() throws Exception {
        UnboundResolver.requirePrerequisites();
        InetAddress parentAddress = SignedParentZone.requirePrerequisites();
        NodeCluster cluster = NodeCluster.twoNodes(dir, ZK.connectString());
        open.add(cluster);
        ZoneKeySet initial = cluster.tokens.keySync().manifest(NodeCluster.ZONE);
        DnssecKey ksk1 = key(initial, KeyRole.KSK);
        DnssecKey zsk1 = key(initial, KeyRole.ZSK);

        SignedParentZone parent = SignedParentZone.start(dir.resolve("parent"), parentAddress, 2);
        open.add(parent);
        String secret = SecondaryConfigs.secret();
        Path secretFile = SecondaryConfigs.secretFile(dir, secret);
        int secondaryPort = NodeCluster.freePort();
        Map<String, Integer> transferPorts = new LinkedHashMap<>();
        transferPorts.put("node-a", NodeCluster.freePort());
        transferPorts.put("node-b", NodeCluster.freePort());
        List<String> sections = new ArrayList<>(List.of(
                "key:",
                "  name: \"" + KEY + "\"",
                "  algorithm: hmac-sha256",
                "  secret: \"" + secret + "\"",
                "zone:",
                "  name: \"example.test\"",
                "  zonefile: \"example.test.zone\"",
                "  allow-notify: 127.0.0.1 " + KEY));
        transferPorts.values().forEach(p -> sections.add("  request-xfr: 127.0.0.1@" + p + " " + KEY));
        SecondaryProcess secondary =
                SecondaryProcess.nsd(Files.createDirectories(dir.resolve("secondary")), secondaryPort, sections);
        open.add(secondary);
        Map<Name, String> stubs = new LinkedHashMap<>();
        stubs.put(SignedParentZone.APEX, parentAddress.getHostAddress() + "@53");
        stubs.put(SignedParentZone.CHILD, "127.0.0.1@" + secondaryPort);
        UnboundResolver unbound =
                UnboundResolver.start(dir.resolve("unbound"), NodeCluster.freePort(), parent.trustAnchor(), stubs);
        open.add(unbound);

        Files.writeString(dir.resolve("zones/example.test.zone"), ZONE);
        Files.writeString(dir.resolve("policy.yaml"), POLICY.formatted(unbound.address()));
        String tsig = "{name: " + KEY + ", algorithm: hmac-sha256, secret-file: " + secretFile + "}";
        NodeProcess a = null;
        for (Map.Entry<String, Integer> node : transferPorts.entrySet()) {
            NodeProcess p = cluster.start(
                    node.getKey(),
                    "zones/example.test.zone",
                    cluster.peersOf(node.getKey()),
                    new NodeCluster.NodeOptions(
                            "    policy: policy.yaml\n",
                            "  transfer: {listen: \"127.0.0.1:" + node.getValue() + "\", allow: [127.0.0.0/8], "
                                    + "notify: [\"127.0.0.1:" + secondaryPort + "\"], tsig: " + tsig + "}\n",
                            List.of()));
            if (a == null) {
                a = p;
                cluster.awaitLog(a, "node=node-a event=leader ");
            }
        }
        ParentOperator operator = new ParentOperator(secondaryPort, parent);
        open.add(operator);
        Observer observer = new Observer(unbound);
        open.add(observer);

        // the chain of trust: the first KSK's CDS, the parent's DS for it, confirmed by the agent through the
        // resolver; from the first round Unbound answers entirely with AD, every answer must have it
        TestTiming.until(Duration.ofSeconds(90), "the parent's DS for the first KSK, confirmed by the agent", () -> {
            try {
                return ManifestParent.of(cluster.tokens.keySync().manifest(NodeCluster.ZONE))
                        .ds()
                        .equals(Set.of(ksk1.fingerprint()));
            } catch (Exception e) {
                return false;
            }
        });
        Instant[] secure = new Instant[1];
        TestTiming.until(Duration.ofSeconds(20), "Unbound answers every query of a round with AD", () -> {
            secure[0] = observer.firstSecureRound().orElse(null);
            return secure[0] != null;
        });

        // both rollovers run to their end: the old keys REMOVED, the parent's DS names the new KSK only, and
        // Unbound has answered with a DNSKEY RRset that has neither old key
        Predicate<Answer> after = x -> x.good()
                && x.type() == Type.DNSKEY
                && !x.ksks().contains(ksk1.keyTag().value())
                && !x.zsks().contains(zsk1.keyTag().value());
        try {
            TestTiming.until(
                    Duration.ofSeconds(100),
                    "both first keys REMOVED or DELETED and Unbound answers without them",
                    () -> {
                        boolean done;
                        try {
                            // REMOVED, or already DELETED (destroyed on the HSMs once no cache can hold it)
                            done = outOfTheZone(cluster.state(ksk1))
                                    && outOfTheZone(cluster.state(zsk1))
                                    && !tags(parent.ds()).contains(ksk1.keyTag().value())
                                    && observer.answers(secure[0]).stream().anyMatch(after);
                        } catch (Exception e) {
                            done = false;
                        }
                        observer.firstBad(secure[0]).ifPresent(bad -> {
                            throw new AssertionError(report(bad, observer, unbound, parent, cluster));
                        });
                        return done;
                    });
        } catch (AssertionError e) {
            if (e.getMessage().startsWith("not within")) {
                throw new AssertionError(e.getMessage() + "; parent operator: " + operator.failures()
                        + "; parent DS changes " + parent.changes() + "; rounds " + observer.rounds()
                        + cluster.logs());
            }
            throw e;
        }
        operator.close();
        observer.close();
        List<Answer> seen = observer.answers(secure[0]);
        // a validation failure of any query (the agent's own included) is in Unbound's log; one it healed by
        // retrying is in neither
        String failures = unbound.validationFailures(secure[0].plusSeconds(1), Instant.now());
        System.out.println(summary(seen) + "Unbound's validation failures and SERVFAILs in that time:\n" + failures);
        Optional<Answer> bad = observer.firstBad(secure[0]);
        assertThat(bad.map(x -> report(x, observer, unbound, parent, cluster))).isEmpty();
        assertThat(failures)
                .as("Unbound logged no validation failure once the chain of trust was up")
                .isEmpty();

        ZoneKeySet end = cluster.tokens.keySync().manifest(NodeCluster.ZONE);
        DnssecKey ksk2 = successor(end, ksk1);
        DnssecKey zsk2 = successor(end, zsk1);
        int k1 = ksk1.keyTag().value();
        int k2 = ksk2.keyTag().value();
        int z1 = zsk1.keyTag().value();
        int z2 = zsk2.keyTag().value();
        assertThat(Set.of(k2, z2)).doesNotContain(k1, z1);
        assertThat(active(end, KeyRole.KSK)).as("the KSK at the end").doesNotContain(k1);
        assertThat(active(end, KeyRole.ZSK)).as("the ZSK at the end").doesNotContain(z1);
        assertThat(ManifestParent.of(end).ds()).containsExactly(ksk2.fingerprint());
        assertThat(a.log())
                .as("the DS confirmed by asking the parent's name server")
                .contains("served by every name server of the parent (check: resolver " + unbound.address());

        // the parent changed its DS as the CDS asked: none, the first KSK, both, the new one
        List<Set<Integer>> parentDs =
                parent.changes().stream().map(c -> tags(c.ds())).distinct().toList();
        assertThat(parentDs).containsSubsequence(Set.of(), Set.of(k1), Set.of(k1, k2), Set.of(k2));

        // what Unbound answered, every answer validated: before, during and after each rollover
        assertThat(seen).as("answers with AD").hasSizeGreaterThan(100).allMatch(Answer::good);
        assertThat(seen)
                .as("ZSK rollover: before, during (both DNSKEYs), after")
                .anyMatch(x -> x.type() == Type.DNSKEY && x.zsks().equals(Set.of(z1)))
                .anyMatch(x -> x.type() == Type.DNSKEY && x.zsks().containsAll(Set.of(z1, z2)))
                .anyMatch(x -> x.type() == Type.DNSKEY
                        && x.zsks().contains(z2)
                        && !x.zsks().contains(z1));
        assertThat(seen)
                .as("www signed by the old ZSK, then by the new one")
                .anyMatch(x -> x.type() == Type.A && x.signers().equals(Set.of(z1)))
                .anyMatch(x -> x.type() == Type.A && x.signers().equals(Set.of(z2)));
        assertThat(seen)
                .as("KSK rollover: before, during (both DNSKEYs), after")
                .anyMatch(x -> x.type() == Type.DNSKEY && x.ksks().equals(Set.of(k1)))
                .anyMatch(x -> x.type() == Type.DNSKEY && x.ksks().equals(Set.of(k1, k2)))
                // after: the old KSK gone (the next KSK's successor may already be pre-published beside k2)
                .anyMatch(x -> x.type() == Type.DNSKEY
                        && x.ksks().contains(k2)
                        && !x.ksks().contains(k1));
        assertThat(seen)
                .as("the DNSKEY RRset signed by both KSKs during the rollover")
                .anyMatch(x -> x.type() == Type.DNSKEY && x.signers().containsAll(Set.of(k1, k2)));
        assertThat(seen.stream()
                        .filter(x -> x.type() == Type.DS)
                        .map(Answer::ds)
                        .distinct()
                        .toList())
                .as("the parent's DS through Unbound")
                .containsSubsequence(Set.of(k1), Set.of(k1, k2), Set.of(k2));
        assertThat(seen.stream().map(Answer::serial).distinct().count())
                .as("serials Unbound answered with")
                .isGreaterThanOrEqualTo(6);
    }

    private static DnssecKey key(ZoneKeySet m, KeyRole role) {
        return m.entries().stream()
                .filter(e -> e.key().role() == role)
                .findFirst()
                .orElseThrow()
                .key();
    }

    /** The first key of {@code old}'s role after it: the one that entered PUBLISHED first. */
    private static DnssecKey successor(ZoneKeySet m, DnssecKey old) {
        return m.entries().stream()
                .filter(e -> e.key().role() == old.role() && !e.key().equals(old))
                .filter(e -> e.entered(KeyState.PUBLISHED).isPresent())
                .min(Comparator.comparing(e -> e.entered(KeyState.PUBLISHED).orElseThrow()))
                .orElseThrow(() -> new AssertionError("no successor of " + old.keyTag() + " in " + m))
                .key();
    }

    private static Set<Integer> active(ZoneKeySet m, KeyRole role) {
        return m.entries().stream()
                .filter(e -> e.key().role() == role && e.state() == KeyState.ACTIVE)
                .map(e -> e.key().keyTag().value())
                .collect(Collectors.toSet());
    }

    /** Each change of the DNSKEY or DS RRset Unbound answered with, for the test's output. */
    private static String summary(List<Answer> seen) {
        StringBuilder b = new StringBuilder("Unbound answered ")
                .append(seen.size())
                .append(" queries from ")
                .append(seen.get(0).at())
                .append(" to ")
                .append(seen.get(seen.size() - 1).at())
                .append(", NOERROR with AD: ")
                .append(seen.stream().filter(Answer::good).count())
                .append('\n');
        Map<Integer, String> last = new LinkedHashMap<>();
        for (Answer x : seen) {
            String now = x.type() == Type.DNSKEY
                    ? "DNSKEY KSK " + x.ksks() + " ZSK " + x.zsks() + " signed by " + x.signers()
                    : x.type() == Type.DS ? "DS " + x.ds() : null;
            if (now != null && !now.equals(last.put(x.type(), now))) {
                b.append("  ")
                        .append(x.at())
                        .append(" serial ")
                        .append(x.serial())
                        .append(": ")
                        .append(now)
                        .append('\n');
            }
        }
        return b.toString();
    }

    /** The key tags of DS rdata texts. */
    private static Set<Integer> tags(Set<String> ds) {
        return ds.stream()
                .map(d -> Integer.parseInt(d.trim().split("\\s+")[0]))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The first bad answer, the answers before it, Unbound's log around it, the parent's and the cluster's. */
    private static String report(
            Answer bad, Observer observer, UnboundResolver unbound, SignedParentZone parent, NodeCluster cluster) {
        StringBuilder b =
                new StringBuilder("first bad answer from Unbound: ").append(bad).append("\nthe answers before it:\n");
        List<Answer> all = observer.answers(Instant.MIN);
        int i = all.indexOf(bad);
        all.subList(Math.max(0, i - 12), i)
                .forEach(x -> b.append("  ").append(x).append('\n'));
        b.append("Unbound's log around it:\n")
                .append(unbound.logBetween(bad.at().minusSeconds(4), bad.at().plusSeconds(2)))
                .append("parent DS changes: ")
                .append(parent.changes())
                .append("\npublished versions:\n");
        try {
            for (PublishRecord r : cluster.ledger.history(NodeCluster.ZONE)) {
                if (r.committedAt().isAfter(bad.at().minusSeconds(12))) {
                    b.append("  ")
                            .append(r.serial())
                            .append(" at ")
                            .append(r.committedAt())
                            .append(" by ")
                            .append(r.node())
                            .append(" DNSKEY ")
                            .append(r.dnskeyFingerprints().stream()
                                    .map(f -> f.substring(0, 8))
                                    .toList())
                            .append('\n');
                }
            }
            b.append(cluster.logs());
        } catch (Exception e) {
            b.append("(ledger or logs unreadable: ").append(e.getMessage()).append(")\n");
        }
        return b.toString();
    }

    /**
     * One answer of Unbound.
     *
     * @param serial the SOA serial Unbound answered in the same round
     * @param ksks the tags of the DNSKEYs with the SEP flag in the answer
     * @param zsks the tags of the other DNSKEYs
     * @param signers the tags of the answer's RRSIGs
     * @param ds the tags of the DS records in the answer
     * @param error no answer at all (a timeout), else null
     */
    record Answer(
            Instant at,
            Name qname,
            int type,
            int rcode,
            boolean ad,
            String flags,
            long serial,
            Set<Integer> ksks,
            Set<Integer> zsks,
            Set<Integer> signers,
            Set<Integer> ds,
            String error) {
        /** NOERROR with AD. */
        boolean good() {
            return error == null && rcode == Rcode.NOERROR && ad;
        }

        @Override
        public String toString() {
            return at + " " + qname + " " + Type.string(type) + ": "
                    + (error != null
                            ? "no answer (" + error + ")"
                            : Rcode.string(rcode) + " flags [" + flags + "] serial " + serial + " KSK " + ksks + " ZSK "
                                    + zsks + " RRSIG " + signers + " DS " + ds);
        }
    }

    /** Asks Unbound every 250 ms for the zone's SOA, DNSKEY, www's A and the DS, and keeps every answer. */
    static final class Observer implements AutoCloseable {
        private final UnboundResolver unbound;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final List<List<Answer>> rounds = new ArrayList<>();

        Observer(UnboundResolver unbound) {
            this.unbound = unbound;
            timer.scheduleWithFixedDelay(this::round, 0, 250, TimeUnit.MILLISECONDS);
        }

        private void round() {
            List<Answer> round = new ArrayList<>();
            Answer soa = ask(SignedParentZone.CHILD, Type.SOA, -1);
            round.add(soa);
            round.add(ask(SignedParentZone.CHILD, Type.DNSKEY, soa.serial()));
            round.add(ask(WWW, Type.A, soa.serial()));
            round.add(ask(SignedParentZone.CHILD, Type.DS, soa.serial()));
            synchronized (rounds) {
                rounds.add(round);
            }
        }

        private Answer ask(Name name, int type, long serial) {
            Instant at = Instant.now();
            try {
                Message m = unbound.ask(name, type);
                Set<Integer> ksks = new TreeSet<>();
                Set<Integer> zsks = new TreeSet<>();
                Set<Integer> signers = new TreeSet<>();
                Set<Integer> ds = new TreeSet<>();
                long s = serial;
                for (Record r : m.getSection(Section.ANSWER)) {
                    if (r instanceof DNSKEYRecord k) {
                        ((k.getFlags() & DNSKEYRecord.Flags.SEP_KEY) != 0 ? ksks : zsks).add(k.getFootprint());
                    } else if (r instanceof RRSIGRecord sig) {
                        signers.add(sig.getFootprint());
                    } else if (r instanceof DSRecord d) {
                        ds.add(d.getFootprint());
                    } else if (r instanceof SOARecord soa) {
                        s = soa.getSerial();
                    }
                }
                return new Answer(
                        at,
                        name,
                        type,
                        m.getRcode(),
                        m.getHeader().getFlag(Flags.AD),
                        m.getHeader().printFlags().trim(),
                        s,
                        ksks,
                        zsks,
                        signers,
                        ds,
                        null);
            } catch (IOException e) {
                return new Answer(
                        at, name, type, -1, false, "", serial, Set.of(), Set.of(), Set.of(), Set.of(), e.toString());
            }
        }

        /** When the first round whose every answer was NOERROR with AD began. */
        Optional<Instant> firstSecureRound() {
            synchronized (rounds) {
                return rounds.stream()
                        .filter(r -> r.stream().allMatch(Answer::good))
                        .map(r -> r.get(0).at())
                        .findFirst();
            }
        }

        /** Every answer from {@code from} on, in order. */
        List<Answer> answers(Instant from) {
            synchronized (rounds) {
                return rounds.stream()
                        .flatMap(List::stream)
                        .filter(x -> !x.at().isBefore(from))
                        .toList();
            }
        }

        Optional<Answer> firstBad(Instant from) {
            return answers(from).stream().filter(x -> !x.good()).findFirst();
        }

        int rounds() {
            synchronized (rounds) {
                return rounds.size();
            }
        }

        @Override
        public void close() throws InterruptedException {
            timer.shutdown();
            timer.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The parent's operator: reads the child's CDS from its name server every 250 ms and, when it asks for a DS
     * RRset the parent does not serve, has the parent serve it (RFC 7344 §4.1, RFC 8078). A withdrawn CDS
     * leaves the DS as it is.
     */
    static final class ParentOperator implements AutoCloseable {
        private final int childPort;
        private final SignedParentZone parent;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final List<String> failures = new ArrayList<>();

        ParentOperator(int childPort, SignedParentZone parent) {
            this.childPort = childPort;
            this.parent = parent;
            timer.scheduleWithFixedDelay(this::look, 0, 250, TimeUnit.MILLISECONDS);
        }

        private void look() {
            try {
                SimpleResolver r =
                        new SimpleResolver(new InetSocketAddress(InetAddress.getLoopbackAddress(), childPort));
                r.setTimeout(Duration.ofSeconds(2));
                Message q = Message.newQuery(Record.newRecord(SignedParentZone.CHILD, Type.CDS, DClass.IN));
                q.getHeader().unsetFlag(Flags.RD);
                Message m = r.send(q);
                Set<String> cds = m.getSection(Section.ANSWER).stream()
                        .filter(x -> x instanceof CDSRecord)
                        .map(Record::rdataToString)
                        .collect(Collectors.toCollection(TreeSet::new));
                if (!cds.isEmpty() && !cds.equals(parent.ds())) {
                    parent.setDs(cds);
                }
            } catch (Exception e) {
                synchronized (failures) {
                    failures.add(Instant.now() + " " + e.getMessage());
                }
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        List<String> failures() {
            synchronized (failures) {
                return List.copyOf(failures);
            }
        }

        @Override
        public void close() throws InterruptedException {
            timer.shutdown();
            timer.awaitTermination(15, TimeUnit.SECONDS);
        }
    }

    private static boolean outOfTheZone(KeyState state) {
        return state == KeyState.REMOVED || state == KeyState.DELETED;
    }
}
