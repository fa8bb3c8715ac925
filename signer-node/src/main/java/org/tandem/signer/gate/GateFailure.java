package org.tandem.signer.gate;

import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyTag;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * One reason the gate refuses a zone, with what an operator needs to find it: the owner name and
 * type of the offending RRset (or record), the key tag the RRSIG claims and the fingerprint of the
 * published DNSKEY it names (when there is exactly one), the reason and a one-line detail.
 *
 * @param owner owner name of the RRset or record at fault (the zone apex for zone-wide failures)
 * @param type RR type at fault, e.g. {@link Type#A}; for RRSIG problems the type covered
 * @param keyTag key tag the RRSIG claims, or of the DNSKEY at fault, when one is involved
 * @param fingerprint SHA-256 DS digest of the published DNSKEY involved, when it is known and
 *     unambiguous
 * @param reason what is wrong, for grouping
 * @param detail one line naming the specifics (expected and actual values)
 */
public record GateFailure(
        Name owner,
        int type,
        Optional<KeyTag> keyTag,
        Optional<Fingerprint> fingerprint,
        Reason reason,
        String detail) {

    public GateFailure {
        Objects.requireNonNull(owner, "owner");
        Type.check(type);
        Objects.requireNonNull(keyTag, "keyTag");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }

    static GateFailure of(Name owner, int type, Reason reason, String detail) {
        return new GateFailure(owner, type, Optional.empty(), Optional.empty(), reason, detail);
    }

    static GateFailure of(Name owner, int type, int keyTag, Fingerprint fingerprint, Reason reason, String detail) {
        return new GateFailure(
                owner, type, Optional.of(new KeyTag(keyTag)), Optional.ofNullable(fingerprint), reason, detail);
    }

    /** {@code www.example. A key=33834 fp=1a2b3c4d BAD_SIGNATURE: ...}: one line for logs and reports. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(owner).append(' ').append(Type.string(type));
        keyTag.ifPresent(t -> sb.append(" key=").append(t));
        fingerprint.ifPresent(f -> sb.append(" fp=").append(f.shortHex()));
        return sb.append(' ').append(reason).append(": ").append(detail).toString();
    }

    /** Why the gate refuses a zone; {@link GateVerdict#summary()} groups failures by it. */
    public enum Reason {
        /** A record outside the zone's origin, or of a class other than IN. */
        OUT_OF_ZONE("record outside the zone or not class IN"),
        /** The apex has no SOA, or more than one. */
        MISSING_SOA("apex SOA missing or not unique"),
        /** The apex has no DNSKEY RRset with a usable zone key. */
        MISSING_DNSKEY("apex DNSKEY RRset missing or without zone keys"),
        /** A DNSKEY whose public key cannot be decoded. */
        BAD_DNSKEY("DNSKEY public key cannot be decoded"),
        /** A DNSKEY or RRSIG algorithm the gate cannot verify: never skipped (INV-D2). */
        UNSUPPORTED_ALGORITHM("algorithm the gate cannot verify"),
        /** Records of one RRset carry different TTLs (RFC 2181 §5.2). */
        TTL_MISMATCH_IN_RRSET("RRs of one RRset have different TTLs"),
        /** An authoritative RRset without any RRSIG of an algorithm in the apex DNSKEY RRset. */
        NOT_SIGNED("authoritative RRset lacks an RRSIG of an algorithm in the DNSKEY RRset"),
        /** The DNSKEY RRset lacks a valid signature by a SEP (KSK) key of some algorithm. */
        DNSKEY_NOT_SIGNED_BY_SEP("DNSKEY RRset not signed by a SEP key of each algorithm"),
        /** An RRSIG names a key tag and algorithm that no published zone key has (DENIC shape). */
        NO_MATCHING_DNSKEY("RRSIG names a key that is not in the published DNSKEY RRset"),
        /** An RRSIG that does not verify with the published DNSKEY it names (DENIC shape). */
        BAD_SIGNATURE("RRSIG does not verify with the published DNSKEY"),
        /** RRSIG inception is after now. */
        SIGNATURE_NOT_YET_VALID("RRSIG inception is in the future"),
        /** RRSIG expiration is before now. */
        SIGNATURE_EXPIRED("RRSIG has expired"),
        /** RRSIG expires before now plus the policy's minimum validity margin. */
        SIGNATURE_EXPIRES_WITHIN_MARGIN("RRSIG expires within the minimum validity margin"),
        /** RRSIG original TTL differs from the RRset's TTL. */
        ORIGINAL_TTL_MISMATCH("RRSIG original TTL differs from the RRset TTL"),
        /** RRSIG TTL differs from the TTL of the RRset it covers (RFC 4035 §2.2). */
        RRSIG_TTL_MISMATCH("RRSIG TTL differs from the RRset TTL"),
        /** RRSIG labels field is wrong for the owner name (wildcards: RFC 4034 §3.1.3). */
        WRONG_LABELS("RRSIG labels field wrong"),
        /** RRSIG signer name is not the zone apex. */
        WRONG_SIGNER("RRSIG signer name is not the zone apex"),
        /** Delegation NS, glue or occluded data carries an RRSIG (RFC 4035 §2.2: MUST NOT). */
        SIGNED_NON_AUTHORITATIVE("non-authoritative data is signed"),
        /** An RRSIG covering a type that has no RRset at its owner. */
        ORPHAN_SIGNATURE("RRSIG covers a type absent at its owner"),
        /** A DS RRset at the apex or at a name that is not a delegation. */
        MISPLACED_DS("DS not at a delegation point"),
        /** Neither NSEC nor NSEC3 (with NSEC3PARAM) denial of existence. */
        NO_DENIAL("no NSEC or NSEC3 chain"),
        /** Both NSEC and NSEC3 records in one zone. */
        MIXED_DENIAL("both NSEC and NSEC3 records"),
        /** A name that needs an NSEC has none. */
        NSEC_MISSING("owner without NSEC"),
        /** An NSEC whose next name is not the next owner in canonical order, or two NSECs at a name. */
        NSEC_CHAIN_BROKEN("NSEC chain broken"),
        /** An NSEC type bitmap that differs from the types at its owner. */
        NSEC_BITMAP_MISMATCH("NSEC type bitmap differs from the types present"),
        /** An NSEC at a name that must not have one (empty non-terminal, glue, occluded). */
        NSEC_STRAY("NSEC at a name that must not have one"),
        /** NSEC or NSEC3 TTL differs from min(SOA TTL, SOA minimum) (RFC 9077). */
        DENIAL_TTL_MISMATCH("NSEC/NSEC3 TTL is not min(SOA TTL, SOA minimum)"),
        /** NSEC3 records without an NSEC3PARAM at the apex. */
        NSEC3PARAM_MISSING("NSEC3PARAM missing at the apex"),
        /** NSEC3PARAM with unknown hash or flags, or more than one. */
        NSEC3PARAM_INVALID("NSEC3PARAM invalid or not unique"),
        /** NSEC3 iterations above 0 (RFC 9276, INV-D6). */
        NSEC3_ITERATIONS("NSEC3 iterations above 0"),
        /** NSEC3 salt not empty (RFC 9276, INV-D6). */
        NSEC3_SALT("NSEC3 salt not empty"),
        /** An NSEC3 whose hash, iterations or salt differ from the NSEC3PARAM. */
        NSEC3_PARAMETER_MISMATCH("NSEC3 parameters differ from NSEC3PARAM"),
        /** An NSEC3 with a malformed owner, next hashed owner or flags. */
        NSEC3_MALFORMED("NSEC3 owner, next hash or flags malformed"),
        /** A name that needs an NSEC3 has none (and no opt-out covers it). */
        NSEC3_MISSING("name without NSEC3"),
        /** NSEC3 chain not closed in hash order, or duplicate hashes. */
        NSEC3_CHAIN_BROKEN("NSEC3 chain broken"),
        /** An NSEC3 type bitmap that differs from the types at the name it hashes. */
        NSEC3_BITMAP_MISMATCH("NSEC3 type bitmap differs from the types present"),
        /** An NSEC3 whose hash matches no name in the zone. */
        NSEC3_STRAY("NSEC3 matches no name in the zone"),
        /** No apex ZONEMD the gate can verify, and the policy requires one. */
        ZONEMD_MISSING("required ZONEMD (SIMPLE, SHA-384) missing"),
        /** The ZONEMD digest differs from the zone's digest. */
        ZONEMD_MISMATCH("ZONEMD digest does not match the zone"),
        /** The ZONEMD serial differs from the SOA serial. */
        ZONEMD_SERIAL_MISMATCH("ZONEMD serial differs from the SOA serial"),
        /** Two apex ZONEMD records with the same scheme and hash algorithm (RFC 8976 §2.4). */
        ZONEMD_DUPLICATE("duplicate ZONEMD scheme and hash algorithm");

        private final String description;

        Reason(String description) {
            this.description = description;
        }

        /** One line for the summary table. */
        public String description() {
            return description;
        }
    }
}
