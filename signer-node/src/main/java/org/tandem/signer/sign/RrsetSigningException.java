package org.tandem.signer.sign;

import java.util.Objects;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * One RRset could not be signed with one key: the HSM failed or refused, or returned a signature
 * that cannot be one. The run stops; nothing of it is published.
 */
public class RrsetSigningException extends SigningException {
    private static final long serialVersionUID = 1L;

    private final ZoneName zone;
    private final transient Name owner;
    private final int type;
    private final transient DnssecKey key;
    private final HsmId hsm;

    public RrsetSigningException(
            ZoneName zone, Name owner, int type, DnssecKey key, HsmId hsm, String reason, Throwable cause) {
        super(
                "zone " + zone + ": cannot sign " + owner + " " + Type.string(type) + " (type " + type + ") with "
                        + key.role() + " " + key.keyTag() + " fp "
                        + key.fingerprint().shortHex() + " alg "
                        + key.algorithm().number() + " on HSM " + hsm + ": " + reason,
                cause);
        this.zone = Objects.requireNonNull(zone, "zone");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.type = type;
        this.key = key;
        this.hsm = Objects.requireNonNull(hsm, "hsm");
    }

    public ZoneName zone() {
        return zone;
    }

    public Name owner() {
        return owner;
    }

    public int type() {
        return type;
    }

    public DnssecKey key() {
        return key;
    }

    public HsmId hsm() {
        return hsm;
    }
}
