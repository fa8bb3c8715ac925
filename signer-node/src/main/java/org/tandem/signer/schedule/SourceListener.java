package org.tandem.signer.schedule;

import org.tandem.keysync.key.ZoneName;

/** Told by {@link SourceWatcher} that a zone's unsigned source changed. */
@FunctionalInterface
public interface SourceListener {
    /**
     * The zone's source file was created, modified, replaced or deleted, and then stayed quiet for
     * the debounce time. Called on the watcher's thread: return quickly (schedule, do not sign
     * here); an exception is logged and the watcher goes on.
     */
    void sourceChanged(ZoneName zone);
}
