package org.tandem.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.hsm.HsmConfig;
import org.tandem.keysync.hsm.HsmConfigException;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.manifest.ZooKeeperManifestStore;
import org.tandem.keysync.proof.KeySetVerifier;

/**
 * Everything an offline key command works with: the configured HSMs (opened and logged in), the
 * manifest store in ZooKeeper and the audit log. Opens in that order and closes everything it
 * opened, also on failure.
 */
final class Session implements AutoCloseable {
    static final Duration ZOOKEEPER_TIMEOUT = Duration.ofSeconds(10);

    final HsmConfig config;
    final List<Pkcs11Hsm> hsms = new ArrayList<>();
    ZooKeeperManifestStore store;
    AuditLog audit;
    KeySync keySync;

    private Session(HsmConfig config) {
        this.config = config;
    }

    static Session open(KeyOptions options, String command) throws KeySyncException {
        HsmConfig config = HsmConfig.load(options.hsmConfig);
        Session s = new Session(config);
        try {
            for (HsmSpec spec : config.hsms()) {
                s.hsms.add(Pkcs11Hsm.open(spec));
            }
            String zk = options.zookeeper != null ? options.zookeeper : config.zookeeper().orElseThrow(() ->
                    new HsmConfigException(config.source(), "zookeeper",
                            "missing: key manifests live in ZooKeeper; set 'zookeeper: host:port' or pass --zookeeper"));
            s.store = ZooKeeperManifestStore.connect(zk, config.zookeeperRoot(), ZOOKEEPER_TIMEOUT);
            Clock clock = Clock.systemUTC();
            s.audit = AuditLog.open(options.auditLog != null ? options.auditLog : config.auditLog(), clock);
            s.keySync = new KeySync(s.hsms, s.store, s.audit, clock, actor(command), new KeySetVerifier(clock, new SecureRandom()));
            return s;
        } catch (KeySyncException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    static String actor(String command) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return System.getProperty("user.name", "unknown") + "@" + host + " signerctl " + command;
    }

    @Override
    public void close() {
        if (store != null) {
            store.close();
        }
        for (Pkcs11Hsm h : hsms) {
            h.close();
        }
    }
}
