package org.tandem.signer.sign;

import java.util.Objects;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;

/**
 * A signing key the signer refuses: an algorithm it does not sign with, a key of another zone, the
 * same key given twice. Nothing is signed.
 */
public class UnsupportedKeyException extends SigningException {
    private static final long serialVersionUID = 1L;

    private final ZoneName zone;
    private final transient DnssecKey key;
    private final HsmId hsm;

    public UnsupportedKeyException(ZoneName zone, DnssecKey key, HsmId hsm, String reason) {
        super("zone " + zone + ": refusing " + key.role() + " " + key.keyTag() + " fp "
                + key.fingerprint().shortHex() + " alg " + key.algorithm().number() + " on HSM " + hsm + ": " + reason);
        this.zone = Objects.requireNonNull(zone, "zone");
        this.key = key;
        this.hsm = Objects.requireNonNull(hsm, "hsm");
    }

    public ZoneName zone() {
        return zone;
    }

    public DnssecKey key() {
        return key;
    }

    public HsmId hsm() {
        return hsm;
    }
}
