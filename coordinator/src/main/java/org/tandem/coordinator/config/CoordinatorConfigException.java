package org.tandem.coordinator.config;

import java.nio.file.Path;
import java.util.Objects;
import org.tandem.coordinator.CoordinatorException;

/**
 * coordinator.yaml cannot be used: the message is {@code <file>: <key path>: <reason>}.
 */
public final class CoordinatorConfigException extends CoordinatorException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final String keyPath;
    private final String reason;

    public CoordinatorConfigException(Path file, String keyPath, String reason) {
        this(file, keyPath, reason, null);
    }

    public CoordinatorConfigException(Path file, String keyPath, String reason, Throwable cause) {
        super(file + ": " + (keyPath.isEmpty() ? "" : keyPath + ": ") + reason, cause);
        this.file = Objects.requireNonNull(file, "file");
        this.keyPath = Objects.requireNonNull(keyPath, "keyPath");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The configuration file. */
    public Path file() {
        return file;
    }

    /** The key path ({@code nodes[1].endpoint}); empty for the file as a whole. */
    public String keyPath() {
        return keyPath;
    }

    /** Why. */
    public String reason() {
        return reason;
    }
}
