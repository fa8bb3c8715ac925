package org.tandem.signer.node;

import java.nio.file.Path;
import java.util.Objects;
import org.tandem.signer.SigningException;

/**
 * The node configuration ({@code node.yaml}) cannot be used. The message is
 * {@code <file>: <key path>: <reason>}, e.g. {@code node.yaml: zones[1].source: file not found:
 * /etc/tandem/zones/example.net.zone}; the key path is empty for problems of the whole file.
 */
public class NodeConfigException extends SigningException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String keyPath;
    private final String reason;

    /**
     * @param file the configuration file as the operator named it
     * @param keyPath where in the file, e.g. {@code zones[1].source}; empty for the whole file
     * @param reason what is wrong, for an operator
     */
    public NodeConfigException(Path file, String keyPath, String reason) {
        this(file, keyPath, reason, null);
    }

    /** As {@link #NodeConfigException(Path, String, String)}, with the underlying failure. */
    public NodeConfigException(Path file, String keyPath, String reason, Throwable cause) {
        super(message(file, keyPath, reason), cause);
        this.file = file;
        this.keyPath = keyPath;
        this.reason = reason;
    }

    private static String message(Path file, String keyPath, String reason) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(keyPath, "keyPath");
        Objects.requireNonNull(reason, "reason");
        return file + (keyPath.isEmpty() ? "" : ": " + keyPath) + ": " + reason;
    }

    /** The configuration file as the operator named it. */
    public Path file() {
        return file;
    }

    /** Where in the file ({@code zones[1].source}); empty for the whole file. */
    public String keyPath() {
        return keyPath;
    }

    /** What is wrong, without file and key path. */
    public String reason() {
        return reason;
    }
}
