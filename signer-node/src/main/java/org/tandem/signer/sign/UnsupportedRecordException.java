package org.tandem.signer.sign;

import java.nio.file.Path;
import java.util.Objects;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * The unsigned zone holds a record the signer cannot sign or must not pass on (a meta type, a
 * DNSSEC record the signer makes itself, a DS without a zone cut, data outside the zone). Never
 * skipped (INV-D2): the run stops naming the record.
 */
public class UnsupportedRecordException extends SigningException {
    private static final long serialVersionUID = 1L;

    private final ZoneName zone;
    private final transient Name owner;
    private final int type;

    public UnsupportedRecordException(ZoneName zone, Path source, Name owner, int type, String reason) {
        super("zone " + zone + " (" + source + "): cannot sign " + owner + " " + Type.string(type) + " (type " + type
                + "): " + reason);
        this.zone = Objects.requireNonNull(zone, "zone");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.type = type;
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
}
