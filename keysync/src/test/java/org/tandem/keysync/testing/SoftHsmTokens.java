package org.tandem.keysync.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmSpec;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;

/**
 * Real SoftHSM2 tokens for integration tests, several per JVM like several HSMs.
 *
 * <p>SoftHSM2 reads its configuration ({@code SOFTHSM2_CONF}, set by failsafe) and its token list
 * once, when the library is initialised in a process, so this fixture creates a pool of tokens
 * with random PINs before the first PKCS#11 call of the JVM, and {@link #allocate} hands out the
 * next token emptied of all objects. Child processes (the CLI) see the same tokens through the
 * same {@link #environment()}.
 */
public final class SoftHsmTokens {
    private static final int POOL = 24;
    private static SoftHsmTokens shared;

    private final Path dir;
    private final Path conf;
    private final List<String> labels = new ArrayList<>();
    private int next;

    private SoftHsmTokens(Path dir) {
        this.dir = dir;
        this.conf = dir.resolve("softhsm2.conf");
    }

    /** The JVM's token pool; skips (or, in CI, fails) when SoftHSM2 is not installed. */
    public static synchronized SoftHsmTokens shared() {
        Prerequisites.requireSoftHsm();
        if (shared == null) {
            String confEnv = System.getenv("SOFTHSM2_CONF");
            if (confEnv == null) {
                throw new IllegalStateException(
                        "SOFTHSM2_CONF is not set: run integration tests through Maven (failsafe sets it)");
            }
            Path confDir = Path.of(confEnv).getParent();
            // failsafe gives each parallel test JVM its own directory; two JVMs sharing one would
            // delete each other's tokens when they create their pools
            String forkDir = System.getProperty("tandem.softhsm.dir");
            if (forkDir != null && !Path.of(forkDir).equals(confDir)) {
                throw new IllegalStateException(
                        "SOFTHSM2_CONF " + confEnv + " is not in this test JVM's token directory " + forkDir
                                + ": the failsafe configuration must give both the same fork number");
            }
            SoftHsmTokens t = new SoftHsmTokens(confDir);
            try {
                t.createPool();
            } catch (IOException e) {
                throw new IllegalStateException("cannot create SoftHSM2 tokens in " + t.dir + ": " + e.getMessage(), e);
            }
            shared = t;
        }
        return shared;
    }

    private void createPool() throws IOException {
        Path tokens = dir.resolve("tokens");
        deleteTree(dir);
        Files.createDirectories(tokens);
        Files.createDirectories(dir.resolve("pins"));
        Files.writeString(
                conf,
                "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n"
                        + "slots.removable = false\n");
        for (int i = 0; i < POOL; i++) {
            String label = String.format("pool-%02d", i);
            initToken(label);
            labels.add(label);
        }
    }

    private void initToken(String label) throws IOException {
        String pin = randomPin();
        String soPin = randomPin();
        run(List.of("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", soPin));
        writePin(pinFile(label), pin);
        writePin(soPinFile(label), soPin);
    }

    private static void writePin(Path file, String pin) throws IOException {
        Files.writeString(file, pin + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    private static String randomPin() {
        byte[] b = new byte[8];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * The next pool token, emptied of every object, as an HSM named {@code name}, with its SO PIN
     * file (for the KEK ceremonies; {@code withoutSoPin} for an HSM configured without).
     */
    public synchronized HsmSpec allocate(String name) {
        if (next >= labels.size()) {
            next = 0;
        }
        String label = labels.get(next++);
        empty(label);
        return new HsmSpec(new HsmId(name), Prerequisites.SOFTHSM_LIBRARY, label, pinFile(label), 4)
                .withSoPinFile(soPinFile(label));
    }

    /** The same HSM configured without {@code so-pin-file}. */
    public static HsmSpec withoutSoPin(HsmSpec spec) {
        return new HsmSpec(spec.name(), spec.library(), spec.tokenLabel(), spec.pinFile(), spec.sessions());
    }

    public Path pinFile(String label) {
        return dir.resolve("pins").resolve(label + ".pin");
    }

    /** The security officer's PIN file of the token. */
    public Path soPinFile(String label) {
        return dir.resolve("pins").resolve(label + ".so-pin");
    }

    public Path directory() {
        return dir;
    }

    /** Environment for child processes that must see the same tokens. */
    public Map<String, String> environment() {
        return Map.of("SOFTHSM2_CONF", conf.toString());
    }

    /**
     * "The HSM is unplugged": moves the token's directory out of the token directory, as the chaos
     * harness's {@code TokenFaults.removeToken} does. Every process that loaded SoftHSM2 loses the
     * token ({@code C_GetTokenInfo} on its slot fails). Put it back with {@link RemovedToken#putBack}
     * (always, in a finally: the pool is shared by the JVM's tests).
     */
    public synchronized RemovedToken remove(String label) throws IOException {
        Path tokens = dir.resolve("tokens");
        byte[] padded = String.format("%-32s", label).getBytes(StandardCharsets.UTF_8);
        try (var dirs = Files.list(tokens)) {
            for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
                Path object = d.resolve("token.object");
                if (Files.isReadable(object) && indexOf(Files.readAllBytes(object), padded) >= 0) {
                    Path away = dir.resolve("removed").resolve(d.getFileName());
                    Files.createDirectories(away.getParent());
                    Files.move(d, away, StandardCopyOption.ATOMIC_MOVE);
                    return new RemovedToken(label, d, away);
                }
            }
        }
        throw new IllegalStateException("no directory in " + tokens + " holds token " + label);
    }

    /** A token directory moved away by {@link #remove}. */
    public record RemovedToken(String label, Path directory, Path away) {
        /** Moves the directory back under its own name (the token's serial and slot stay the same). */
        public void putBack() throws IOException {
            if (Files.exists(away)) {
                Files.move(away, directory, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    private static int indexOf(byte[] content, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= content.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (content[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Destroys every object on the token (a fresh HSM for the next test). */
    private void empty(String label) {
        TokenAccess.run(Prerequisites.SOFTHSM_LIBRARY, label, pinFile(label), (p11, session) -> {
            p11.C_FindObjectsInit(session, new CK_ATTRIBUTE[0]);
            long[] all;
            try {
                all = p11.C_FindObjects(session, 10_000);
            } finally {
                p11.C_FindObjectsFinal(session);
            }
            for (long h : all) {
                p11.C_DestroyObject(session, h);
            }
        });
    }

    private void run(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("SOFTHSM2_CONF", conf.toString());
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command.subList(0, 2)) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
