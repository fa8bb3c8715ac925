package org.tandem.keysync.testing;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.keysync.manifest.ZooKeeperManifestStore;
import org.tandem.keysync.proof.KeySetVerifier;

/**
 * One SoftHSM2 token per node from the {@link SoftHsmTokens} pool, made key-synced for a zone the
 * way an operator does it: the cluster KEK made in the first token and enrolled into the others, a
 * KSK and a ZSK (ECDSA P-256) generated once on the first token, replicated by {@code keys sync} and
 * proven on every token; the manifest in ZooKeeper under {@code root}. For the cluster and
 * coordinator integration tests, whose nodes then open the same tokens in their own processes.
 *
 * <p>{@link #close()} closes the HSM sessions and the manifest store of the test process.
 */
public final class KeySyncedTokens implements AutoCloseable {
    private final Map<String, HsmSpec> specs = new LinkedHashMap<>();
    private final Map<String, Pkcs11Hsm> hsms = new LinkedHashMap<>();
    private final List<AutoCloseable> open = new ArrayList<>();
    private KeySync keySync;

    private KeySyncedTokens() {}

    /**
     * @param nodes the node names; each gets a token and an HSM of the same name, the first holds the KEK
     * @param auditLog the keysync audit log of the set-up
     */
    public static KeySyncedTokens create(
            List<String> nodes, ZoneName zone, String zookeeper, String root, Path auditLog) throws KeySyncException {
        return create(nodes, zone, ZooKeeperClientSettings.insecurePlaintext(zookeeper), root, auditLog);
    }

    /**
     * As {@link #create(List, ZoneName, String, String, Path)}, reaching ZooKeeper with {@code zookeeper}
     * (e.g. TLS with an operator's certificate, for a locked-down server).
     */
    public static KeySyncedTokens create(
            List<String> nodes, ZoneName zone, ZooKeeperClientSettings zookeeper, String root, Path auditLog)
            throws KeySyncException {
        KeySyncedTokens t = new KeySyncedTokens();
        try {
            SoftHsmTokens pool = SoftHsmTokens.shared();
            for (String n : nodes) {
                HsmSpec spec = pool.allocate(n);
                t.specs.put(n, spec);
                Pkcs11Hsm h = Pkcs11Hsm.open(spec);
                t.open.add(h);
                t.hsms.put(n, h);
            }
            ZooKeeperManifestStore store = ZooKeeperManifestStore.connect(zookeeper, root, Duration.ofSeconds(10));
            t.open.add(store);
            Clock clock = Clock.systemUTC();
            t.keySync = new KeySync(
                    new ArrayList<>(t.hsms.values()),
                    store,
                    AuditLog.open(auditLog, clock),
                    clock,
                    "test@" + root,
                    new KeySetVerifier(clock, new SecureRandom()));
            HsmId first = new HsmId(nodes.get(0));
            t.keySync.kekInit(first);
            for (String n : nodes.subList(1, nodes.size())) {
                t.keySync.kekEnrol(first, new HsmId(n));
            }
            t.keySync.generate(zone, KeyRole.KSK, Algorithm.ECDSAP256SHA256, first);
            t.keySync.generate(zone, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, first);
            if (!t.keySync.sync(zone, Optional.empty(), false).after().keySynced()) {
                throw new IllegalStateException(
                        "tokens " + nodes + " are not key-synced for " + zone + " after keys sync");
            }
            return t;
        } catch (KeySyncException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** The node's token as an HSM configuration entry (library, label, PIN file). */
    public HsmSpec spec(String node) {
        return specs.get(node);
    }

    /** The node's token, open in the test process (to plant faults). */
    public Pkcs11Hsm hsm(String node) {
        return hsms.get(node);
    }

    /**
     * Promotes every GENERATED key of the zone to PUBLISHED in the manifest, as a signer cluster's
     * leader does once every node proves them (the keys {@link #create} makes are GENERATED: a signer
     * node neither publishes nor signs with them until then). For tests that sign without a leader's
     * replication agent, or that start with a cluster whose keys are published already.
     */
    public void promoteAll(ZoneName zone) throws KeySyncException {
        for (var e : keySync.manifest(zone).pendingReplication()) {
            keySync.promote(zone, e.key().fingerprint(), "test set-up: proven on every token of " + specs.keySet());
        }
    }

    /** Keysync over every token, for further key operations in a test. */
    public KeySync keySync() {
        return keySync;
    }

    @Override
    public void close() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                // closing test resources: nothing to do but go on with the others
            }
        }
    }
}
