package org.tandem.cli;

import java.io.Console;
import java.util.Optional;

/** Where {@code failover} asks for confirmation: the controlling terminal, if there is one. */
public interface Terminal {
    /**
     * Shows the prompt and reads one line.
     *
     * @return the line, empty when there is no terminal (or it was closed before a line came)
     */
    Optional<String> readLine(String prompt);

    /** The process's terminal ({@link System#console()}); none when stdin or stdout is not a terminal. */
    static Terminal system() {
        return prompt -> {
            Console c = System.console();
            return c == null ? Optional.empty() : Optional.ofNullable(c.readLine("%s", prompt));
        };
    }
}
