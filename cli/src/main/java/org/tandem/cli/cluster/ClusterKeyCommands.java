package org.tandem.cli.cluster;

import static org.tandem.cli.cluster.ClusterView.orDash;
import static org.tandem.cli.cluster.ClusterView.shortHex;

import com.google.protobuf.ByteString;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tandem.cli.ExitCode;
import org.tandem.cli.Output;
import org.tandem.cli.SignerctlException;
import org.tandem.cli.Table;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyProtos;
import org.tandem.proto.coordinator.v1.ClusterKekStatus;
import org.tandem.proto.coordinator.v1.ClusterKey;
import org.tandem.proto.coordinator.v1.ClusterKeys;
import org.tandem.proto.coordinator.v1.EnrolKekOrder;
import org.tandem.proto.coordinator.v1.GenerateKeyOrder;
import org.tandem.proto.coordinator.v1.GenerateKeyResult;
import org.tandem.proto.coordinator.v1.GetClusterKeysRequest;
import org.tandem.proto.coordinator.v1.GetKekStatusRequest;
import org.tandem.proto.coordinator.v1.InitKekOrder;
import org.tandem.proto.coordinator.v1.KekOrderResult;
import org.tandem.proto.coordinator.v1.KeyPresence;
import org.tandem.proto.coordinator.v1.KeyPresenceProblem;
import org.tandem.proto.coordinator.v1.NodeKek;
import org.tandem.proto.coordinator.v1.SyncKeysOrder;
import org.tandem.proto.coordinator.v1.SyncKeysResult;
import org.tandem.proto.coordinator.v1.ZoneKeys;
import org.tandem.proto.keysync.v1.KeyRole;

/**
 * The cluster forms of {@code kek} and {@code keys} ({@code --config FILE}): key ceremonies ordered
 * through the coordinator with the operator's certificate, for an operator host without an HSM. Each
 * method calls the coordinator, prints a table (or one JSON document) and returns the exit code.
 */
public final class ClusterKeyCommands {
    /** Deadline of a KEK ceremony or a key generation (an HSM generates inside). */
    static final Duration ORDER_DEADLINE = Duration.ofSeconds(120);
    /** Deadline of a key sync (every node proves every key twice, keys are copied between sites). */
    static final Duration SYNC_DEADLINE = Duration.ofSeconds(300);

    private static final SecureRandom RANDOM = new SecureRandom();

    private ClusterKeyCommands() {}

    // ---- kek

    public static int kekStatus(Path config, boolean json, PrintWriter out) {
        try (CoordinatorClient c = CoordinatorClient.open(config)) {
            ClusterKekStatus s = c.call(
                    "kek status",
                    CoordinatorClient.VIEW_DEADLINE,
                    stub -> stub.getKekStatus(GetKekStatusRequest.getDefaultInstance()));
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put(
                        "nodes",
                        s.getNodesList().stream()
                                .map(k -> {
                                    Map<String, Object> n = new LinkedHashMap<>();
                                    n.put("node", k.getNode());
                                    n.put("hsm", k.getHsm().isEmpty() ? null : k.getHsm());
                                    n.put("check_value", k.getCheckValue().isEmpty() ? null : k.getCheckValue());
                                    n.put("error", k.getError().isEmpty() ? null : k.getError());
                                    return n;
                                })
                                .toList());
                m.put("consistent", s.getConsistent());
                Output.json(out, m);
            } else {
                Table t = new Table("NODE", "HSM", "KEK CHECK VALUE", "ERROR");
                for (NodeKek k : s.getNodesList()) {
                    t.row(
                            k.getNode(),
                            orDash(k.getHsm()),
                            k.getCheckValue().isEmpty() ? "(none)" : k.getCheckValue(),
                            orDash(k.getError()));
                }
                t.print(out);
                out.println(
                        s.getConsistent()
                                ? "every HSM of every node holds the same cluster KEK"
                                : "the HSMs do NOT share one KEK: run 'signerctl kek init --config FILE --on NODE' "
                                        + "once, then 'signerctl kek enrol --config FILE --from NODE --to NODE' for "
                                        + "each other node");
                out.flush();
            }
            return (s.getConsistent() ? ExitCode.OK : ExitCode.NOT_SYNCED).code();
        }
    }

    public static int kekInit(Path config, String node, String hsm, boolean json, PrintWriter out) {
        ClusterCommands.requireName(node, "--on");
        try (CoordinatorClient c = CoordinatorClient.open(config)) {
            KekOrderResult r = c.call(
                    "kek init",
                    ORDER_DEADLINE,
                    stub -> stub.initKek(InitKekOrder.newBuilder()
                            .setNode(node)
                            .setHsm(hsm == null ? "" : hsm)
                            .build()));
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("node", r.getFrom());
                m.put("hsm", r.getFromHsm());
                m.put("check_value", r.getFromCheckValue());
                Output.json(out, m);
            } else {
                out.printf(
                        "cluster KEK generated inside %s/%s, check value %s%n",
                        r.getFrom(), r.getFromHsm(), r.getFromCheckValue());
                out.println("write the check value down; next, for each other node: signerctl kek enrol --config FILE "
                        + "--from " + r.getFrom() + " --to NODE");
                out.flush();
            }
            return ExitCode.OK.code();
        }
    }

    public static int kekEnrol(
            Path config, String from, String fromHsm, String to, String toHsm, boolean json, PrintWriter out) {
        ClusterCommands.requireName(from, "--from");
        ClusterCommands.requireName(to, "--to");
        try (CoordinatorClient c = CoordinatorClient.open(config)) {
            KekOrderResult r = c.call(
                    "kek enrol",
                    ORDER_DEADLINE,
                    stub -> stub.enrolKek(EnrolKekOrder.newBuilder()
                            .setFrom(from)
                            .setFromHsm(fromHsm == null ? "" : fromHsm)
                            .setTo(to)
                            .setToHsm(toHsm == null ? "" : toHsm)
                            .build()));
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("from", r.getFrom());
                m.put("from_hsm", r.getFromHsm());
                m.put("from_check_value", r.getFromCheckValue());
                m.put("to", r.getTo());
                m.put("to_hsm", r.getToHsm());
                m.put("to_check_value", r.getToCheckValue());
                m.put("match", r.getMatch());
                Output.json(out, m);
            } else {
                out.printf("check value on %s/%s (holder): %s%n", r.getFrom(), r.getFromHsm(), r.getFromCheckValue());
                out.printf("check value on %s/%s (enrolled): %s%n", r.getTo(), r.getToHsm(), r.getToCheckValue());
                out.println(
                        r.getMatch()
                                ? "match: yes; " + r.getTo() + "/" + r.getToHsm() + " holds the cluster KEK"
                                : "match: NO; the enrolment FAILED: check with signerctl kek status --config FILE");
                out.flush();
            }
            return (r.getMatch() ? ExitCode.OK : ExitCode.REFUSED).code();
        }
    }

    // ---- keys

    public static int keysGenerate(
            Path config,
            String zone,
            KeyRole role,
            int algorithm,
            String node,
            String hsm,
            boolean json,
            PrintWriter out) {
        ClusterCommands.requireName(node, "--on");
        try (CoordinatorClient c = CoordinatorClient.open(config)) {
            GenerateKeyResult r = c.call(
                    "keys generate",
                    ORDER_DEADLINE,
                    stub -> stub.generateKey(GenerateKeyOrder.newBuilder()
                            .setZone(zone)
                            .setRole(role)
                            .setAlgorithm(algorithm)
                            .setOn(node)
                            .setHsm(hsm == null ? "" : hsm)
                            .build()));
            DnssecKey key = KeyProtos.fromProto(r.getKey());
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("zone", key.zone().toString());
                m.put("node", r.getNode());
                m.put("hsm", r.getHsm());
                m.put("role", key.role().name());
                m.put("algorithm", key.algorithm().number());
                m.put("key_tag", key.keyTag().value());
                m.put("fingerprint", r.getFingerprint());
                m.put("dnskey", key.dnskey(3600).toString());
                m.put("state", "generated");
                Output.json(out, m);
            } else {
                out.printf(
                        "generated %s on %s/%s%n  fingerprint %s%n  %s%n",
                        key.describe(), r.getNode(), r.getHsm(), r.getFingerprint(), key.dnskey(3600));
                out.println("  state generated: published only after every node holds it, proven");
                out.printf(
                        "next: copy it to every node and prove it: signerctl keys sync --config %s --zone %s%n",
                        config, key.zone());
                out.flush();
            }
            return ExitCode.OK.code();
        }
    }

    /** {@code keys --cluster [--zone Z]}: every key of the cluster, presence and proof per node's HSM. */
    public static int clusterKeys(Path config, String zone, boolean json, PrintWriter out) {
        try (CoordinatorClient c = CoordinatorClient.open(config)) {
            ClusterKeys k = c.call(
                    "keys --cluster",
                    CoordinatorClient.VIEW_DEADLINE,
                    stub -> stub.getClusterKeys(GetClusterKeysRequest.newBuilder()
                            .setZone(zone == null ? "" : zone)
                            .build()));
            if (json) {
                Output.json(out, ClusterView.keys(k));
            } else {
                ClusterView.printKeys(out, k);
            }
            return (ClusterView.allOk(k) ? ExitCode.OK : ExitCode.NOT_SYNCED).code();
        }
    }

    public static int keysSync(Path config, String zone, boolean json, PrintWriter out) {
        try (CoordinatorClient c = CoordinatorClient.open(config)) {
            SyncKeysResult r = c.call(
                    "keys sync",
                    SYNC_DEADLINE,
                    stub -> stub.syncKeys(
                            SyncKeysOrder.newBuilder().setZone(zone).build()));
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("zone", r.getZone());
                m.put("actions", r.getActionsList());
                m.put(
                        "unresolved",
                        r.getUnresolvedList().stream()
                                .map(ClusterKeyCommands::problem)
                                .toList());
                m.put("key_synced", r.getKeySynced());
                m.put("after", verdicts(r.getAfter()));
                Output.json(out, m);
            } else {
                r.getActionsList().forEach(out::println);
                if (r.getActionsCount() == 0) {
                    out.println("nothing copied");
                }
                out.println();
                printVerdicts(out, r.getAfter(), false);
                out.println();
                if (r.getKeySynced()) {
                    out.printf(
                            "zone %s: key-synced: every live key present and proven on every HSM of every node%n",
                            r.getZone());
                } else {
                    out.printf(
                            "zone %s: NOT key-synced: %d problem(s) the sync did not repair%n",
                            r.getZone(), r.getUnresolvedCount());
                    for (KeyPresenceProblem p : r.getUnresolvedList()) {
                        out.printf(
                                "  - zone %s %s tag %d fingerprint %s on %s: %s%s%n",
                                r.getZone(),
                                ClusterView.role(p.getRole()),
                                p.getKeyTag(),
                                orDash(p.getFingerprint()),
                                where(p.getNode(), p.getHsm()),
                                p.getVerdict(),
                                p.getDetail().isEmpty() ? "" : " (" + p.getDetail() + ")");
                        out.println("    fix: " + orDash(p.getFix()));
                    }
                }
                out.flush();
            }
            return (r.getKeySynced() ? ExitCode.OK : ExitCode.NOT_SYNCED).code();
        }
    }

    public static int keysVerify(Path config, String zone, boolean json, PrintWriter out) {
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        try (CoordinatorClient c = CoordinatorClient.open(config)) {
            ClusterKeys k = c.call(
                    "keys verify",
                    CoordinatorClient.VIEW_DEADLINE,
                    stub -> stub.getClusterKeys(GetClusterKeysRequest.newBuilder()
                            .setZone(zone)
                            .setNonce(ByteString.copyFrom(nonce))
                            .build()));
            ZoneKeys z =
                    k.getZonesCount() == 0 ? ZoneKeys.newBuilder().setZone(zone).build() : k.getZones(0);
            if (z.getKeysCount() == 0) {
                throw new SignerctlException(
                        ExitCode.MANIFEST,
                        "keys verify: zone " + z.getZone() + " has no keys in its manifest (ZooKeeper): generate them "
                                + "first: signerctl keys generate --config FILE --zone " + z.getZone()
                                + " --role ksk --on NODE");
            }
            boolean ok = ClusterView.allOk(k);
            String nonceHex = HexFormat.of().formatHex(nonce);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("zone", z.getZone());
                m.put("nonce_hex", nonceHex);
                m.put("key_synced", ok);
                m.put("verdicts", verdicts(z));
                m.put("problems", k.getProblemsList());
                Output.json(out, m);
            } else {
                out.printf(
                        "zone %s: every key on every node's HSMs, proven over signerctl's nonce %s%n%n",
                        z.getZone(), nonceHex);
                printVerdicts(out, z, true);
                out.println();
                long bad = rows(z).stream()
                        .filter(r -> !r.presence().getVerdict().equals("ok"))
                        .count();
                if (ok) {
                    out.printf(
                            "zone %s: key-synced: %d key(s) present and proven on every HSM of every node%n",
                            z.getZone(),
                            z.getKeysList().stream()
                                    .filter(x -> x.getPresenceCount() > 0)
                                    .count());
                } else {
                    out.printf("zone %s: NOT key-synced: %d verdict(s) not ok; each names its fix%n", z.getZone(), bad);
                }
                if (!k.getProblemsList().isEmpty()) {
                    out.println("problems:");
                    k.getProblemsList().forEach(p -> out.println("  - " + p));
                }
                out.flush();
            }
            return (ok ? ExitCode.OK : ExitCode.NOT_SYNCED).code();
        }
    }

    // ---- the verdict table

    /** One verdict: a key (from the manifest, or an extra one) on one node's HSM. */
    private record Row(ClusterKey key, KeyPresence presence) {}

    private static List<Row> rows(ZoneKeys z) {
        List<Row> out = new ArrayList<>();
        for (ClusterKey k : z.getKeysList()) {
            k.getPresenceList().forEach(p -> out.add(new Row(k, p)));
        }
        for (ClusterKey k : z.getExtraList()) {
            k.getPresenceList().forEach(p -> out.add(new Row(k, p)));
        }
        return out;
    }

    private static void printVerdicts(PrintWriter out, ZoneKeys z, boolean listProblems) {
        Table t = new Table("ZONE", "ROLE", "TAG", "FINGERPRINT", "STATE", "NODE", "HSM", "VERDICT", "FIX");
        Set<String> details = new LinkedHashSet<>();
        for (Row r : rows(z)) {
            KeyPresence p = r.presence();
            t.row(
                    z.getZone(),
                    ClusterView.role(r.key().getRole()),
                    r.key().getKeyTag(),
                    orDash(shortHex(r.key().getFingerprint())),
                    r.key().getState(),
                    p.getNode(),
                    orDash(p.getHsm()),
                    p.getVerdict(),
                    orDash(p.getFix()));
            if (!p.getVerdict().equals("ok")) {
                details.add("zone " + z.getZone() + " "
                        + ClusterView.role(r.key().getRole()) + " tag "
                        + r.key().getKeyTag() + " fingerprint " + orDash(r.key().getFingerprint()) + " on "
                        + where(p.getNode(), p.getHsm()) + ": " + p.getVerdict()
                        + (p.getDetail().isEmpty() ? "" : " (" + p.getDetail() + ")"));
            }
        }
        t.print(out);
        if (listProblems && !details.isEmpty()) {
            out.println();
            details.forEach(d -> out.println("  - " + d));
        }
    }

    private static List<Map<String, Object>> verdicts(ZoneKeys z) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : rows(z)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("zone", z.getZone());
            m.put("role", ClusterView.role(r.key().getRole()));
            m.put("key_tag", r.key().getKeyTag());
            m.put(
                    "fingerprint",
                    r.key().getFingerprint().isEmpty() ? null : r.key().getFingerprint());
            m.put("state", r.key().getState());
            m.put("node", r.presence().getNode());
            m.put("hsm", r.presence().getHsm().isEmpty() ? null : r.presence().getHsm());
            m.put("verdict", r.presence().getVerdict());
            m.put(
                    "detail",
                    r.presence().getDetail().isEmpty() ? null : r.presence().getDetail());
            m.put("fix", r.presence().getFix().isEmpty() ? null : r.presence().getFix());
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> problem(KeyPresenceProblem p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", ClusterView.role(p.getRole()));
        m.put("key_tag", p.getKeyTag());
        m.put("fingerprint", p.getFingerprint().isEmpty() ? null : p.getFingerprint());
        m.put("node", p.getNode());
        m.put("hsm", p.getHsm().isEmpty() ? null : p.getHsm());
        m.put("verdict", p.getVerdict());
        m.put("detail", p.getDetail().isEmpty() ? null : p.getDetail());
        m.put("fix", p.getFix());
        return m;
    }

    private static String where(String node, String hsm) {
        return hsm.isEmpty() ? node : node + "/" + hsm;
    }
}
