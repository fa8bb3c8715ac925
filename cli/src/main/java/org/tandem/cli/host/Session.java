package org.tandem.cli.host;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.tandem.cli.SignerctlException;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.HsmConfig;
import org.tandem.keysync.hsm.HsmConfigException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.keysync.manifest.ZooKeeperManifestStore;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.signer.sign.ProvenKeys;
import org.tandem.signer.sign.SigningKey;

/**
 * Everything an offline key command works with: the configured HSMs (opened and logged in), the
 * manifest store in ZooKeeper and the audit log. Opens in that order and closes everything it
 * opened, also on failure. One command's, on its thread; close it.
 */
public final class Session implements AutoCloseable {
    static final Duration ZOOKEEPER_TIMEOUT = Duration.ofSeconds(10);

    private final HsmConfig config;
    private final List<Pkcs11Hsm> hsms = new ArrayList<>();
    private ZooKeeperManifestStore store;
    private AuditLog audit;
    private KeySync keySync;

    private Session(HsmConfig config) {
        this.config = config;
    }

    /**
     * Opens the HSMs of {@code --hsm-config}, connects to the manifest store and opens the audit log.
     *
     * @param command "keys sync", for the audit log's actor and the messages
     * @throws SignerctlException USAGE when {@code --hsm-config} was not given
     */
    public static Session open(HostOptions options, String command) throws KeySyncException {
        if (options.hsmConfig == null) {
            throw SignerctlException.usage(command + ": give --hsm-config FILE (this host's HSMs)");
        }
        HsmConfig config = HsmConfig.load(options.hsmConfig);
        Session s = new Session(config);
        try {
            for (HsmSpec spec : config.hsms()) {
                s.hsms.add(Pkcs11Hsm.open(spec));
            }
            String zk = options.zookeeper != null
                    ? options.zookeeper
                    : config.zookeeper()
                            .orElseThrow(() -> new HsmConfigException(
                                    config.source(),
                                    "zookeeper",
                                    "missing: key manifests live in ZooKeeper; set 'zookeeper: host:port' or "
                                            + "pass --zookeeper"));
            s.store = ZooKeeperManifestStore.connect(
                    zookeeperSettings(options, config, zk), config.zookeeperRoot(), ZOOKEEPER_TIMEOUT);
            Clock clock = Clock.systemUTC();
            s.audit = AuditLog.open(options.auditLog != null ? options.auditLog : config.auditLog(), clock);
            s.keySync = new KeySync(
                    s.hsms, s.store, s.audit, clock, actor(command), new KeySetVerifier(clock, new SecureRandom()));
            return s;
        } catch (KeySyncException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * TLS with the operator's certificate from the options or the HSM configuration's {@code
     * zookeeper-tls}; insecure plaintext only when asked for explicitly.
     *
     * @throws HsmConfigException naming the missing setting when there is neither
     */
    static ZooKeeperClientSettings zookeeperSettings(HostOptions options, HsmConfig config, String connect)
            throws HsmConfigException {
        boolean anyOption =
                options.zookeeperCa != null || options.zookeeperCert != null || options.zookeeperKey != null;
        if (anyOption && options.zookeeperInsecurePlaintext) {
            throw new HsmConfigException(
                    config.source(),
                    "zookeeper-tls",
                    "--zookeeper-insecure-plaintext together"
                            + " with --zookeeper-ca/--zookeeper-cert/--zookeeper-key; give one");
        }
        if (anyOption) {
            if (options.zookeeperCa == null || options.zookeeperCert == null || options.zookeeperKey == null) {
                throw new HsmConfigException(
                        config.source(),
                        "zookeeper-tls",
                        "give all three of --zookeeper-ca," + " --zookeeper-cert and --zookeeper-key");
            }
            return ZooKeeperClientSettings.tls(
                    connect, new TlsMaterial(options.zookeeperCert, options.zookeeperKey, options.zookeeperCa));
        }
        if (options.zookeeperInsecurePlaintext) {
            return ZooKeeperClientSettings.insecurePlaintext(connect);
        }
        if (config.zookeeperTls().isPresent()) {
            HsmConfig.ZooKeeperTls t = config.zookeeperTls().get();
            return ZooKeeperClientSettings.tls(connect, new TlsMaterial(t.cert(), t.key(), t.ca()));
        }
        if (config.zookeeperInsecurePlaintext()) {
            return ZooKeeperClientSettings.insecurePlaintext(connect);
        }
        throw new HsmConfigException(
                config.source(),
                "zookeeper-tls",
                "missing: ZooKeeper needs TLS with your certificate of the cluster CA (OU=operator): set "
                        + "'zookeeper-tls: {ca, cert, key}' or pass --zookeeper-ca, --zookeeper-cert and "
                        + "--zookeeper-key. Only for a lab whose ZooKeeper nobody else can reach: "
                        + "'zookeeper-insecure-plaintext: true' or --zookeeper-insecure-plaintext");
    }

    /** The HSM configuration read. */
    public HsmConfig config() {
        return config;
    }

    /** The configured HSMs, open and logged in, in configuration order. */
    public List<Pkcs11Hsm> hsms() {
        return hsms;
    }

    /** keysync over these HSMs, the manifest store and the audit log. */
    public KeySync keySync() {
        return keySync;
    }

    /**
     * The HSM named {@code name} in the configuration, or the first when {@code name} is null.
     *
     * @throws HsmConfigException when no HSM has that name
     */
    public HsmId hsmId(String name) throws HsmConfigException {
        return name == null ? config.hsms().get(0).name() : config.hsm(name).name();
    }

    /**
     * The zone's signing keys on HSM {@code on}, each proven first to be the manifest's key (as the
     * signer does before every run).
     */
    public List<SigningKey> provenKeys(ZoneName zone, HsmId on) throws KeySyncException {
        Pkcs11Hsm hsm = hsms.stream().filter(h -> h.id().equals(on)).findFirst().orElseThrow();
        return ProvenKeys.on(store, new KeySetVerifier(Clock.systemUTC(), new SecureRandom()), zone, hsm);
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
