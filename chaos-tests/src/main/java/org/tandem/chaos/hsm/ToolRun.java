package org.tandem.chaos.hsm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Runs {@code softhsm2-util} or {@code pkcs11-tool} as a child process that sees one softhsm2.conf. */
final class ToolRun {
    private static final Set<String> SECRET_OPTIONS = Set.of("--pin", "--new-pin", "--so-pin", "-p");
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    /** What a finished command printed. */
    record Result(List<String> masked, int exitCode, String output) {}

    private final Path conf;

    ToolRun(Path conf) {
        this.conf = conf;
    }

    /** Runs the command to its end (or {@link #TIMEOUT}); does not judge the exit code. */
    Result run(List<String> command, String tokenLabel) throws TokenFaultException {
        List<String> masked = mask(command);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("SOFTHSM2_CONF", conf.toString());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TokenFaultException(
                        tokenLabel,
                        Optional.empty(),
                        Optional.empty(),
                        "did not finish within " + TIMEOUT.toSeconds() + " s",
                        masked,
                        Optional.empty(),
                        out,
                        null);
            }
            return new Result(masked, p.exitValue(), out);
        } catch (IOException e) {
            throw new TokenFaultException(
                    tokenLabel,
                    Optional.empty(),
                    Optional.empty(),
                    "cannot start " + command.get(0) + " (apt-get install opensc softhsm2)",
                    masked,
                    Optional.empty(),
                    e.getMessage(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenFaultException(
                    tokenLabel, Optional.empty(), Optional.empty(), "interrupted", masked, Optional.empty(), "", e);
        }
    }

    static List<String> mask(List<String> command) {
        List<String> out = new ArrayList<>(command.size());
        for (int i = 0; i < command.size(); i++) {
            out.add(i > 0 && SECRET_OPTIONS.contains(command.get(i - 1)) ? "***" : command.get(i));
        }
        return out;
    }
}
