package org.tandem.coordinator.preflight;

import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.config.NodeEndpoint;
import org.tandem.coordinator.metrics.CoordinatorMetrics;
import org.tandem.coordinator.view.ClusterView;
import org.tandem.coordinator.view.LedgerEntry;
import org.tandem.coordinator.view.ManifestKey;
import org.tandem.coordinator.view.NodeKeys;
import org.tandem.proto.coordinator.v1.FailoverResult;
import org.tandem.proto.coordinator.v1.PreflightCheck;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.Refusal;
import org.tandem.proto.coordinator.v1.StepDownResult;
import org.tandem.proto.keysync.v1.KeyRole;
import org.tandem.proto.signer.v1.NodeStatus;
import org.tandem.proto.signer.v1.Role;
import org.tandem.proto.signer.v1.SelfTestRequest;
import org.tandem.proto.signer.v1.SelfTestResponse;
import org.tandem.proto.signer.v1.StepDownRequest;
import org.tandem.proto.signer.v1.StepDownResponse;
import org.tandem.proto.signer.v1.ZoneSelfTest;
import org.tandem.proto.signer.v1.ZoneStatus;

/**
 * Gathers the preflight evidence from ZooKeeper and the nodes, judges it with {@link Preflight},
 * and performs a cut-over only when every check passed: the leader (and every other node but the
 * target) steps down with a hold-off, the target wins the election in a new epoch, and the cut-over
 * is done when the ledger shows the target's first commit in that epoch (commits happen only after
 * the node's validation gate passed). There is no way to skip a check. Thread-safe; one cut-over at
 * a time (synchronized).
 */
public final class Cutover {
    private static final Logger LOG = LoggerFactory.getLogger(Cutover.class);
    /** Deadline of the standby's SelfTest (canary and proofs on every HSM). */
    static final Duration SELF_TEST_DEADLINE = Duration.ofSeconds(120);

    static final Duration STEP_DOWN_DEADLINE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(200);

    private final ClusterView view;
    private final Preflight preflight;
    private final Clock clock;
    private final CoordinatorMetrics metrics;
    private final ClusterView.Nonces nonces;

    public Cutover(ClusterView view, Preflight preflight, Clock clock, ClusterView.Nonces nonces) {
        this(view, preflight, clock, nonces, new CoordinatorMetrics("coordinator", List.of()));
    }

    /** A cut-over that records its preflights and outcomes in {@code metrics}. */
    public Cutover(
            ClusterView view, Preflight preflight, Clock clock, ClusterView.Nonces nonces, CoordinatorMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.view = Objects.requireNonNull(view, "view");
        this.preflight = Objects.requireNonNull(preflight, "preflight");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nonces = Objects.requireNonNull(nonces, "nonces");
    }

    /** The checks of a cut-over to {@code to}, doing nothing. */
    public PreflightResult preflight(String to) {
        PreflightResult result = judge(to);
        metrics.preflight(result, clock.instant());
        return result;
    }

    private PreflightResult judge(String to) {
        Objects.requireNonNull(to, "to");
        byte[] nonce = nonces.next();
        Instant now = clock.instant();
        PreflightResult.Builder r = PreflightResult.newBuilder()
                .setTo(to)
                .setNonceHex(HexFormat.of().formatHex(nonce))
                .setCheckedAtMillis(now.toEpochMilli());
        List<PreflightCheck> checks = new ArrayList<>();
        List<Refusal> refusals = new ArrayList<>();
        Optional<NodeEndpoint> target =
                view.nodes().nodes().stream().filter(n -> n.name().equals(to)).findFirst();
        if (target.isEmpty()) {
            refusals.add(refusal(
                    "",
                    "target",
                    to,
                    "node '" + to + "' is not in coordinator.yaml (nodes: "
                            + view.nodes().nodes().stream()
                                    .map(NodeEndpoint::name)
                                    .toList() + ")",
                    "name a configured standby"));
            checks.add(check("target", "", false, "unknown node " + to));
            return r.addAllChecks(checks)
                    .addAllRefusals(refusals)
                    .setPassed(false)
                    .build();
        }
        long zkEpoch;
        try {
            zkEpoch = view.records().epoch();
        } catch (CoordinatorException e) {
            refusals.add(refusal("", "target", to, e.getMessage(), "restore the coordinator's ZooKeeper connection"));
            checks.add(check("target", "", false, e.getMessage()));
            return r.addAllChecks(checks)
                    .addAllRefusals(refusals)
                    .setPassed(false)
                    .build();
        }
        Map<String, ClusterView.Answer<NodeStatus>> statuses = new LinkedHashMap<>();
        for (NodeEndpoint n : view.nodes().nodes()) {
            statuses.put(n.name(), view.status(n.name()));
        }
        String leader = leader(statuses, zkEpoch).orElse("");
        r.setFrom(leader);
        ClusterView.Answer<NodeStatus> standby = statuses.get(to);
        if (standby.value().isEmpty()) {
            refusals.add(refusal(
                    "",
                    "target",
                    to,
                    "target " + to + " is unreachable: " + standby.error(),
                    "make " + to + " reachable from the coordinator and retry"));
            checks.add(check("target", "", false, standby.error()));
            return r.addAllChecks(checks)
                    .addAllRefusals(refusals)
                    .setPassed(false)
                    .build();
        }
        NodeStatus s = standby.value().get();
        if (s.getRole() != Role.STANDBY) {
            String why = s.getRole() == Role.LEADER
                    ? to + " already leads (epoch " + s.getEpoch() + ")"
                    : to + " is " + s.getRole()
                            + (s.getReasonsCount() == 0 ? "" : ": " + String.join("; ", s.getReasonsList()));
            refusals.add(refusal(
                    "",
                    "target",
                    to,
                    "target " + why,
                    s.getRole() == Role.LEADER
                            ? "nothing to do"
                            : "fix what the node reports (signerctl status) and retry"));
            checks.add(check("target", "", false, why));
        } else {
            checks.add(check(
                    "target",
                    "",
                    true,
                    to + " is a standby in epoch " + s.getEpoch()
                            + (leader.isEmpty() ? "; no node leads now" : "; " + leader + " leads")));
        }
        Optional<NodeStatus> leaderStatus =
                leader.isEmpty() ? Optional.empty() : statuses.get(leader).value();
        Map<String, ZoneSelfTest> selfTests = new LinkedHashMap<>();
        String selfTestError = "";
        try {
            SelfTestResponse st =
                    view.nodes().signerNode(to, SELF_TEST_DEADLINE).selfTest(SelfTestRequest.getDefaultInstance());
            st.getZonesList().forEach(z -> selfTests.put(z.getZone(), z));
        } catch (StatusRuntimeException e) {
            selfTestError = "SelfTest on " + to + " failed: " + ClusterView.describe(e);
        }
        for (ZoneStatus z : s.getZonesList()) {
            String zone = z.getZone();
            try {
                List<ManifestKey> manifest = view.manifestKeys(zone);
                NodeKeys standbyKeys = view.inventory(to, zone, manifest, nonce);
                Optional<NodeKeys> leaderKeys = leader.isEmpty()
                        ? Optional.empty()
                        : Optional.of(view.inventory(leader, zone, manifest, nonce));
                List<LedgerEntry> history = view.records().history(zone);
                ZoneSelfTest st = selfTests.get(zone);
                Optional<Boolean> canary = st == null ? Optional.empty() : Optional.of(st.getCanaryPassed());
                String canaryDetail = st == null
                        ? (selfTestError.isEmpty() ? "the self-test did not report zone " + zone : selfTestError)
                        : st.getCanaryDetail();
                Optional<Instant> expiry = leaderStatus.flatMap(ls -> ls.getZonesList().stream()
                        .filter(lz -> lz.getZone().equals(zone) && lz.getEarliestRrsigExpiryEpochSeconds() > 0)
                        .findFirst()
                        .map(lz -> Instant.ofEpochSecond(lz.getEarliestRrsigExpiryEpochSeconds())));
                ZoneEvidence e = new ZoneEvidence(
                        zone,
                        manifest,
                        leaderKeys,
                        standbyKeys,
                        history,
                        z.hasSerial() ? OptionalLong.of(Integer.toUnsignedLong(z.getSerial())) : OptionalLong.empty(),
                        canary,
                        canaryDetail,
                        expiry);
                Preflight.ZoneVerdict v = preflight.judge(e, to, s.getEpoch(), zkEpoch, now);
                checks.addAll(v.checks());
                refusals.addAll(v.refusals());
            } catch (CoordinatorException | RuntimeException ex) {
                refusals.add(refusal(
                        zone,
                        "keys-identical",
                        to,
                        "zone " + zone + ": the evidence could not be gathered: " + ex.getMessage(),
                        "fix the cause and retry"));
                checks.add(check("keys-identical", zone, false, ex.getMessage()));
            }
        }
        if (s.getZonesCount() == 0) {
            refusals.add(refusal("", "target", to, to + " signs no zone", "check its node.yaml"));
        }
        return r.addAllChecks(checks)
                .addAllRefusals(refusals)
                .setPassed(refusals.isEmpty())
                .build();
    }

    /**
     * Runs the preflight and, when it passed, the cut-over.
     *
     * @param reason for the nodes' logs
     * @param timeout how long to wait for the new leader's first commit
     */
    public synchronized FailoverResult failover(String to, String reason, Duration timeout, String caller)
            throws InterruptedException {
        return perform(preflight(to), reason, timeout, caller);
    }

    /**
     * Performs the cut-over that {@code pre} (a preflight just run) allows; refuses when it did not
     * pass.
     */
    public synchronized FailoverResult perform(PreflightResult pre, String reason, Duration timeout, String caller)
            throws InterruptedException {
        metrics.failoverRequested();
        FailoverResult result = cutOver(pre, reason, timeout, caller);
        metrics.failoverEnded(result);
        return result;
    }

    private FailoverResult cutOver(PreflightResult pre, String reason, Duration timeout, String caller)
            throws InterruptedException {
        String to = pre.getTo();
        FailoverResult.Builder out = FailoverResult.newBuilder().setPreflight(pre);
        if (!pre.getPassed()) {
            return out.setPerformed(false)
                    .setOutcome(
                            "refused by the preflight: " + pre.getRefusalsCount() + " problem(s); nothing was changed")
                    .build();
        }
        long oldEpoch;
        List<String> zones;
        try {
            oldEpoch = view.records().epoch();
            zones = pre.getChecksList().stream()
                    .map(PreflightCheck::getZone)
                    .filter(z -> !z.isEmpty())
                    .distinct()
                    .toList();
        } catch (CoordinatorException e) {
            return out.setPerformed(false)
                    .setOutcome("ZooKeeper unreachable before the step-down: " + e.getMessage())
                    .build();
        }
        Instant start = clock.instant();
        int holdOff = (int) Math.max(30, timeout.toSeconds() + 10);
        List<String> order = new ArrayList<>();
        if (!pre.getFrom().isEmpty()) {
            order.add(pre.getFrom());
        }
        view.nodes().nodes().stream()
                .map(NodeEndpoint::name)
                .filter(n -> !n.equals(to) && !order.contains(n))
                .forEach(order::add);
        String why = "cut-over to " + to + " ordered by " + caller + ": " + reason;
        why = why.length() > 200 ? why.substring(0, 200) : why;
        for (String n : order) {
            try {
                StepDownResponse sd = view.nodes()
                        .signerNode(n, STEP_DOWN_DEADLINE)
                        .stepDown(StepDownRequest.newBuilder()
                                .setReason(why)
                                .setHoldOffSeconds(holdOff)
                                .build());
                LOG.info(
                        "cutover to={} step-down node={} was_leader={} epoch={}",
                        to,
                        n,
                        sd.getWasLeader(),
                        sd.getEpoch());
            } catch (StatusRuntimeException e) {
                if (n.equals(pre.getFrom())) {
                    return out.setPerformed(false)
                            .setOutcome("the leader " + n + " refused to step down: " + ClusterView.describe(e)
                                    + "; nothing was changed")
                            .build();
                }
                LOG.warn("cutover to={} step-down of non-target node={} failed: {}", to, n, ClusterView.describe(e));
            }
        }
        out.setPerformed(true);
        Instant deadline = start.plus(timeout);
        while (clock.instant().isBefore(deadline)) {
            for (String zone : zones) {
                Optional<LedgerEntry> last;
                try {
                    last = view.records().last(zone);
                } catch (CoordinatorException e) {
                    last = Optional.empty();
                }
                if (last.isPresent()
                        && last.get().node().equals(to)
                        && last.get().epoch() > oldEpoch) {
                    long took = clock.millis() - start.toEpochMilli();
                    return out.setNewLeader(to)
                            .setNewEpoch(last.get().epoch())
                            .setFirstSerial((int) last.get().serial())
                            .setTookMillis(took)
                            .setOutcome(to + " leads in epoch " + last.get().epoch()
                                    + " and committed serial " + last.get().serial() + " of " + zone + " after " + took
                                    + " ms")
                            .build();
                }
            }
            TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
        }
        long epochNow = -1;
        try {
            epochNow = view.records().epoch();
        } catch (CoordinatorException e) {
            // reported below as unknown
        }
        return out.setTookMillis(clock.millis() - start.toEpochMilli())
                .setOutcome("the leader stepped down but " + to
                        + " committed no publication within " + timeout.toSeconds() + " s (epoch now "
                        + (epochNow < 0 ? "unknown" : epochNow) + "); check signerctl status")
                .build();
    }

    /**
     * What a step-down of {@code node} would be: the node (empty: the current leader), whether it
     * leads, and when it does the preflight towards every other configured node (a step-down of the
     * leader is a cut-over to whoever wins next).
     *
     * @param preflights one per other node, in configuration order; empty when the node does not lead
     */
    public record StepDownCheck(String node, boolean leads, List<PreflightResult> preflights) {
        public StepDownCheck {
            Objects.requireNonNull(node, "node");
            preflights = List.copyOf(preflights);
        }

        /** A non-leader may always step down; the leader only when some standby passes the preflight. */
        public boolean allowed() {
            return !leads || preflights.stream().anyMatch(PreflightResult::getPassed);
        }

        /** The first preflight that passed. */
        public Optional<PreflightResult> passed() {
            return preflights.stream().filter(PreflightResult::getPassed).findFirst();
        }
    }

    /**
     * Checks a step-down of {@code node} (empty: the current leader), doing nothing: when the node
     * leads, runs the preflight towards every other configured node.
     *
     * @throws CoordinatorException when no node leads and none was named, or the node cannot be asked
     * @throws IllegalArgumentException when the node is not configured
     */
    public StepDownCheck checkStepDown(String node) throws CoordinatorException {
        Map<String, ClusterView.Answer<NodeStatus>> statuses = new LinkedHashMap<>();
        for (NodeEndpoint n : view.nodes().nodes()) {
            statuses.put(n.name(), view.status(n.name()));
        }
        String target = node;
        if (target.isEmpty()) {
            long zkEpoch = view.records().epoch();
            target = leader(statuses, zkEpoch).orElseThrow(() -> new CoordinatorException("no node leads now"));
        }
        String name = target;
        if (!statuses.containsKey(name)) {
            throw new IllegalArgumentException("node '" + name + "' is not in coordinator.yaml");
        }
        ClusterView.Answer<NodeStatus> s = statuses.get(name);
        if (s.value().isEmpty()) {
            throw new CoordinatorException("cannot tell whether " + name + " leads: " + s.error());
        }
        if (s.value().get().getRole() != Role.LEADER) {
            return new StepDownCheck(name, false, List.of());
        }
        List<PreflightResult> preflights = new ArrayList<>();
        for (NodeEndpoint n : view.nodes().nodes()) {
            if (!n.name().equals(name)) {
                preflights.add(preflight(n.name()));
            }
        }
        return new StepDownCheck(name, true, preflights);
    }

    /** Orders {@code node} to step down (the caller has checked it with {@link #checkStepDown}). */
    public synchronized StepDownResult stepDown(String node, String reason, String caller) throws CoordinatorException {
        if (view.nodes().nodes().stream().noneMatch(n -> n.name().equals(node))) {
            throw new IllegalArgumentException("node '" + node + "' is not in coordinator.yaml");
        }
        String why = ("ordered by " + caller + ": " + reason);
        try {
            StepDownResponse sd = view.nodes()
                    .signerNode(node, STEP_DOWN_DEADLINE)
                    .stepDown(StepDownRequest.newBuilder()
                            .setReason(why.length() > 200 ? why.substring(0, 200) : why)
                            .build());
            return StepDownResult.newBuilder()
                    .setNode(node)
                    .setWasLeader(sd.getWasLeader())
                    .setEpoch(sd.getEpoch())
                    .build();
        } catch (StatusRuntimeException e) {
            throw new CoordinatorException("StepDown on " + node + " failed: " + ClusterView.describe(e), e);
        }
    }

    private static Optional<String> leader(Map<String, ClusterView.Answer<NodeStatus>> statuses, long zkEpoch) {
        Optional<String> any = Optional.empty();
        for (var e : statuses.entrySet()) {
            Optional<NodeStatus> s = e.getValue().value();
            if (s.isPresent() && s.get().getRole() == Role.LEADER) {
                if (s.get().getEpoch() == zkEpoch) {
                    return Optional.of(e.getKey());
                }
                any = Optional.of(e.getKey());
            }
        }
        return any;
    }

    private static PreflightCheck check(String name, String zone, boolean passed, String detail) {
        return PreflightCheck.newBuilder()
                .setName(name)
                .setZone(zone)
                .setPassed(passed)
                .setDetail(detail)
                .build();
    }

    private static Refusal refusal(String zone, String check, String node, String problem, String fix) {
        return Refusal.newBuilder()
                .setZone(zone)
                .setCheck(check)
                .setRole(KeyRole.KEY_ROLE_UNSPECIFIED)
                .setNode(node)
                .setProblem(problem)
                .setFix(fix)
                .build();
    }
}
