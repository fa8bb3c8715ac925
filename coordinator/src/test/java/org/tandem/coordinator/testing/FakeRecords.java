package org.tandem.coordinator.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.view.ClusterRecords;
import org.tandem.coordinator.view.LedgerEntry;
import org.tandem.proto.keysync.v1.KeyManifest;
import org.tandem.proto.keysync.v1.ManifestKey;

/** ZooKeeper's records in memory: what the test puts there. */
public final class FakeRecords implements ClusterRecords {
    public volatile long epoch;
    public final Map<String, KeyManifest> manifests = new LinkedHashMap<>();
    public final Map<String, List<LedgerEntry>> history = new LinkedHashMap<>();

    /** Sets the zone's manifest. */
    public FakeRecords manifest(String zone, ManifestKey... keys) {
        manifests.put(
                zone,
                KeyManifest.newBuilder().setZone(zone).addAllKeys(List.of(keys)).build());
        return this;
    }

    @Override
    public long epoch() {
        return epoch;
    }

    @Override
    public List<String> zones() {
        return new ArrayList<>(manifests.keySet());
    }

    @Override
    public Optional<KeyManifest> manifest(String zone) throws CoordinatorException {
        return Optional.ofNullable(manifests.get(zone));
    }

    @Override
    public Optional<LedgerEntry> last(String zone) {
        List<LedgerEntry> h = history.getOrDefault(zone, List.of());
        return h.isEmpty() ? Optional.empty() : Optional.of(h.get(h.size() - 1));
    }

    @Override
    public List<LedgerEntry> history(String zone) {
        return history.getOrDefault(zone, List.of());
    }
}
