package org.tandem.signer.sign;

import java.util.Optional;
import org.xbill.DNS.Type;

/** Which record types the signer refuses to find in an unsigned zone, and why (INV-D2: never skip). */
final class RecordTypes {
    private RecordTypes() {}

    /** Why the signer cannot take {@code type} from an unsigned zone anywhere, or empty. */
    static Optional<String> refusal(int type) {
        if (type == Type.RRSIG || type == Type.NSEC || type == Type.NSEC3 || type == Type.NSEC3PARAM) {
            return Optional.of(
                    "the signer makes " + Type.string(type) + " records itself; remove them from the unsigned zone");
        }
        if (type == Type.SIG || type == Type.NXT) {
            return Optional.of("obsolete DNSSEC type (RFC 3755); it cannot be signed as data");
        }
        if (type == 0) {
            return Optional.of("type 0 is reserved (RFC 6895 §3.1)");
        }
        if (type == Type.OPT || (type >= 128 && type <= 255)) {
            return Optional.of("meta or query type (RFC 6895 §3.1), not zone data");
        }
        return Optional.empty();
    }

    /** Why the signer cannot take {@code type} at the apex of an unsigned zone, or empty. */
    static Optional<String> apexRefusal(int type) {
        if (type == Type.DNSKEY) {
            return Optional.of("the apex DNSKEY RRset is made from the signing keys; remove it from the unsigned zone");
        }
        if (type == Type.DS) {
            return Optional.of("a DS RRset belongs to the parent zone, not to the apex");
        }
        if (type == Type.ZONEMD) {
            return Optional.of("the apex ZONEMD is made by the signer when the policy asks for it (a copied one "
                    + "would not match the re-signed zone); remove it from the unsigned zone");
        }
        return refusal(type);
    }
}
