package org.tandem.signer.sign;

import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * The capability canary could not sign, or could not verify, an RRset of one record type with one
 * of the zone's real keys. The run stops before anything is signed: the Restena failure (2025),
 * zones with a newly introduced type silently left unsigned until their signatures expired, made
 * impossible (INV-D2).
 */
public class CanaryFailedException extends SigningException {
    private static final long serialVersionUID = 1L;

    private final ZoneName zone;
    private final transient Name owner;
    private final int type;
    private final transient DnssecKey key;
    private final HsmId hsm;

    public CanaryFailedException(
            ZoneName zone, Name owner, int type, DnssecKey key, HsmId hsm, String reason, Throwable cause) {
        super(message(zone, owner, type, key, hsm, reason), cause);
        this.zone = Objects.requireNonNull(zone, "zone");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.type = type;
        this.key = key;
        this.hsm = hsm;
    }

    private static String message(ZoneName zone, Name owner, int type, DnssecKey key, HsmId hsm, String reason) {
        String who = key == null
                ? "by the signer"
                : "with " + key.role() + " " + key.keyTag() + " fp "
                        + key.fingerprint().shortHex() + " alg "
                        + key.algorithm().number() + " on HSM " + hsm;
        return "capability canary failed for zone " + zone + ": record type " + Type.string(type) + " (type " + type
                + ") cannot be signed " + who + " (probe RRset " + owner + " " + Type.string(type) + "): " + reason
                + "; nothing was signed";
    }

    public ZoneName zone() {
        return zone;
    }

    public Name owner() {
        return owner;
    }

    /** The record type number; {@code Type.string(type())} gives the mnemonic or {@code TYPEnnn}. */
    public int type() {
        return type;
    }

    /** The key that failed, empty when the signer itself refuses the type. */
    public Optional<DnssecKey> key() {
        return Optional.ofNullable(key);
    }

    /** The HSM that failed, empty when the signer itself refuses the type. */
    public Optional<HsmId> hsm() {
        return Optional.ofNullable(hsm);
    }
}
