package org.tandem.chaos.hsm;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A token fault could not be injected or healed. The message names the token, the key label and
 * {@code CKA_ID} when the operation concerned a key, the outside command that failed (PINs masked)
 * with its exit code, and the tool's output.
 *
 * <p>When this is thrown the token may be half-changed (for example the old objects deleted, the new
 * pair not generated): heal it with {@link TokenFaults#restore} from a snapshot taken before.
 */
public final class TokenFaultException extends Exception {
    private final String tokenLabel;
    private final Optional<String> keyLabel;
    private final Optional<String> ckaIdHex;
    private final List<String> command;
    private final Optional<Integer> exitCode;
    private final String output;

    TokenFaultException(
            String tokenLabel,
            Optional<String> keyLabel,
            Optional<String> ckaIdHex,
            String what,
            List<String> command,
            Optional<Integer> exitCode,
            String output,
            Throwable cause) {
        super(message(tokenLabel, keyLabel, ckaIdHex, what, command, exitCode, output), cause);
        this.tokenLabel = Objects.requireNonNull(tokenLabel, "tokenLabel");
        this.keyLabel = Objects.requireNonNull(keyLabel, "keyLabel");
        this.ckaIdHex = Objects.requireNonNull(ckaIdHex, "ckaIdHex");
        this.command = List.copyOf(command);
        this.exitCode = Objects.requireNonNull(exitCode, "exitCode");
        this.output = Objects.requireNonNull(output, "output");
    }

    /** A failure that is not an outside tool's (a file operation, a missing token directory). */
    static TokenFaultException of(String tokenLabel, String what, Throwable cause) {
        return new TokenFaultException(
                tokenLabel, Optional.empty(), Optional.empty(), what, List.of(), Optional.empty(), "", cause);
    }

    private static String message(
            String tokenLabel,
            Optional<String> keyLabel,
            Optional<String> ckaIdHex,
            String what,
            List<String> command,
            Optional<Integer> exitCode,
            String output) {
        StringBuilder m = new StringBuilder("token '").append(tokenLabel).append("'");
        keyLabel.ifPresent(l -> m.append(" key label '").append(l).append("'"));
        ckaIdHex.ifPresent(id -> m.append(" CKA_ID ").append(id));
        m.append(": ").append(what);
        if (!command.isEmpty()) {
            m.append(" [").append(String.join(" ", command)).append("]");
        }
        exitCode.ifPresent(c -> m.append(" exit code ").append(c));
        if (!output.isBlank()) {
            m.append(": ").append(output.strip());
        }
        return m.toString();
    }

    /** The token's label. */
    public String tokenLabel() {
        return tokenLabel;
    }

    /** The key's {@code CKA_LABEL}, when the operation concerned a key. */
    public Optional<String> keyLabel() {
        return keyLabel;
    }

    /** The key's {@code CKA_ID} in lower-case hex, when the operation concerned a key. */
    public Optional<String> ckaIdHex() {
        return ckaIdHex;
    }

    /** The outside command that failed, PINs replaced by {@code ***}; empty for a file operation. */
    public List<String> command() {
        return command;
    }

    /** The command's exit code; empty when it did not finish or no command ran. */
    public Optional<Integer> exitCode() {
        return exitCode;
    }

    /** The command's standard output and error. */
    public String output() {
        return output;
    }
}
