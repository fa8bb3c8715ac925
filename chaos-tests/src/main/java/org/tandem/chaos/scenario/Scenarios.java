package org.tandem.chaos.scenario;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every scenario of the harness, in the order a full run takes them. */
public final class Scenarios {
    private Scenarios() {}

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
                new HsmScenarios.TokenLoss(),
                new ClockJump(),
                new HsmScenarios.ApnicDifferentZsk(),
                new HsmScenarios.DenicPerHsmKeys(),
                new ZoneScenarios.RestenaUnsignableType(),
                new HsmScenarios.MozillaZsk())) {
            m.put(s.name(), s);
        }
        return m;
    }
}
