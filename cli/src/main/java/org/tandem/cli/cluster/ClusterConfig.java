package org.tandem.cli.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import org.tandem.cli.ExitCode;
import org.tandem.cli.SignerctlException;
import org.tandem.keysync.config.YamlFileException;
import org.tandem.keysync.config.YamlFiles;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.grpc.TlsMaterialException;

/**
 * The cluster commands' configuration ({@code signerctl --config FILE}, default {@code ./signerctl.yaml}):
 *
 * <pre>
 * coordinator: "127.0.0.1:7500"       # the coordinator's gRPC endpoint, host:port
 * tls: {ca: tls/ca.crt, cert: tls/operator.crt, key: tls/operator.key}   # the operator's certificate
 * </pre>
 *
 * Relative paths are taken from the file's directory. Every error names the file, the key and the
 * reason ({@code signerctl.yaml: tls.cert: file not found: /…/operator.crt}) and has exit code
 * {@link ExitCode#CONFIG}.
 *
 * @param source the file read
 * @param coordinator host:port of the coordinator
 * @param tls the operator's certificate, key and the cluster CA, checked
 */
public record ClusterConfig(Path source, String coordinator, TlsMaterial tls) {
    static final String DEFAULT_FILE = "signerctl.yaml";
    private static final Set<String> TOP = Set.of("coordinator", "tls");
    private static final Set<String> TLS = Set.of("ca", "cert", "key");

    public ClusterConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(coordinator, "coordinator");
        Objects.requireNonNull(tls, "tls");
    }

    /** Reads and checks the file (the TLS files too). */
    public static ClusterConfig load(Path file) {
        Path path = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(path)) {
            throw fail(
                    path,
                    null,
                    "file not found (write it, or pass --config FILE; `signerctl demo --keep-running` "
                            + "writes one)");
        }
        JsonNode root;
        try {
            root = YamlFiles.read(path);
        } catch (YamlFileException e) {
            throw fail(path, null, e.problem());
        }
        if (root == null || !root.isObject()) {
            throw fail(path, null, "expected a mapping with 'coordinator' and 'tls'");
        }
        unknownKeys(path, root, TOP, "");
        String coordinator = endpoint(path, root.get("coordinator"));
        JsonNode tls = root.get("tls");
        if (tls == null || !tls.isObject()) {
            throw fail(path, "tls", tls == null ? "missing" : "expected a mapping {ca, cert, key}");
        }
        unknownKeys(path, tls, TLS, "tls.");
        Path dir = path.getParent();
        Path ca = file(path, dir, tls, "ca");
        Path cert = file(path, dir, tls, "cert");
        Path key = file(path, dir, tls, "key");
        try {
            return new ClusterConfig(path, coordinator, TlsMaterial.load(cert, key, ca));
        } catch (TlsMaterialException e) {
            String which = e.getMessage().contains(key.toString())
                    ? "tls.key"
                    : e.getMessage().contains(ca.toString()) ? "tls.ca" : "tls.cert";
            throw fail(path, which, e.getMessage());
        }
    }

    private static String endpoint(Path path, JsonNode n) {
        if (n == null || n.isNull()) {
            throw fail(path, "coordinator", "missing (host:port of the coordinator, e.g. \"127.0.0.1:7500\")");
        }
        if (!n.isTextual()) {
            throw fail(path, "coordinator", "expected \"host:port\" as a string, got " + n);
        }
        String s = n.asText().trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw fail(path, "coordinator", "expected host:port, got '" + s + "'");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw fail(path, "coordinator", "port is not a number in '" + s + "'");
        }
        if (port < 1 || port > 65_535) {
            throw fail(path, "coordinator", "port must be 1..65535, got " + port);
        }
        return s;
    }

    private static Path file(Path path, Path dir, JsonNode tls, String key) {
        JsonNode n = tls.get(key);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw fail(path, "tls." + key, "missing (a PEM file, relative to " + dir + ")");
        }
        Path p = dir.resolve(n.asText()).normalize();
        if (!Files.isRegularFile(p)) {
            throw fail(path, "tls." + key, "file not found: " + p);
        }
        if (!Files.isReadable(p)) {
            throw fail(path, "tls." + key, "not readable: " + p);
        }
        return p;
    }

    private static void unknownKeys(Path path, JsonNode n, Set<String> allowed, String prefix) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw fail(
                        path,
                        prefix + k,
                        "unknown key (allowed: "
                                + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    private static SignerctlException fail(Path path, String key, String reason) {
        return new SignerctlException(ExitCode.CONFIG, path + ": " + (key == null ? "" : key + ": ") + reason);
    }
}
