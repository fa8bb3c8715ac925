package org.tandem.signer.publish;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32C;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;

/**
 * The difference between two consecutive versions of a zone, as one IXFR sequence carries it
 * (RFC 1995 §4): the old SOA, the records deleted, the new SOA, the records added. Apex SOAs are not
 * in the lists. A record whose TTL changed is deleted and added again (dnsjava's record equality
 * ignores the TTL; this compares exact wire forms, TTL and letter case included).
 */
record ZoneDiff(SOARecord from, List<Record> deleted, SOARecord to, List<Record> added) {
    ZoneDiff {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        deleted = List.copyOf(deleted);
        added = List.copyOf(added);
    }

    /**
     * A record's exact uncompressed wire form (owner, type, class, TTL, RDATA, case kept), for set
     * membership: serialised once per record and hashed with CRC-32C (dnsjava's
     * {@code Record.hashCode} serialises again on every call and ignores the TTL).
     */
    private static final class WireKey {
        private final byte[] wire;
        private final int hash;

        WireKey(Record r) {
            wire = r.toWire(Section.ANSWER);
            CRC32C crc = new CRC32C();
            crc.update(wire);
            hash = (int) crc.getValue();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof WireKey k && k.hash == hash && Arrays.equals(k.wire, wire);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private static WireKey key(Record r) {
        return new WireKey(r);
    }

    /** The records of {@code newer} not in {@code older} and the other way round, each in zone order. */
    static ZoneDiff between(SOARecord fromSoa, List<Record> older, SOARecord toSoa, List<Record> newer) {
        WireKey[] oldKeys = new WireKey[older.size()];
        Set<WireKey> oldSet = new HashSet<>(older.size() * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            oldKeys[i] = key(older.get(i));
            oldSet.add(oldKeys[i]);
        }
        Set<WireKey> newSet = new HashSet<>(newer.size() * 2);
        List<Record> added = new ArrayList<>();
        for (Record r : newer) {
            WireKey k = key(r);
            newSet.add(k);
            if (!oldSet.contains(k)) {
                added.add(r);
            }
        }
        List<Record> deleted = new ArrayList<>();
        for (int i = 0; i < oldKeys.length; i++) {
            if (!newSet.contains(oldKeys[i])) {
                deleted.add(older.get(i));
            }
        }
        return new ZoneDiff(fromSoa, deleted, toSoa, added);
    }

    /** Records this sequence puts on the wire: both SOAs and the changes. */
    int size() {
        return 2 + deleted.size() + added.size();
    }

    /** Appends the RFC 1995 sequence: old SOA, deletions, new SOA, additions. */
    void appendTo(List<Record> stream) {
        stream.add(from);
        stream.addAll(deleted);
        stream.add(to);
        stream.addAll(added);
    }
}
