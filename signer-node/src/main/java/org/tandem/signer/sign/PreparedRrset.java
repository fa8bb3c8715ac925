package org.tandem.signer.sign;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * One RRset in canonical form: owner in lower case, records sorted by canonical RDATA, duplicates
 * dropped, one TTL (RFC 2181 §5.2: the lowest, when the input disagreed). Immutable.
 */
final class PreparedRrset {
    private final Name owner;
    private final int type;
    private final long ttl;
    private final Record[] records;
    private final byte[][] rdata;
    private final boolean ttlAdjusted;

    private PreparedRrset(Name owner, int type, long ttl, Record[] records, byte[][] rdata, boolean ttlAdjusted) {
        this.owner = owner;
        this.type = type;
        this.ttl = ttl;
        this.records = records;
        this.rdata = rdata;
        this.ttlAdjusted = ttlAdjusted;
    }

    /**
     * @param owner the owner in canonical (lower-case) form
     * @param records at least one record of {@code type}, class IN, any owner spelling of {@code owner}
     */
    static PreparedRrset of(Name owner, int type, List<? extends Record> records) {
        Objects.requireNonNull(owner, "owner");
        if (records.isEmpty()) {
            throw new IllegalArgumentException("empty RRset " + owner + " " + Type.string(type));
        }
        int n = records.size();
        if (n == 1) {
            Record r = records.get(0);
            check(owner, type, r);
            return new PreparedRrset(
                    owner,
                    type,
                    r.getTTL(),
                    new Record[] {withOwnerAndTtl(r, owner, r.getTTL())},
                    new byte[][] {Canonical.rdata(r)},
                    false);
        }
        Entry[] entries = new Entry[n];
        long minTtl = Long.MAX_VALUE;
        long maxTtl = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            Record r = records.get(i);
            check(owner, type, r);
            entries[i] = new Entry(r, Canonical.rdata(r));
            minTtl = Math.min(minTtl, r.getTTL());
            maxTtl = Math.max(maxTtl, r.getTTL());
        }
        if (n > 1) {
            Arrays.sort(entries, (a, b) -> Canonical.RDATA_ORDER.compare(a.rdata, b.rdata));
        }
        List<Record> kept = new ArrayList<>(n);
        List<byte[]> keptRdata = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (i > 0 && Arrays.equals(entries[i].rdata, entries[i - 1].rdata)) {
                continue; // RFC 4034 §6.3: duplicate RRs are not permitted in an RRset
            }
            kept.add(withOwnerAndTtl(entries[i].record, owner, minTtl));
            keptRdata.add(entries[i].rdata);
        }
        return new PreparedRrset(
                owner, type, minTtl, kept.toArray(new Record[0]), keptRdata.toArray(new byte[0][]), minTtl != maxTtl);
    }

    private static void check(Name owner, int type, Record r) {
        if (r.getType() != type || r.getDClass() != DClass.IN || !r.getName().equals(owner)) {
            throw new IllegalArgumentException("record " + r + " is not in RRset " + owner + " " + Type.string(type));
        }
    }

    /** The record with the canonical owner and the RRset's TTL; the same object when nothing changes. */
    private static Record withOwnerAndTtl(Record r, Name owner, long ttl) {
        // equal ignoring case (checked by the caller) and already lower case: the same bytes
        boolean sameName = r.getName().canonicalize() == r.getName();
        if (sameName && r.getTTL() == ttl) {
            return r;
        }
        if (r.getTTL() == ttl) {
            return r.withName(owner);
        }
        byte[] wire = r.toWire(Section.ANSWER);
        int offset = r.getName().length() + 10;
        return Record.newRecord(owner, r.getType(), DClass.IN, ttl, Arrays.copyOfRange(wire, offset, wire.length));
    }

    Name owner() {
        return owner;
    }

    int type() {
        return type;
    }

    long ttl() {
        return ttl;
    }

    /** The records in canonical order (the array is this object's; do not change it). */
    Record[] records() {
        return records;
    }

    int size() {
        return records.length;
    }

    /** True when the input had different TTLs and the lowest was applied. */
    boolean ttlAdjusted() {
        return ttlAdjusted;
    }

    /** The RR part of the RFC 4034 §3.1.8.1 signing input. */
    byte[] rrsetPart() {
        return Canonical.rrsetPart(owner, type, ttl, rdata);
    }

    /** Canonical RDATA of record {@code i}. */
    byte[] rdata(int i) {
        return rdata[i];
    }

    @Override
    public String toString() {
        return owner + " " + Type.string(type) + " (" + records.length + " RR)";
    }

    private record Entry(Record record, byte[] rdata) {}
}
