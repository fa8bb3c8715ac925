package org.tandem.signer.sign;

import java.util.Objects;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;

/**
 * The keys cannot sign the zone validly: no key for the DNSKEY RRset, none for the data, or an
 * algorithm with a key for one role only (RFC 4035 §2.2 and RFC 6840 §5.11: every algorithm in the
 * DNSKEY RRset must sign every RRset). Nothing is signed.
 */
public class IncompleteKeySetException extends SigningException {
    private static final long serialVersionUID = 1L;

    private final ZoneName zone;

    public IncompleteKeySetException(ZoneName zone, String reason) {
        super("zone " + zone + ": the signing keys are incomplete: " + reason);
        this.zone = Objects.requireNonNull(zone, "zone");
    }

    public ZoneName zone() {
        return zone;
    }
}
