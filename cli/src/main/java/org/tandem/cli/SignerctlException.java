package org.tandem.cli;

import java.util.Objects;

/**
 * A command failed in a way with its own exit code: the configuration file, the coordinator
 * unreachable, the caller not permitted, a refused order, a usage error found after parsing. The
 * message names what it can (file and key, zone, node, HSM); {@link SignerctlCommand} prints it and
 * exits with {@link #exitCode()}.
 */
public final class SignerctlException extends RuntimeException {
    private final ExitCode exitCode;

    public SignerctlException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = Objects.requireNonNull(exitCode, "exitCode");
    }

    public SignerctlException(ExitCode exitCode, String message) {
        this(exitCode, message, null);
    }

    /** A usage error (exit 2) found after parsing, e.g. options of two forms mixed. */
    public static SignerctlException usage(String message) {
        return new SignerctlException(ExitCode.USAGE, message);
    }

    public ExitCode exitCode() {
        return exitCode;
    }
}
