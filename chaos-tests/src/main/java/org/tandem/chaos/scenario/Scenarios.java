package org.tandem.chaos.scenario;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Every scenario of the harness, in the order a full run takes them. */
public final class Scenarios {
    private Scenarios() {}

    /** Scenarios too slow for the short suite of the test command: only in a full {@code bin/chaos} run. */
    public static final Set<String> FULL_RUN_ONLY = Set.of(
            "tiebreaker-loss",
            "slow-network",
            "publish-disk-full",
            "hsm-error-while-signing",
            "signature-expiry-stall",
            "hsm-token-reinsert");

    /** The short suite ({@code ChaosSuiteIT}): every scenario but {@link #FULL_RUN_ONLY}, in order. */
    public static List<String> shortSuite() {
        return all().keySet().stream().filter(n -> !FULL_RUN_ONLY.contains(n)).toList();
    }

    public static Map<String, Scenario> all() {
        Map<String, Scenario> m = new LinkedHashMap<>();
        for (Scenario s : List.of(
                new NetworkScenarios.SwitchFailure(),
                new NetworkScenarios.Partition(),
                new NetworkScenarios.LeaderKill(),
                new NetworkScenarios.LeaderPause(),
                new NetworkScenarios.VoterLoss(),
                new NetworkScenarios.QuorumLoss(),
                new NetworkScenarios.FlappingLink(),
                new SiteScenarios.StandbySwitchFailure(),
                new SiteScenarios.TiebreakerLoss(),
                new SiteScenarios.LeaderZooKeeperPartition(),
                new SiteScenarios.SlowNetwork(),
                new HsmScenarios.TokenLoss(),
                new HsmScenarios.ErrorWhileSigning(),
                new ClockJump(),
                new HsmScenarios.ApnicDifferentZsk(),
                new HsmScenarios.DenicPerHsmKeys(),
                new ZoneScenarios.RestenaUnsignableType(),
                new PublishScenarios.PublishDiskFull(),
                new HsmScenarios.MozillaZsk(),
                new PublishScenarios.SignatureExpiryStall(),
                new HsmScenarios.TokenReinsert())) {
            m.put(s.name(), s);
        }
        return m;
    }
}
