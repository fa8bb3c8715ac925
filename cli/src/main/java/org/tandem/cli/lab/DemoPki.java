package org.tandem.cli.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.tandem.keysync.grpc.TlsMaterial;

/**
 * The cluster CA and the certificates of the demo, made with the {@code openssl} command an operator
 * would use: an EC P-256 CA, one certificate per node ({@code OU=node}), one for the coordinator
 * ({@code OU=coordinator}) and one for the operator ({@code OU=operator}, the role that may order a
 * step-down). Each names its own service ({@code DNS:<name>}) besides {@code localhost} and
 * {@code 127.0.0.1}. Extended key usage by role: a node or the coordinator serves and calls with one
 * identity, so its certificate is {@code serverAuth,clientAuth}; the operator only calls, so
 * {@code clientAuth} only, and no Tandem client accepts it from a server. Keys are PKCS#8 PEM (what
 * gRPC's TLS wants), mode 0600.
 *
 * <p>Layout under {@code dir}: {@code ca.crt}, {@code ca.key}, {@code <name>.crt}, {@code <name>.key}.
 */
public final class DemoPki {
    private final Path dir;
    private final TokenLab lab;

    private DemoPki(Path dir, TokenLab lab) {
        this.dir = dir;
        this.lab = lab;
    }

    /** Creates the CA in {@code dir} (which must not hold one yet). */
    public static DemoPki create(Path dir, TokenLab lab) throws IOException, InterruptedException {
        if (!Prerequisite.onPath("openssl")) {
            throw new IllegalStateException("openssl is not installed: apt-get install openssl (bin/demo installs it)");
        }
        Files.createDirectories(dir);
        if (Files.exists(dir.resolve("ca.crt"))) {
            throw new IllegalStateException(dir + " already holds a CA; pass another --workdir or remove it");
        }
        DemoPki pki = new DemoPki(dir, lab);
        lab.tool(List.of(
                "openssl",
                "req",
                "-x509",
                "-new",
                "-key",
                pki.newKey("ca").toString(),
                "-days",
                "30",
                "-subj",
                "/O=Tandem demo/CN=Tandem demo cluster CA",
                "-out",
                dir.resolve("ca.crt").toString(),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign"));
        return pki;
    }

    /**
     * {@code serverAuth,clientAuth} for a node, the coordinator or a ZooKeeper server (an ensemble
     * server also connects to its peers), {@code clientAuth} for anyone else.
     */
    static String extendedKeyUsage(String role) {
        return role.equals("node") || role.equals("coordinator") || role.equals("zookeeper")
                ? "serverAuth,clientAuth"
                : "clientAuth";
    }

    public Path ca() {
        return dir.resolve("ca.crt");
    }

    public Path cert(String name) {
        return dir.resolve(name + ".crt");
    }

    public Path key(String name) {
        return dir.resolve(name + ".key");
    }

    /**
     * Issues {@code <name>.crt} for subject {@code /O=Tandem demo/OU=<role>/CN=<name>}, for server and
     * client use on localhost.
     */
    public void issue(String name, String role) throws IOException, InterruptedException {
        issue(name, role, List.of());
    }

    /** As {@link #issue(String, String)}, valid also for {@code extraIps} (the chaos harness's host addresses). */
    public void issue(String name, String role, List<String> extraIps) throws IOException, InterruptedException {
        StringBuilder san = new StringBuilder("DNS:" + name + ",DNS:localhost,IP:127.0.0.1");
        for (String ip : extraIps) {
            san.append(",IP:").append(ip);
        }
        issue(name, role, extendedKeyUsage(role), san);
    }

    /**
     * As {@link #issue(String, String, List)}, valid also for the host names {@code dnsNames} (DNS
     * SANs), for a server that clients reach, or verify, by name: the chaos harness's ZooKeeper voters.
     */
    public void issueForHosts(String name, String role, List<String> extraIps, List<String> dnsNames)
            throws IOException, InterruptedException {
        StringBuilder san = new StringBuilder("DNS:localhost,IP:127.0.0.1");
        for (String ip : extraIps) {
            san.append(",IP:").append(ip);
        }
        for (String dns : dnsNames) {
            san.append(",DNS:").append(dns);
        }
        issue(name, role, "serverAuth,clientAuth", san);
    }

    /** The certificate, its key and the CA of {@code name}, for a TLS client or server. */
    public TlsMaterial tls(String name) {
        return new TlsMaterial(cert(name), key(name), ca());
    }

    /** Issues {@code <name>.crt} for {@code /O=Tandem demo/OU=<role>/CN=<name>} with these key usages and SANs. */
    private void issue(String name, String role, String extendedKeyUsage, CharSequence san)
            throws IOException, InterruptedException {
        Path csr = dir.resolve(name + ".csr");
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(
                ext,
                "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n" + "extendedKeyUsage="
                        + extendedKeyUsage + "\nsubjectAltName=" + san + "\n",
                StandardCharsets.US_ASCII);
        lab.tool(List.of(
                "openssl",
                "req",
                "-new",
                "-key",
                newKey(name).toString(),
                "-subj",
                "/O=Tandem demo/OU=" + role + "/CN=" + name,
                "-out",
                csr.toString()));
        lab.tool(new ArrayList<>(List.of(
                "openssl",
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                ca().toString(),
                "-CAkey",
                key("ca").toString(),
                "-CAcreateserial",
                "-days",
                "30",
                "-extfile",
                ext.toString(),
                "-out",
                cert(name).toString())));
        Files.delete(csr);
        Files.delete(ext);
    }

    private Path newKey(String name) throws IOException, InterruptedException {
        Path key = key(name);
        if (!Files.exists(key)) {
            lab.tool(List.of(
                    "openssl",
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    key.toString()));
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        }
        return key;
    }
}
