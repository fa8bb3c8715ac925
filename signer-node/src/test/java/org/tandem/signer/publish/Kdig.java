package org.tandem.signer.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tandem.keysync.testing.Prerequisites;

/** Knot's kdig (Debian knot-dnsutils) as a process: its output and exit code. */
final class Kdig {
    record Result(int exitCode, String output) {
        /** The record lines (not comments), tabs and runs of blanks as one space. */
        List<String> records() {
            return output.lines()
                    .filter(l -> !l.isBlank() && !l.startsWith(";"))
                    .map(l -> l.strip().replaceAll("\\s+", " "))
                    .toList();
        }
    }

    private Kdig() {}

    static void require() {
        Prerequisites.requireTool("kdig", "knot-dnsutils");
    }

    static Result run(int port, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(
                List.of("kdig", "@127.0.0.1", "-p", Integer.toString(port), "+tcp", "+time=5", "+retry=0"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("kdig", ".out");
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("kdig did not finish in 60 s: " + cmd);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
