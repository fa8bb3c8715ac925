package org.tandem.cli.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.tandem.cli.lab.TokenLab;

/**
 * How the demos tell their story: numbered headings, plain sentences, and real {@code signerctl}
 * commands run as child processes (through {@link TokenLab}), shown as an operator would type them,
 * with their output streamed as it comes and their exit code checked.
 */
final class DemoNarrator {
    private final PrintWriter out;
    private final PrintWriter err;
    private final TokenLab lab;
    private int step;

    DemoNarrator(PrintWriter out, PrintWriter err, TokenLab lab) {
        this.out = out;
        this.err = err;
        this.lab = lab;
    }

    void heading(String text) {
        out.println();
        out.printf("== %d. %s%n", ++step, text);
        out.flush();
    }

    void say(String text) {
        synchronized (out) {
            out.println(text);
            out.flush();
        }
    }

    /** Runs {@code signerctl ARGS} as a child process, shows it and its output, checks the exit code. */
    void expect(int exitCode, String... args) throws IOException, InterruptedException {
        out.println("$ signerctl " + String.join(" ", args).replace(lab.dir() + "/", ""));
        out.flush();
        Process p = lab.signerctl(List.of(args)).start();
        Thread errors = pump(p.getErrorStream(), err);
        pump(p.getInputStream(), out).join();
        errors.join();
        int code = TokenLab.waitFor(p);
        if (code != exitCode) {
            throw new IllegalStateException("demo step 'signerctl " + String.join(" ", args) + "' exited " + code
                    + ", expected " + exitCode + "; see the output above");
        }
        if (code != 0) {
            out.println("(exit code " + code + ", as expected)");
        }
    }

    /** Runs {@code signerctl ARGS} quietly and returns its standard output; fails on a non-zero exit. */
    String capture(String... args) throws IOException, InterruptedException {
        Process p = lab.signerctl(List.of(args))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (TokenLab.waitFor(p) != 0) {
            throw new IllegalStateException("signerctl " + String.join(" ", args) + " failed");
        }
        return text;
    }

    /** Runs an outside command (a validator), shows it relative to the work directory, returns its exit code. */
    int run(List<String> cmd) throws IOException, InterruptedException {
        Path dir = lab.dir();
        out.println("$ " + String.join(" ", cmd).replace(dir + "/", ""));
        out.flush();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        pump(p.getInputStream(), out).join();
        return TokenLab.waitFor(p);
    }

    /** Copies a child's output to a writer as it comes, so the narrative and the tests see it. */
    static Thread pump(InputStream in, PrintWriter to) {
        Thread t = new Thread(
                () -> {
                    try (var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                        for (String line = r.readLine(); line != null; line = r.readLine()) {
                            synchronized (to) {
                                to.println(line);
                                to.flush();
                            }
                        }
                    } catch (IOException e) {
                        synchronized (to) {
                            to.println("(demo: lost the output of a step: " + e.getMessage() + ")");
                        }
                    }
                },
                "demo-output");
        t.start();
        return t;
    }
}
