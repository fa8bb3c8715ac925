package org.tandem.signer.publish;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;

/**
 * The difference between two consecutive versions of a zone, as one IXFR sequence carries it
 * (RFC 1995 §4): the old SOA, the records deleted, the new SOA, the records added. Apex SOAs are not
 * in the lists. A record whose TTL changed is deleted and added again (dnsjava's record equality
 * ignores the TTL; this does not).
 */
record ZoneDiff(SOARecord from, List<Record> deleted, SOARecord to, List<Record> added) {
    ZoneDiff {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        deleted = List.copyOf(deleted);
        added = List.copyOf(added);
    }

    /** A record with its TTL, for set membership. */
    private record Key(Record record, long ttl) {
        static Key of(Record r) {
            return new Key(r, r.getTTL());
        }
    }

    /** The records of {@code newer} not in {@code older} and the other way round, each in zone order. */
    static ZoneDiff between(SOARecord fromSoa, List<Record> older, SOARecord toSoa, List<Record> newer) {
        Set<Key> oldSet = new HashSet<>(older.size() * 2);
        for (Record r : older) {
            oldSet.add(Key.of(r));
        }
        Set<Key> newSet = new HashSet<>(newer.size() * 2);
        List<Record> added = new ArrayList<>();
        for (Record r : newer) {
            Key k = Key.of(r);
            newSet.add(k);
            if (!oldSet.contains(k)) {
                added.add(r);
            }
        }
        List<Record> deleted = new ArrayList<>();
        for (Record r : older) {
            if (!newSet.contains(Key.of(r))) {
                deleted.add(r);
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
