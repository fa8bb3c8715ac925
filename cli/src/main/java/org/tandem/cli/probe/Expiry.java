package org.tandem.cli.probe;

import java.time.Instant;
import java.util.Objects;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Type;

/**
 * The expiration of one RRSIG the probe saw, with what it covers.
 *
 * @param instant the RRSIG expiration
 * @param owner the owner of the covered RRset
 * @param type the covered type
 * @param keyTag the signing key's tag
 */
record Expiry(Instant instant, Name owner, int type, int keyTag) {
    Expiry {
        Objects.requireNonNull(instant, "instant");
        Objects.requireNonNull(owner, "owner");
    }

    static Expiry of(RRSIGRecord sig) {
        return new Expiry(sig.getExpire(), sig.getName(), sig.getTypeCovered(), sig.getFootprint());
    }

    /** {@code www.example.test. A, key 12345}. */
    String covers() {
        return owner + " " + Type.string(type) + ", key " + keyTag;
    }
}
