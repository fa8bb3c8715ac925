package org.tandem.cli;

import java.util.Objects;

/**
 * A cluster command (talking to the coordinator) failed in a way with its own exit code: the
 * configuration file, the coordinator unreachable, the caller not permitted, a refused order.
 */
final class ClusterCommandException extends RuntimeException {
    private final ExitCode exitCode;

    ClusterCommandException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = Objects.requireNonNull(exitCode, "exitCode");
    }

    ClusterCommandException(ExitCode exitCode, String message) {
        this(exitCode, message, null);
    }

    ExitCode exitCode() {
        return exitCode;
    }
}
