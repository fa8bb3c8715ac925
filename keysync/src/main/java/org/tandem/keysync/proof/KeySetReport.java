package org.tandem.keysync.proof;

import java.util.List;
import java.util.Objects;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.ZoneName;

/**
 * The verdict on one zone's key set across HSMs. {@link #keySynced()} is the one fact the cluster
 * acts on: every manifest key present and proven on every HSM, nothing else there.
 */
public record KeySetReport(ZoneName zone, long manifestVersion, List<HsmId> hsms, List<KeyCheck> checks) {
    public KeySetReport {
        Objects.requireNonNull(zone, "zone");
        hsms = List.copyOf(hsms);
        checks = List.copyOf(checks);
    }

    public boolean keySynced() {
        return checks.stream().allMatch(KeyCheck::ok);
    }

    public List<KeyCheck> problems() {
        return checks.stream().filter(c -> !c.ok()).toList();
    }

    public List<KeyCheck> on(HsmId hsm) {
        return checks.stream().filter(c -> c.hsm().equals(hsm)).toList();
    }

    /** True when every manifest key on that HSM is OK and no extra key is there. */
    public boolean keySynced(HsmId hsm) {
        return on(hsm).stream().allMatch(KeyCheck::ok);
    }
}
