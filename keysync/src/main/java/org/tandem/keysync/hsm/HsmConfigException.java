package org.tandem.keysync.hsm;

import java.nio.file.Path;
import org.tandem.keysync.KeySyncException;

/** The HSM configuration file is missing, unreadable or wrong; names the file and the key path. */
public class HsmConfigException extends KeySyncException {
    private static final long serialVersionUID = 1L;

    public HsmConfigException(Path file, String keyPath, String reason) {
        super(file + (keyPath.isEmpty() ? "" : ": " + keyPath) + ": " + reason);
    }

    public HsmConfigException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
    }
}
