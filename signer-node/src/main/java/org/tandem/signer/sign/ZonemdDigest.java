package org.tandem.signer.sign;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneMDRecord;

/**
 * The RFC 8976 zone digest, SIMPLE scheme (1), SHA-384 (1). The digest covers every record at or
 * below the apex, glue and occluded data included, each in canonical form (RFC 4034 §6.2) and
 * canonical order, duplicates once, except the apex ZONEMD RRset and the RRSIGs covering it
 * (RFC 8976 §3.3.1). The validation gate computes its own digest independently; this one is the
 * signer's.
 *
 * <p>Thread-safe (stateless). Input already in canonical order (as {@link ZoneSigner} produces it) is
 * digested in one pass without copies; other input is sorted first.
 *
 * <p>Deliberate duplicate: the validation gate's twin is {@code org.tandem.signer.gate.Zonemd}. The gate
 * computes this independently of the signer on purpose, so that one bug cannot pass both; do not
 * merge the two (docs/adr/0003-gate-independent-of-the-signer.md).
 */
public final class ZonemdDigest {
    /** RFC 8976 §5.3: SIMPLE. */
    public static final int SCHEME_SIMPLE = 1;
    /** RFC 8976 §5.4: SHA-384. */
    public static final int HASH_SHA384 = 1;
    /** SHA-384 digest length in bytes. */
    public static final int SHA384_LENGTH = 48;

    private ZonemdDigest() {}

    /** The SHA-384 SIMPLE digest of the zone at {@code apex} made of {@code records}. */
    public static byte[] sha384Simple(Name apex, Iterable<? extends Record> records) {
        Objects.requireNonNull(apex, "apex");
        MessageDigest md = sha384();
        Entry previous = null;
        for (Record r : records) {
            if (!counts(apex, r)) {
                continue;
            }
            Entry e = Entry.of(r);
            if (previous != null) {
                int c = previous.compareTo(e);
                if (c > 0) {
                    return sorted(apex, records);
                }
                if (c == 0) {
                    continue; // RFC 8976 §3.3.1.1: duplicates are digested once
                }
            }
            e.feed(md);
            previous = e;
        }
        return md.digest();
    }

    /** The ZONEMD record for the apex (RFC 8976 §2): TTL as the SOA's, serial as the SOA's. */
    public static ZoneMDRecord record(Name apex, long ttl, long serial, byte[] digest) {
        if (digest.length != SHA384_LENGTH) {
            throw new IllegalArgumentException("SHA-384 digest must be 48 bytes, got " + digest.length);
        }
        return new ZoneMDRecord(apex, DClass.IN, ttl, serial, SCHEME_SIMPLE, HASH_SHA384, digest);
    }

    private static byte[] sorted(Name apex, Iterable<? extends Record> records) {
        List<Entry> entries = new ArrayList<>();
        for (Record r : records) {
            if (counts(apex, r)) {
                entries.add(Entry.of(r));
            }
        }
        entries.sort(Entry::compareTo);
        MessageDigest md = sha384();
        Entry previous = null;
        for (Entry e : entries) {
            if (previous == null || previous.compareTo(e) != 0) {
                e.feed(md);
            }
            previous = e;
        }
        return md.digest();
    }

    /** RFC 8976 §3.3.1: in the zone, and neither the apex ZONEMD nor an RRSIG over it. */
    private static boolean counts(Name apex, Record r) {
        if (!r.getName().subdomain(apex)) {
            return false;
        }
        if (!r.getName().equals(apex)) {
            return true;
        }
        if (r.getType() == Type.ZONEMD) {
            return false;
        }
        return !(r instanceof RRSIGRecord sig && sig.getTypeCovered() == Type.ZONEMD);
    }

    private static MessageDigest sha384() {
        try {
            return MessageDigest.getInstance("SHA-384");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-384 missing from the JDK", e);
        }
    }

    private record Entry(Name owner, int type, int dclass, long ttl, byte[] rdata) implements Comparable<Entry> {
        static Entry of(Record r) {
            return new Entry(r.getName().canonicalize(), r.getType(), r.getDClass(), r.getTTL(), Canonical.rdata(r));
        }

        void feed(MessageDigest md) {
            md.update(owner.toWireCanonical());
            byte[] fixed = {
                (byte) (type >>> 8), (byte) type, (byte) (dclass >>> 8), (byte) dclass,
                (byte) (ttl >>> 24), (byte) (ttl >>> 16), (byte) (ttl >>> 8), (byte) ttl,
                (byte) (rdata.length >>> 8), (byte) rdata.length
            };
            md.update(fixed);
            md.update(rdata);
        }

        /** Owner (canonical name order), class, type, then RDATA (RFC 4034 §6.1, §6.3). */
        @Override
        public int compareTo(Entry o) {
            int c = owner.compareTo(o.owner);
            if (c == 0) c = Integer.compare(dclass, o.dclass);
            if (c == 0) c = Integer.compare(type, o.type);
            if (c == 0) c = Arrays.compareUnsigned(rdata, o.rdata);
            return c;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && compareTo(e) == 0 && e.ttl == ttl;
        }

        @Override
        public int hashCode() {
            return Objects.hash(owner, type, dclass, ttl, Arrays.hashCode(rdata));
        }
    }
}
