package org.tandem.chaos.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code ip} (iproute2) and a few other root tools; a failure names the command and what it printed. */
final class Ip {
    private Ip() {}

    /** Runs the command, returns its output; throws {@link NetworkException} on a non-zero exit. */
    static String run(String... cmd) {
        return run(List.of(cmd), true);
    }

    /** Runs the command, returns its output, ignores the exit code (for cleanup). */
    static String quiet(String... cmd) {
        return run(List.of(cmd), false);
    }

    static String run(List<String> cmd, boolean check) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new NetworkException(String.join(" ", cmd) + ": no exit within 30 s");
            }
            if (check && p.exitValue() != 0) {
                throw new NetworkException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new NetworkException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkException(String.join(" ", cmd) + ": interrupted", e);
        }
    }

    /** {@code ip -n NS ARGS...}. */
    static String in(String ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns));
        cmd.addAll(List.of(args));
        return run(cmd, true);
    }
}
