package org.tandem.signer.sign;

import java.util.List;
import java.util.Objects;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * One change to the unsigned data of a zone, for {@link IncrementalSigner#apply}: the RRset at
 * {@code owner} and {@code type} becomes {@code records}; an empty list removes it. Adding an RRset
 * and replacing one are the same change.
 *
 * @param owner the owner, any case (it is canonicalised)
 * @param type the RR type; not one the signer makes (RRSIG, NSEC, NSEC3, NSEC3PARAM, apex DNSKEY,
 *     apex ZONEMD); an apex SOA change takes every field but the serial, which the signer owns
 * @param records the new RRset, every record of {@code type} at {@code owner}, class IN; or empty
 */
public record RrsetChange(Name owner, int type, List<Record> records) {
    public RrsetChange {
        Objects.requireNonNull(owner, "owner");
        Type.check(type);
        records = List.copyOf(records);
        for (Record r : records) {
            if (r.getType() != type || !r.getName().equals(owner)) {
                throw new IllegalArgumentException(
                        "record " + r + " is not in RRset " + owner + " " + Type.string(type));
            }
        }
    }

    /** The RRset becomes {@code records} (added when it did not exist). */
    public static RrsetChange replace(Name owner, int type, List<Record> records) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException(
                    "replace " + owner + " " + Type.string(type) + " with nothing: use remove");
        }
        return new RrsetChange(owner, type, records);
    }

    /** The RRset is removed (no change when it does not exist). */
    public static RrsetChange remove(Name owner, int type) {
        return new RrsetChange(owner, type, List.of());
    }

    public boolean isRemoval() {
        return records.isEmpty();
    }
}
