package org.tandem.cli;

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

/**
 * A working directory with fresh SoftHSM2 tokens for the demo and the benchmarks: its own
 * {@code hsm/softhsm2.conf}, one token per label with a random PIN in {@code hsm/<label>.pin}
 * (mode 0600), and {@code signerctl} child processes that see exactly these tokens.
 *
 * <p>SoftHSM2 reads {@code SOFTHSM2_CONF} once per process, so everything that opens the tokens
 * runs in a child JVM started through {@link #signerctl}. Public for the chaos harness (module chaos-tests),
 * which builds its cluster the same way.
 */
public final class TokenLab {
    public static final Path SOFTHSM = Path.of("/usr/lib/softhsm/libsofthsm2.so");

    private final Path dir;
    private final Path conf;

    private TokenLab(Path dir) {
        this.dir = dir;
        this.conf = dir.resolve("hsm/softhsm2.conf");
    }

    /** Creates {@code dir/hsm} with one initialised token per label; refuses a directory that already has tokens. */
    public static TokenLab create(Path dir, List<String> labels) throws IOException, InterruptedException {
        if (!Files.isRegularFile(SOFTHSM) || !Prerequisite.onPath("softhsm2-util")) {
            throw new IllegalStateException("SoftHSM2 is not installed: apt-get install softhsm2 (bin/demo installs it)");
        }
        TokenLab lab = new TokenLab(dir.toAbsolutePath());
        Path hsm = lab.dir.resolve("hsm");
        if (Files.exists(hsm.resolve("tokens"))) {
            throw new IllegalStateException(lab.dir + " already holds tokens; pass another --workdir or remove it");
        }
        Files.createDirectories(hsm.resolve("tokens"));
        Files.createDirectories(lab.dir.resolve("logs"));
        Files.writeString(lab.conf, "directories.tokendir = " + hsm.resolve("tokens") + "\nobjectstore.backend = file\n"
                + "log.level = ERROR\nslots.removable = false\n");
        for (String label : labels) {
            String pin = random(8);
            lab.tool(List.of("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", random(8)));
            Path pinFile = lab.pinFile(label);
            Files.writeString(pinFile, pin + "\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
        }
        return lab;
    }

    public Path dir() {
        return dir;
    }

    public Path pinFile(String label) {
        return dir.resolve("hsm").resolve(label + ".pin");
    }

    /** The {@code hsms:} part of an HSM configuration for these tokens (HSM name = token label). */
    public String hsmsYaml(List<String> labels) {
        StringBuilder y = new StringBuilder("hsms:\n");
        for (String label : labels) {
            y.append("  - name: ").append(label).append("\n    library: ").append(SOFTHSM).append("\n    token-label: ")
                    .append(label).append("\n    pin-file: hsm/").append(label).append(".pin\n");
        }
        return y.toString();
    }

    /** A {@code signerctl ARGS} child JVM (same JDK and class path) that sees these tokens. */
    public ProcessBuilder signerctl(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), SignerctlCommand.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SOFTHSM2_CONF", conf.toString());
        return pb;
    }

    /** Runs an outside tool (softhsm2-util, pkcs11-tool) on these tokens; its output goes to logs/tools.log. */
    public void tool(List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SOFTHSM2_CONF", conf.toString());
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("logs/tools.log"), String.join(" ", cmd.subList(0, Math.min(3, cmd.size()))) + "\n" + text,
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (waitFor(p) != 0) {
            throw new IllegalStateException(cmd.get(0) + " failed: " + text.strip());
        }
    }

    static int waitFor(Process p) throws InterruptedException {
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
