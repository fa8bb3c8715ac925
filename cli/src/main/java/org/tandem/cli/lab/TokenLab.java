package org.tandem.cli.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tandem.cli.SignerctlCommand;
import org.tandem.keysync.hsm.pkcs11.Pkcs11JvmFlags;

/**
 * A working directory with fresh SoftHSM2 tokens for the demo, the chaos harness and the
 * benchmarks, in one of two shapes:
 *
 * <ul>
 *   <li>{@link #create shared}: one {@code hsm/softhsm2.conf} and token directory, one token per
 *       label with a random PIN in {@code hsm/<label>.pin} (mode 0600), and {@code signerctl} child
 *       processes that see all of them: a lab where one {@code hsm.yaml} names every HSM (benchmarks,
 *       the keysync demo);
 *   <li>{@link #perNode per node}: each node its own HSM as in two data centres, {@code
 *       hsm/<node>/softhsm2.conf} with its own token directory, the token {@code <node>} with its PIN in
 *       {@code hsm/<node>/<node>.pin}; nothing but that node's process sees it. {@code signerctl} child
 *       processes then see no token at all, like an operator host with no HSM: keys reach a node only
 *       through the KeySync service.
 * </ul>
 *
 * <p>SoftHSM2 reads {@code SOFTHSM2_CONF} once per process, so everything that opens the tokens
 * runs in a child process started with {@link #softhsmConf} in its environment. Public for the chaos
 * harness (module chaos-tests), which builds its cluster the same way.
 */
public final class TokenLab {
    public static final Path SOFTHSM = Path.of("/usr/lib/softhsm/libsofthsm2.so");

    private final Path dir;
    /** The shared lab's softhsm2.conf; null for a per-node lab. */
    private final Path conf;

    private TokenLab(Path dir, Path conf) {
        this.dir = dir;
        this.conf = conf;
    }

    /** Creates {@code dir/hsm} with one initialised token per label; refuses a directory that already has tokens. */
    public static TokenLab create(Path dir, List<String> labels) throws IOException, InterruptedException {
        TokenLab lab = new TokenLab(dir.toAbsolutePath(), dir.toAbsolutePath().resolve("hsm/softhsm2.conf"));
        lab.prepare();
        lab.writeConf(lab.conf);
        for (String label : labels) {
            lab.initToken(lab.conf, label, lab.pinFile(label));
        }
        return lab;
    }

    /**
     * Creates {@code dir/hsm/<node>/} for each node: its own softhsm2.conf and token directory with
     * one initialised token named after the node. Refuses a directory that already has tokens.
     */
    public static TokenLab perNode(Path dir, List<String> nodes) throws IOException, InterruptedException {
        TokenLab lab = new TokenLab(dir.toAbsolutePath(), null);
        lab.prepare();
        for (String node : nodes) {
            Path conf = lab.softhsmConf(node);
            lab.writeConf(conf);
            lab.initToken(conf, node, lab.pinFile(node));
        }
        return lab;
    }

    private void prepare() throws IOException {
        if (!Files.isRegularFile(SOFTHSM) || !Prerequisite.onPath("softhsm2-util")) {
            throw new IllegalStateException(
                    "SoftHSM2 is not installed: apt-get install softhsm2 (bin/demo installs it)");
        }
        if (Files.exists(dir.resolve("hsm"))) {
            throw new IllegalStateException(dir + " already holds tokens; pass another --workdir or remove it");
        }
        Files.createDirectories(dir.resolve("logs"));
    }

    private void writeConf(Path file) throws IOException {
        Path tokens = Files.createDirectories(file.resolveSibling("tokens"));
        Files.writeString(
                file,
                "directories.tokendir = " + tokens + "\nobjectstore.backend = file\n"
                        + "log.level = ERROR\nslots.removable = false\n");
    }

    private void initToken(Path conf, String label, Path pinFile) throws IOException, InterruptedException {
        String pin = random(8);
        String soPin = random(8);
        tool(
                conf,
                List.of("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", soPin));
        for (Path file : List.of(pinFile, soPinFileBeside(pinFile, label))) {
            Files.writeString(file, (file.equals(pinFile) ? pin : soPin) + "\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }

    /** The security officer's PIN file of a token, beside its PIN file: {@code <label>.so-pin}. */
    private static Path soPinFileBeside(Path pinFile, String label) {
        return pinFile.resolveSibling(label + ".so-pin");
    }

    /** The SO PIN file of a token (for the KEK ceremonies), beside {@link #pinFile}. */
    public Path soPinFile(String label) {
        return soPinFileBeside(pinFile(label), label);
    }

    public Path dir() {
        return dir;
    }

    /** Whether each node has its own HSM ({@link #perNode}). */
    public boolean perNode() {
        return conf == null;
    }

    /** The PIN file of a token: {@code hsm/<label>.pin} in a shared lab, {@code hsm/<label>/<label>.pin} per node. */
    public Path pinFile(String label) {
        return perNode()
                ? dir.resolve("hsm").resolve(label).resolve(label + ".pin")
                : dir.resolve("hsm").resolve(label + ".pin");
    }

    /** The softhsm2.conf a process that opens {@code label}'s token needs in {@code SOFTHSM2_CONF}. */
    public Path softhsmConf(String label) {
        return perNode() ? dir.resolve("hsm").resolve(label).resolve("softhsm2.conf") : conf;
    }

    /**
     * Writes a node's own HSM configuration, {@code hsm/<node>/hsm.yaml}, naming only its token
     * (per-node lab only); returns its path.
     */
    public Path writeNodeHsmYaml(String node, String zookeeper) throws IOException {
        if (!perNode()) {
            throw new IllegalStateException("a shared lab has one hsm.yaml for every token");
        }
        Path file = dir.resolve("hsm").resolve(node).resolve("hsm.yaml");
        Files.writeString(
                file,
                "hsms:\n  - name: " + node + "\n    library: " + SOFTHSM + "\n    token-label: " + node
                        + "\n    pin-file: " + node + ".pin\n    so-pin-file: " + node + ".so-pin\nzookeeper: \""
                        + zookeeper + "\"\naudit-log: ../../audit-" + node
                        + ".jsonl\n",
                StandardCharsets.UTF_8);
        return file;
    }

    /** The {@code hsms:} part of an HSM configuration for these tokens (HSM name = token label). */
    public String hsmsYaml(List<String> labels) {
        StringBuilder y = new StringBuilder("hsms:\n");
        for (String label : labels) {
            y.append("  - name: ")
                    .append(label)
                    .append("\n    library: ")
                    .append(SOFTHSM)
                    .append("\n    token-label: ")
                    .append(label)
                    .append("\n    pin-file: hsm/")
                    .append(label)
                    .append(".pin\n    so-pin-file: hsm/")
                    .append(label)
                    .append(".so-pin\n");
        }
        return y.toString();
    }

    /**
     * A {@code signerctl ARGS} child JVM (same JDK and class path) that sees the shared lab's tokens,
     * or no token at all in a per-node lab (the operator's host).
     */
    public ProcessBuilder signerctl(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                Pkcs11JvmFlags.ADD_EXPORTS,
                "-cp",
                System.getProperty("java.class.path"),
                SignerctlCommand.class.getName()));
        cmd.addAll(args);
        return withTokens(new ProcessBuilder(cmd), conf);
    }

    /**
     * Runs an outside tool (softhsm2-util, pkcs11-tool, openssl) on the shared lab's tokens (in a
     * per-node lab: on none); its output goes to logs/tools.log.
     */
    public void tool(List<String> cmd) throws IOException, InterruptedException {
        tool(conf, cmd);
    }

    /** Runs an outside tool on one node's token (per-node lab) or on the shared lab's tokens. */
    public void toolOn(String label, List<String> cmd) throws IOException, InterruptedException {
        tool(softhsmConf(label), cmd);
    }

    private void tool(Path softhsmConf, List<String> cmd) throws IOException, InterruptedException {
        Process p = withTokens(new ProcessBuilder(cmd).redirectErrorStream(true), softhsmConf)
                .start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Files.writeString(
                dir.resolve("logs/tools.log"),
                String.join(" ", cmd.subList(0, Math.min(3, cmd.size()))) + "\n" + text,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        if (waitFor(p) != 0) {
            throw new IllegalStateException(cmd.get(0) + " failed: " + text.strip());
        }
    }

    /**
     * Sets {@code pb}'s {@code SOFTHSM2_CONF} to {@code softhsmConf}: the child sees those tokens, or, with
     * null, none at all (not even this process's).
     */
    public static ProcessBuilder withTokens(ProcessBuilder pb, Path softhsmConf) {
        if (softhsmConf != null) {
            pb.environment().put("SOFTHSM2_CONF", softhsmConf.toString());
        } else {
            pb.environment().remove("SOFTHSM2_CONF");
        }
        return pb;
    }

    /** Waits for a child process, at most 300 s (then kills it); returns its exit code. */
    public static int waitFor(Process p) throws InterruptedException {
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("child process did not finish within 300 s");
        }
        return p.exitValue();
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
