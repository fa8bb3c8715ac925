package org.tandem.signer.publish;

import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * One immutable served version of a zone: its apex SOA, the other records in zone order, the AXFR
 * message split computed once, and the IXFR journal (oldest difference first; the last one ends at
 * this version). Replaced whole by {@link TransferServer#serve}, so a transfer in progress keeps
 * the version it started with.
 */
final class ServedZone {
    final ZoneName zone;
    final SOARecord soa;
    final List<Record> body;
    final List<ZoneDiff> journal;
    final List<List<Record>> axfrMessages;

    private ServedZone(ZoneName zone, SOARecord soa, List<Record> body, List<ZoneDiff> journal, int messageBudget) {
        this.zone = zone;
        this.soa = soa;
        this.body = body;
        this.journal = List.copyOf(journal);
        this.axfrMessages = TransferMessages.split(axfrStream(), messageBudget);
    }

    long serial() {
        return soa.getSerial();
    }

    /** The first version of a zone on this server. */
    static ServedZone first(SignedZone zone, int messageBudget) {
        Split s = split(zone);
        return new ServedZone(zone.origin(), s.soa, s.body, List.of(), messageBudget);
    }

    /**
     * The next version, with the difference from this one journalled. Keeps at most {@code maxDiffs}
     * differences, and drops the oldest while the journal holds more records than the zone itself
     * (then an AXFR is cheaper: RFC 1995 §2 lets the server answer so).
     */
    ServedZone next(SignedZone zone, int maxDiffs, int messageBudget) {
        Split s = split(zone);
        Deque<ZoneDiff> j = new ArrayDeque<>(journal);
        j.addLast(ZoneDiff.between(soa, body, s.soa, s.body));
        long total = 0;
        for (ZoneDiff d : j) {
            total += d.size();
        }
        while (!j.isEmpty() && (j.size() > maxDiffs || total > s.body.size() + 2L)) {
            total -= j.removeFirst().size();
        }
        return new ServedZone(zone.origin(), s.soa, s.body, new ArrayList<>(j), messageBudget);
    }

    /** True when {@code zone} holds exactly these records (TTL included). */
    boolean sameRecords(SignedZone zone) {
        Split s = split(zone);
        ZoneDiff d = ZoneDiff.between(soa, body, s.soa, s.body);
        return d.deleted().isEmpty() && d.added().isEmpty() && s.soa.equals(soa) && s.soa.getTTL() == soa.getTTL();
    }

    /** SOA, every other record, SOA (RFC 5936 §2.2). */
    List<Record> axfrStream() {
        return new AbstractList<>() {
            @Override
            public Record get(int i) {
                return i == 0 || i == body.size() + 1 ? soa : body.get(i - 1);
            }

            @Override
            public int size() {
                return body.size() + 2;
            }
        };
    }

    /**
     * The RFC 1995 incremental answer from {@code clientSerial} to this version: current SOA, each
     * difference in order, current SOA. Empty when the journal does not reach back to that serial.
     */
    Optional<List<Record>> ixfrStream(long clientSerial) {
        for (int i = 0; i < journal.size(); i++) {
            if (journal.get(i).from().getSerial() == clientSerial) {
                List<Record> stream = new ArrayList<>();
                stream.add(soa);
                for (ZoneDiff d : journal.subList(i, journal.size())) {
                    d.appendTo(stream);
                }
                stream.add(soa);
                return Optional.of(stream);
            }
        }
        return Optional.empty();
    }

    private record Split(SOARecord soa, List<Record> body) {}

    private static Split split(SignedZone zone) {
        SOARecord soa = null;
        List<Record> body = new ArrayList<>(zone.records().size());
        for (Record r : zone.records()) {
            if (r.getType() == Type.SOA && r.getName().equals(zone.origin().name())) {
                if (soa != null) {
                    throw new IllegalArgumentException("zone " + zone.origin() + " has two apex SOA records");
                }
                soa = (SOARecord) r;
            } else {
                body.add(r);
            }
        }
        if (soa == null) {
            throw new IllegalArgumentException("zone " + zone.origin() + " has no apex SOA record");
        }
        if (soa.getSerial() != zone.serial()) {
            throw new IllegalArgumentException("zone " + zone.origin() + ": the SOA record has serial "
                    + soa.getSerial() + " but the signed zone says " + zone.serial());
        }
        return new Split(Objects.requireNonNull(soa), List.copyOf(body));
    }
}
