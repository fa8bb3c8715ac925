package org.tandem.keysync.manifest;

import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.common.X509Exception;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.ServerCnxn;
import org.apache.zookeeper.server.auth.X509AuthenticationProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.grpc.CallerRole;

/**
 * ZooKeeper's certificate authentication, by role: a client whose TLS certificate chains to the
 * cluster CA is known as {@code x509:node}, {@code x509:operator} or {@code x509:coordinator}, one
 * identity per role its subject's {@code OU} grants ({@link CallerRole#of}); the ACLs of Tandem's
 * znodes ({@link ZooKeeperRole#ACL}) name these identities. A certificate without a Tandem role, or
 * a client without a certificate, is refused: the server closes the connection.
 *
 * <p>Server side only: registered in {@code zoo.cfg} as {@code authProvider.x509=}this class (see
 * {@link ZooKeeperServerTls}), which needs the keysync jar on the ZooKeeper server's class path.
 * ZooKeeper creates one instance per JVM, with its no-argument constructor, from the {@code
 * zookeeper.ssl.trustStore.*} system properties (set from {@code zoo.cfg}'s {@code ssl.*} keys).
 *
 * <p>IMPORTANT: the role is only as trustworthy as the CA's issuing policy: a certificate with
 * {@code OU=node} may write everything Tandem keeps in ZooKeeper.
 */
public class TandemX509AuthenticationProvider extends X509AuthenticationProvider {
    private static final Logger LOG = LoggerFactory.getLogger(TandemX509AuthenticationProvider.class);

    /** The provider ZooKeeper instantiates from {@code authProvider.x509}. */
    public TandemX509AuthenticationProvider() throws X509Exception {
        super();
    }

    @Override
    public KeeperException.Code handleAuthentication(ServerCnxn cnxn, byte[] authData) {
        Certificate[] presented = cnxn.getClientCertificateChain();
        String session = "0x" + Long.toHexString(cnxn.getSessionId());
        if (presented == null || presented.length == 0) {
            LOG.warn("event=zookeeper-auth-refused session={} reason=\"no client certificate\"", session);
            return KeeperException.Code.AUTHFAILED;
        }
        X509Certificate[] chain = new X509Certificate[presented.length];
        for (int i = 0; i < presented.length; i++) {
            if (!(presented[i] instanceof X509Certificate x509)) {
                LOG.warn("event=zookeeper-auth-refused session={} reason=\"not an X.509 certificate\"", session);
                return KeeperException.Code.AUTHFAILED;
            }
            chain[i] = x509;
        }
        X509Certificate client = chain[0];
        try {
            getTrustManager().checkClientTrusted(chain, client.getPublicKey().getAlgorithm());
        } catch (X509Exception.TrustManagerException | CertificateException e) {
            LOG.warn(
                    "event=zookeeper-auth-refused session={} subject=\"{}\" reason=\"not from the cluster CA: {}\"",
                    session,
                    client.getSubjectX500Principal(),
                    e.getMessage());
            return KeeperException.Code.AUTHFAILED;
        }
        List<String> ids = roles(client);
        if (ids.isEmpty()) {
            LOG.warn(
                    "event=zookeeper-auth-refused session={} subject=\"{}\" reason=\"certificate grants no Tandem"
                            + " role (OU=node, OU=operator or OU=coordinator)\"",
                    session,
                    client.getSubjectX500Principal());
            return KeeperException.Code.AUTHFAILED;
        }
        for (String id : ids) {
            cnxn.addAuthInfo(new Id(getScheme(), id));
        }
        LOG.debug(
                "event=zookeeper-auth session={} subject=\"{}\" roles={}",
                session,
                client.getSubjectX500Principal(),
                ids);
        return KeeperException.Code.OK;
    }

    /** The first role of the certificate, for ZooKeeper's other (admin server) paths. */
    @Override
    protected String getClientId(X509Certificate certificate) {
        List<String> ids = roles(certificate);
        return ids.isEmpty() ? "" : ids.get(0);
    }

    /** An ACL id is valid when it names a Tandem role. */
    @Override
    public boolean isValid(String id) {
        return ZooKeeperRole.of(id) != null;
    }

    private static List<String> roles(X509Certificate certificate) {
        Set<CallerRole> roles = CallerRole.of(certificate);
        List<String> ids = new ArrayList<>();
        for (CallerRole role : roles) {
            ZooKeeperRole zk = ZooKeeperRole.of(role.organizationalUnit());
            if (zk != null) {
                ids.add(zk.id());
            }
        }
        return ids;
    }
}
