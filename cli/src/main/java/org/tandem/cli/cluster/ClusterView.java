package org.tandem.cli.cluster;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tandem.cli.Table;
import org.tandem.proto.coordinator.v1.ClusterKey;
import org.tandem.proto.coordinator.v1.ClusterKeys;
import org.tandem.proto.coordinator.v1.ClusterStatus;
import org.tandem.proto.coordinator.v1.FailoverResult;
import org.tandem.proto.coordinator.v1.KeyPresence;
import org.tandem.proto.coordinator.v1.NodeView;
import org.tandem.proto.coordinator.v1.NodeZoneView;
import org.tandem.proto.coordinator.v1.PreflightCheck;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.Refusal;
import org.tandem.proto.coordinator.v1.StepDownResult;
import org.tandem.proto.coordinator.v1.ZoneKeys;
import org.tandem.proto.coordinator.v1.ZoneView;
import org.tandem.proto.keysync.v1.KeyRole;

/**
 * Renders the coordinator's answers: tables for people, JSON documents (snake_case, stable) for
 * machines. Times are UTC ISO-8601; a zero time is "-" (JSON: null).
 */
final class ClusterView {
    private ClusterView() {}

    // ---- status

    static void printStatus(PrintWriter out, ClusterStatus s) {
        out.printf(
                "cluster epoch %d, leader %s (view taken %s)%n",
                s.getEpoch(), s.getLeader().isEmpty() ? "NONE" : s.getLeader(), millis(s.getTakenAtMillis()));
        out.println();
        Table nodes = new Table("NODE", "SITE", "ENDPOINT", "ROLE", "EPOCH", "LEASE", "REASONS");
        for (NodeView n : s.getNodesList()) {
            nodes.row(
                    n.getName(),
                    n.getSite(),
                    n.getEndpoint(),
                    role(n),
                    n.getEpoch() == 0 ? "-" : n.getEpoch(),
                    n.getLeaseRemainingMillis() > 0
                            ? String.format(Locale.ROOT, "%.1fs", n.getLeaseRemainingMillis() / 1000.0)
                            : "-",
                    String.join("; ", n.getReasonsList()));
        }
        nodes.print(out);
        out.println();
        Table zones = new Table("ZONE", "NODE", "SERIAL", "EARLIEST EXPIRY", "KEY SYNC", "GATE", "CANARY");
        List<String> detail = new ArrayList<>();
        for (NodeView n : s.getNodesList()) {
            for (NodeZoneView z : n.getZonesList()) {
                zones.row(
                        z.getZone(),
                        n.getName(),
                        z.getHasSerial() ? Integer.toUnsignedString(z.getSerial()) : "-",
                        seconds(z.getEarliestExpirySeconds()),
                        orDash(z.getKeySync()),
                        orDash(z.getGate()),
                        orDash(z.getCanary()));
                z.getKeySyncReasonsList().forEach(r -> detail.add(n.getName() + " " + z.getZone() + " key sync: " + r));
                if (!z.getGateFailure().isEmpty()) {
                    detail.add(n.getName() + " " + z.getZone() + " gate: " + z.getGateFailure());
                }
                if (!z.getCanaryFailure().isEmpty()) {
                    detail.add(n.getName() + " " + z.getZone() + " canary: " + z.getCanaryFailure());
                }
            }
        }
        if (!zones.isEmpty()) {
            zones.print(out);
            out.println();
        }
        Table ledger = new Table("ZONE", "COMMITTED SERIAL", "EPOCH", "BY", "AT");
        for (ZoneView z : s.getZonesList()) {
            if (z.getPublished()) {
                ledger.row(
                        z.getZone(),
                        Integer.toUnsignedString(z.getCommittedSerial()),
                        z.getCommittedEpoch(),
                        z.getCommittedBy(),
                        millis(z.getCommittedAtMillis()));
            } else {
                ledger.row(z.getZone(), "never published", "-", "-", "-");
            }
        }
        if (!ledger.isEmpty()) {
            out.println("publish ledger (ZooKeeper):");
            ledger.print(out);
        }
        if (!detail.isEmpty()) {
            out.println();
            detail.forEach(d -> out.println("  - " + d));
        }
        if (!s.getProblemsList().isEmpty()) {
            out.println();
            out.println("problems:");
            s.getProblemsList().forEach(p -> out.println("  - " + p));
        }
        out.flush();
    }

    static Map<String, Object> status(ClusterStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", s.getEpoch());
        m.put("leader", s.getLeader().isEmpty() ? null : s.getLeader());
        m.put("taken_at", millisOrNull(s.getTakenAtMillis()));
        List<Object> nodes = new ArrayList<>();
        for (NodeView n : s.getNodesList()) {
            Map<String, Object> nm = new LinkedHashMap<>();
            nm.put("name", n.getName());
            nm.put("site", n.getSite());
            nm.put("endpoint", n.getEndpoint());
            nm.put("role", role(n).toLowerCase(Locale.ROOT));
            nm.put("epoch", n.getEpoch());
            nm.put("lease_remaining_millis", n.getLeaseRemainingMillis());
            nm.put("reasons", n.getReasonsList());
            List<Object> zs = new ArrayList<>();
            for (NodeZoneView z : n.getZonesList()) {
                Map<String, Object> zm = new LinkedHashMap<>();
                zm.put("zone", z.getZone());
                zm.put("serial", z.getHasSerial() ? Integer.toUnsignedLong(z.getSerial()) : null);
                zm.put("earliest_expiry", secondsOrNull(z.getEarliestExpirySeconds()));
                zm.put("key_sync", z.getKeySync());
                zm.put("key_sync_reasons", z.getKeySyncReasonsList());
                zm.put("gate", z.getGate());
                zm.put("gate_failure", z.getGateFailure().isEmpty() ? null : z.getGateFailure());
                zm.put("canary", z.getCanary());
                zm.put("canary_failure", z.getCanaryFailure().isEmpty() ? null : z.getCanaryFailure());
                zs.add(zm);
            }
            nm.put("zones", zs);
            nodes.add(nm);
        }
        m.put("nodes", nodes);
        List<Object> zones = new ArrayList<>();
        for (ZoneView z : s.getZonesList()) {
            Map<String, Object> zm = new LinkedHashMap<>();
            zm.put("zone", z.getZone());
            zm.put("published", z.getPublished());
            zm.put("committed_serial", z.getPublished() ? Integer.toUnsignedLong(z.getCommittedSerial()) : null);
            zm.put("committed_epoch", z.getPublished() ? z.getCommittedEpoch() : null);
            zm.put("committed_by", z.getPublished() ? z.getCommittedBy() : null);
            zm.put("committed_at", z.getPublished() ? millisOrNull(z.getCommittedAtMillis()) : null);
            zones.add(zm);
        }
        m.put("zones", zones);
        m.put("problems", s.getProblemsList());
        return m;
    }

    // ---- keys --cluster

    /** @return true when every key is ok on every HSM and no HSM holds an extra key */
    static boolean allOk(ClusterKeys k) {
        for (ZoneKeys z : k.getZonesList()) {
            if (z.getExtraCount() > 0) {
                return false;
            }
            for (ClusterKey key : z.getKeysList()) {
                if (key.getPresenceCount() == 0
                        || key.getPresenceList().stream()
                                .anyMatch(p -> !p.getVerdict().equals("ok"))) {
                    return false;
                }
            }
        }
        return k.getProblemsCount() == 0;
    }

    static void printKeys(PrintWriter out, ClusterKeys k) {
        boolean first = true;
        for (ZoneKeys z : k.getZonesList()) {
            if (!first) {
                out.println();
            }
            first = false;
            out.printf(
                    "zone %s (DNSKEY TTL %s)%n",
                    z.getZone(), z.getDnskeyTtlSeconds() > 0 ? z.getDnskeyTtlSeconds() + " s" : "unknown");
            Set<String> hsms = new LinkedHashSet<>();
            List<ClusterKey> all = new ArrayList<>(z.getKeysList());
            all.addAll(z.getExtraList());
            all.forEach(key -> key.getPresenceList().forEach(p -> hsms.add(where(p))));
            List<String> header =
                    new ArrayList<>(List.of("ROLE", "TAG", "FINGERPRINT", "STATE", "NEXT EVENT", "PUBLISHED SINCE"));
            header.addAll(hsms);
            Table t = new Table(header.toArray(String[]::new));
            List<String> problems = new ArrayList<>();
            for (ClusterKey key : all) {
                List<Object> row = new ArrayList<>(List.of(
                        role(key.getRole()),
                        key.getKeyTag(),
                        shortHex(key.getFingerprint()),
                        key.getState(),
                        orDash(key.getNextEvent()),
                        seconds(key.getPublishedSinceSeconds())));
                for (String h : hsms) {
                    row.add(key.getPresenceList().stream()
                            .filter(p -> where(p).equals(h))
                            .findFirst()
                            .map(KeyPresence::getVerdict)
                            .orElse("-"));
                }
                t.row(row.toArray());
                for (KeyPresence p : key.getPresenceList()) {
                    if (!p.getVerdict().equals("ok")) {
                        problems.add(String.format(
                                "zone %s %s tag %d fingerprint %s on %s: %s%s",
                                z.getZone(),
                                role(key.getRole()),
                                key.getKeyTag(),
                                key.getFingerprint(),
                                where(p),
                                p.getVerdict(),
                                p.getDetail().isEmpty() ? "" : " (" + p.getDetail() + ")"));
                    }
                }
            }
            t.print(out);
            if (problems.isEmpty() && z.getExtraCount() == 0) {
                out.printf(
                        "zone %s: %d key(s), present and proven on all %d HSM(s)%n",
                        z.getZone(), z.getKeysCount(), hsms.size());
            } else {
                out.printf(
                        "zone %s: NOT key-synced: %d problem(s); fix with signerctl keys sync / keys delete on the "
                                + "node named%n",
                        z.getZone(), problems.size());
                problems.forEach(p -> out.println("  - " + p));
            }
        }
        if (!k.getProblemsList().isEmpty()) {
            out.println();
            out.println("problems:");
            k.getProblemsList().forEach(p -> out.println("  - " + p));
        }
        out.flush();
    }

    static Map<String, Object> keys(ClusterKeys k) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> zones = new ArrayList<>();
        for (ZoneKeys z : k.getZonesList()) {
            Map<String, Object> zm = new LinkedHashMap<>();
            zm.put("zone", z.getZone());
            zm.put("dnskey_ttl_seconds", z.getDnskeyTtlSeconds());
            zm.put("keys", z.getKeysList().stream().map(ClusterView::key).toList());
            zm.put("extra", z.getExtraList().stream().map(ClusterView::key).toList());
            zones.add(zm);
        }
        m.put("zones", zones);
        m.put("all_ok", allOk(k));
        m.put("problems", k.getProblemsList());
        return m;
    }

    private static Map<String, Object> key(ClusterKey key) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role(key.getRole()));
        m.put("key_tag", key.getKeyTag());
        m.put("algorithm", key.getAlgorithm());
        m.put("fingerprint", key.getFingerprint());
        m.put("state", key.getState());
        m.put("next_event", key.getNextEvent().isEmpty() ? null : key.getNextEvent());
        m.put("published_since", secondsOrNull(key.getPublishedSinceSeconds()));
        List<Object> presence = new ArrayList<>();
        for (KeyPresence p : key.getPresenceList()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("node", p.getNode());
            pm.put("hsm", p.getHsm());
            pm.put("verdict", p.getVerdict());
            pm.put("detail", p.getDetail().isEmpty() ? null : p.getDetail());
            presence.add(pm);
        }
        m.put("presence", presence);
        return m;
    }

    // ---- preflight, failover, step-down

    static void printPreflight(PrintWriter out, PreflightResult p) {
        out.printf(
                "preflight %s -> %s: %s (checked %s, proof nonce %s)%n",
                p.getFrom().isEmpty() ? "(no leader)" : p.getFrom(),
                p.getTo(),
                p.getPassed() ? "PASSED" : "REFUSED",
                millis(p.getCheckedAtMillis()),
                p.getNonceHex().isEmpty() ? "-" : p.getNonceHex());
        Table t = new Table("CHECK", "ZONE", "RESULT", "DETAIL");
        for (PreflightCheck c : p.getChecksList()) {
            t.row(c.getName(), orDash(c.getZone()), c.getPassed() ? "ok" : "FAILED", c.getDetail());
        }
        if (!t.isEmpty()) {
            out.println();
            t.print(out);
        }
        if (!p.getPassed()) {
            out.println();
            out.printf(
                    "the cut-over to %s is REFUSED: %d problem(s); nothing was changed%n",
                    p.getTo(), p.getRefusalsCount());
            for (Refusal r : p.getRefusalsList()) {
                out.println("  - " + describe(r));
                out.println("    problem: " + r.getProblem());
                out.println("    fix: " + (r.getFix().isEmpty() ? "-" : r.getFix()));
            }
        }
        out.flush();
    }

    /** One line: zone, check, role, tag, fingerprint, node and HSM, as far as the refusal has them. */
    static String describe(Refusal r) {
        StringBuilder b = new StringBuilder("zone ")
                .append(orDash(r.getZone()))
                .append(" check ")
                .append(r.getCheck());
        if (r.getRole() != KeyRole.KEY_ROLE_UNSPECIFIED && r.getRole() != KeyRole.UNRECOGNIZED) {
            b.append(' ').append(role(r.getRole()));
        }
        if (r.getKeyTag() != 0) {
            b.append(" tag ").append(r.getKeyTag());
        }
        if (!r.getFingerprint().isEmpty()) {
            b.append(" fingerprint ").append(r.getFingerprint());
        }
        if (!r.getNode().isEmpty()) {
            b.append(" node ").append(r.getNode());
        }
        if (!r.getHsm().isEmpty()) {
            b.append(" HSM ").append(r.getHsm());
        }
        return b.toString();
    }

    static Map<String, Object> preflight(PreflightResult p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", p.getFrom().isEmpty() ? null : p.getFrom());
        m.put("to", p.getTo());
        m.put("passed", p.getPassed());
        m.put("checked_at", millisOrNull(p.getCheckedAtMillis()));
        m.put("nonce_hex", p.getNonceHex());
        List<Object> checks = new ArrayList<>();
        for (PreflightCheck c : p.getChecksList()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("name", c.getName());
            cm.put("zone", c.getZone().isEmpty() ? null : c.getZone());
            cm.put("passed", c.getPassed());
            cm.put("detail", c.getDetail());
            checks.add(cm);
        }
        m.put("checks", checks);
        List<Object> refusals = new ArrayList<>();
        for (Refusal r : p.getRefusalsList()) {
            Map<String, Object> rm = new LinkedHashMap<>();
            rm.put("zone", r.getZone());
            rm.put("check", r.getCheck());
            rm.put("role", r.getRole() == KeyRole.KEY_ROLE_UNSPECIFIED ? null : role(r.getRole()));
            rm.put("key_tag", r.getKeyTag() == 0 ? null : r.getKeyTag());
            rm.put("fingerprint", r.getFingerprint().isEmpty() ? null : r.getFingerprint());
            rm.put("node", r.getNode().isEmpty() ? null : r.getNode());
            rm.put("hsm", r.getHsm().isEmpty() ? null : r.getHsm());
            rm.put("problem", r.getProblem());
            rm.put("fix", r.getFix());
            refusals.add(rm);
        }
        m.put("refusals", refusals);
        return m;
    }

    static void printFailover(PrintWriter out, FailoverResult f) {
        if (!f.getPerformed()) {
            printPreflight(out, f.getPreflight());
            out.println();
            out.println("failover NOT performed: " + orDash(f.getOutcome()));
        } else if (!f.getNewLeader().isEmpty()) {
            out.printf(
                    "failover done: %s leads in epoch %d and committed serial %s, %.1f s after the step-down order%n",
                    f.getNewLeader(),
                    f.getNewEpoch(),
                    Integer.toUnsignedString(f.getFirstSerial()),
                    f.getTookMillis() / 1000.0);
            if (!f.getOutcome().isEmpty()) {
                out.println(f.getOutcome());
            }
            out.println("verify: signerctl status; then check the published zone (dig, ldns-verify-zone)");
        } else {
            out.println("failover INCOMPLETE: the leader stepped down, but no first validated publication of "
                    + f.getPreflight().getTo() + " was seen: " + orDash(f.getOutcome()));
            out.println("run signerctl status to see who leads now");
        }
        out.flush();
    }

    static Map<String, Object> failover(FailoverResult f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("performed", f.getPerformed());
        m.put("new_leader", f.getNewLeader().isEmpty() ? null : f.getNewLeader());
        m.put("new_epoch", f.getNewEpoch() == 0 ? null : f.getNewEpoch());
        m.put("first_serial", f.getNewLeader().isEmpty() ? null : Integer.toUnsignedLong(f.getFirstSerial()));
        m.put("took_millis", f.getTookMillis());
        m.put("outcome", f.getOutcome().isEmpty() ? null : f.getOutcome());
        m.put("preflight", preflight(f.getPreflight()));
        return m;
    }

    static void printStepDown(PrintWriter out, StepDownResult r) {
        if (r.getWasLeader()) {
            out.printf(
                    "%s stepped down from epoch %d; the standby takes over after its own preflight "
                            + "(signerctl status)%n",
                    r.getNode(), r.getEpoch());
        } else {
            out.printf("%s was not the leader; it stays out of the election for its hold-off time%n", r.getNode());
        }
        out.flush();
    }

    static Map<String, Object> stepDown(StepDownResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", r.getNode());
        m.put("was_leader", r.getWasLeader());
        m.put("epoch", r.getWasLeader() ? r.getEpoch() : null);
        return m;
    }

    // ---- helpers

    private static String role(NodeView n) {
        return switch (n.getRole()) {
            case LEADER -> "LEADER";
            case STANDBY -> "STANDBY";
            case NOT_ELIGIBLE -> "NOT_ELIGIBLE";
            case STOPPED -> "STOPPED";
            case UNREACHABLE -> "UNREACHABLE";
            default -> "UNKNOWN";
        };
    }

    static String role(KeyRole r) {
        return switch (r) {
            case KEY_ROLE_UNSPECIFIED, UNRECOGNIZED -> "-";
            default -> r.name();
        };
    }

    private static String where(KeyPresence p) {
        return p.getNode() + "/" + p.getHsm();
    }

    /** The first 16 hex digits of a fingerprint, for tables. */
    static String shortHex(String fp) {
        return fp.length() > 16 ? fp.substring(0, 16) : fp;
    }

    /** "-" for an absent (empty) field. */
    static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    static String millis(long ms) {
        return ms <= 0 ? "-" : Instant.ofEpochMilli(ms).toString();
    }

    static String seconds(long s) {
        return s <= 0 ? "-" : Instant.ofEpochSecond(s).toString();
    }

    private static String millisOrNull(long ms) {
        return ms <= 0 ? null : Instant.ofEpochMilli(ms).toString();
    }

    private static String secondsOrNull(long s) {
        return s <= 0 ? null : Instant.ofEpochSecond(s).toString();
    }
}
