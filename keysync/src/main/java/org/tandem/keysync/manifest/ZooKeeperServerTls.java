package org.tandem.keysync.manifest;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.zookeeper.server.NettyServerCnxnFactory;
import org.apache.zookeeper.server.auth.ProviderRegistry;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.grpc.TlsMaterialException;

/**
 * The {@code zoo.cfg} keys of a ZooKeeper server that only Tandem's clients can use: TLS on the
 * secure client port (no plaintext port), a client certificate from the cluster CA required, and
 * {@link TandemX509AuthenticationProvider} turning it into a role for the ACLs. Optionally TLS between
 * the servers of an ensemble ({@code sslQuorum}).
 *
 * <p>The server needs the keysync jar on its class path (for the authentication provider). Its own
 * certificate is one of the cluster CA with {@code serverAuth} (and {@code clientAuth} for the quorum),
 * naming the host clients connect to; it should carry no Tandem role ({@code OU}).
 */
public final class ZooKeeperServerTls {
    private static final String TLS_VERSION = "TLSv1.3";

    private ZooKeeperServerTls() {}

    /**
     * Writes the server's PEM key store (key and chain in one file, mode 0600) to {@code keyStoreFile}.
     *
     * @throws TlsMaterialException naming the TLS file that cannot be used and why
     */
    public static Path writeKeyStore(TlsMaterial server, Path keyStoreFile) throws TlsMaterialException {
        return ZooKeeperTlsFiles.keyStore(
                Objects.requireNonNull(server, "server"), Objects.requireNonNull(keyStoreFile, "keyStoreFile"));
    }

    /**
     * The client-side keys: {@code secureClientPort}, Netty, PEM key and trust stores, client
     * certificates required, Tandem's authentication provider. Do not set {@code clientPort}.
     *
     * @param keyStore from {@link #writeKeyStore}
     * @param trustedCa the cluster CA (PEM)
     */
    public static Map<String, String> clientProperties(int secureClientPort, Path keyStore, Path trustedCa) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("secureClientPort", Integer.toString(secureClientPort));
        p.put("serverCnxnFactory", NettyServerCnxnFactory.class.getName());
        p.put("ssl.keyStore.location", keyStore.toString());
        p.put("ssl.keyStore.type", "PEM");
        p.put("ssl.trustStore.location", trustedCa.toString());
        p.put("ssl.trustStore.type", "PEM");
        p.put("ssl.clientAuth", "need");
        // Clients are known by the role in their certificate, not by their address.
        p.put("ssl.clientHostnameVerification", "false");
        p.put("ssl.protocol", TLS_VERSION);
        p.put("ssl.enabledProtocols", TLS_VERSION);
        p.put("ssl.authProvider", ZooKeeperRole.SCHEME);
        p.put("authProvider." + ZooKeeperRole.SCHEME, TandemX509AuthenticationProvider.class.getName());
        return p;
    }

    /**
     * The quorum keys: TLS between the servers of an ensemble with the same key store and CA. Each
     * server's certificate must name the address its peers connect to, and allow {@code clientAuth}.
     */
    public static Map<String, String> quorumProperties(Path keyStore, Path trustedCa) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sslQuorum", "true");
        p.put("ssl.quorum.keyStore.location", keyStore.toString());
        p.put("ssl.quorum.keyStore.type", "PEM");
        p.put("ssl.quorum.trustStore.location", trustedCa.toString());
        p.put("ssl.quorum.trustStore.type", "PEM");
        p.put("ssl.quorum.protocol", TLS_VERSION);
        p.put("ssl.quorum.enabledProtocols", TLS_VERSION);
        return p;
    }

    /**
     * For a server inside this JVM: sets the {@code zookeeper.}-prefixed system properties ZooKeeper
     * reads its authentication provider and TLS settings from, and makes ZooKeeper load its
     * providers again (it loads them once per JVM), so that the Tandem provider is the one in use.
     */
    static void prepareInProcess(Map<String, String> clientProperties) {
        for (String key : inProcessKeys(clientProperties)) {
            System.setProperty("zookeeper." + key, clientProperties.get(key));
        }
        ProviderRegistry.reset();
    }

    /**
     * Undoes {@link #prepareInProcess} once the server has stopped, so that a later server in this JVM
     * (a test's plaintext one) does not load the Tandem provider with files that are gone.
     */
    static void clearInProcess(Map<String, String> clientProperties) {
        for (String key : inProcessKeys(clientProperties)) {
            System.clearProperty("zookeeper." + key);
        }
        ProviderRegistry.reset();
    }

    private static List<String> inProcessKeys(Map<String, String> clientProperties) {
        return clientProperties.keySet().stream()
                .filter(k -> k.startsWith("ssl.") || k.startsWith("authProvider.") || k.equals("serverCnxnFactory"))
                .toList();
    }
}
