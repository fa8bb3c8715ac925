package org.tandem.keysync;

import org.tandem.keysync.key.ZoneName;

/** The zone has no key manifest (or no live key in it) yet. */
public class NoManifestException extends KeySyncException {
    private static final long serialVersionUID = 1L;

    public NoManifestException(ZoneName zone) {
        super("zone " + zone + " has no keys in its manifest yet; generate them first: signerctl keys generate --zone "
                + zone + " --role ksk (and --role zsk)");
    }
}
