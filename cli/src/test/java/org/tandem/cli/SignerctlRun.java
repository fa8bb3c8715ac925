package org.tandem.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;

/**
 * One {@code signerctl} command line run in this JVM, as {@code bin/signerctl} runs it: its exit code
 * and what it printed on stdout and stderr.
 */
public record SignerctlRun(int code, String out, String err) {
    /** Runs {@code args} with no terminal to confirm on (a prompt gets no answer). */
    public static SignerctlRun of(String... args) {
        return on(prompt -> Optional.empty(), args);
    }

    /** Runs {@code args}; confirmation prompts go to {@code terminal}. */
    public static SignerctlRun on(Terminal terminal, String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = SignerctlCommand.run(args, new PrintWriter(o, true), new PrintWriter(e, true), terminal);
        return new SignerctlRun(code, o.toString(), e.toString());
    }
}
