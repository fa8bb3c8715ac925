package org.tandem.signer.zone;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * Checks the records read from a zone's master file as a whole and makes the {@link UnsignedZone}:
 * removes the records the signer makes itself, rejects a zone without exactly one SOA at the apex,
 * without NS at the apex, with a CNAME at the apex or beside other data, gives every RRset one TTL
 * and drops exact duplicates.
 *
 * <p>Stateless; the logs name the zone.
 */
final class ZoneChecker {
    private static final Logger log = LoggerFactory.getLogger(ZoneChecker.class);

    /** Made by the signer wherever they are; a previously signed zone carries them. */
    private static final Set<Integer> SIGNER_TYPES = Set.of(Type.RRSIG, Type.NSEC, Type.NSEC3, Type.NSEC3PARAM);

    /** Made by the signer at the apex (keys, their CDS/CDNSKEY, RFC 8976 ZONEMD); data elsewhere. */
    private static final Set<Integer> SIGNER_APEX_TYPES = Set.of(Type.DNSKEY, Type.CDS, Type.CDNSKEY, Type.ZONEMD);

    /** Up to this many records an RRset is searched for duplicates pair by pair, not hashed. */
    private static final int SMALL_RRSET = 8;

    /** How many records a TTL warning lists. */
    private static final int LISTED = 6;

    private static final Comparator<SourcedRecord> CANONICAL = Comparator.comparing(
                    (SourcedRecord r) -> r.record().getName())
            .thenComparingInt(r -> r.record().getType())
            .thenComparingInt(SourcedRecord::seq);

    private final ZoneName zone;
    private final Name apex;
    private final Path source;
    /** The outcome, by {@link SourcedRecord#seq()}; null where a record was removed. */
    private final Record[] kept;

    private ZoneChecker(ZoneName zone, Path source, int size) {
        this.zone = zone;
        this.apex = zone.name();
        this.source = source;
        this.kept = new Record[size];
    }

    /**
     * Checks {@code read} (in reading order, {@code seq} 0, 1, 2, …) and returns the zone.
     *
     * @throws ZoneLoadException naming the file and line of the first defect found
     */
    static UnsignedZone check(ZoneName zone, Path source, List<SourcedRecord> read) throws ZoneLoadException {
        return new ZoneChecker(zone, source, read.size()).run(read);
    }

    private UnsignedZone run(List<SourcedRecord> read) throws ZoneLoadException {
        if (read.isEmpty()) {
            throw new ZoneLoadException(
                    source, 0, null, "empty zone file: no records (a zone needs an SOA and NS at the apex)");
        }
        List<SourcedRecord> records = withoutSignerRecords(read);
        SourcedRecord soa = soa(records, read.get(0));
        for (SourcedRecord r : records) {
            kept[r.seq()] = r.record();
        }

        List<SourcedRecord> sorted = new ArrayList<>(records);
        sorted.sort(CANONICAL);
        boolean apexNs = false;
        SourcedRecord dname = null;
        int n = sorted.size();
        for (int i = 0; i < n; ) {
            int ownerEnd = i + 1;
            while (ownerEnd < n && sameOwner(sorted.get(ownerEnd), sorted.get(i))) {
                ownerEnd++;
            }
            List<SourcedRecord> owner = sorted.subList(i, ownerEnd);
            checkCname(owner);
            // canonical order puts every name below a DNAME right after it (RFC 6672 §2.3: occluded)
            Name here = owner.get(0).record().getName();
            if (dname != null
                    && here.subdomain(dname.record().getName())
                    && !here.equals(dname.record().getName())) {
                throw rejection(
                        owner.get(0),
                        "data below the DNAME at " + dname.record().getName() + " (line " + dname.line()
                                + ") can never be answered (RFC 6672 §2.3); remove it or the DNAME",
                        "data below a DNAME (RFC 6672 §2.3)",
                        dname);
            }
            if (dname == null || !here.subdomain(dname.record().getName())) {
                dname = owner.stream()
                        .filter(r -> r.record().getType() == Type.DNAME)
                        .findFirst()
                        .orElse(null);
            }
            for (int j = i; j < ownerEnd; ) {
                int rrsetEnd = j + 1;
                while (rrsetEnd < ownerEnd && sameType(sorted.get(rrsetEnd), sorted.get(j))) {
                    rrsetEnd++;
                }
                List<SourcedRecord> rrset = sorted.subList(j, rrsetEnd);
                checkRrset(rrset);
                apexNs |= rrset.get(0).record().getType() == Type.NS && isApex(rrset.get(0));
                j = rrsetEnd;
            }
            i = ownerEnd;
        }
        if (!apexNs) {
            throw rejection(soa, "no NS records at the zone apex " + zone, "no NS records at the zone apex " + zone);
        }

        List<Record> result = new ArrayList<>(records.size());
        for (Record r : kept) {
            if (r != null) {
                result.add(r);
            }
        }
        log.info("zone={} loaded records={} file={}", zone, result.size(), source);
        return new UnsignedZone(zone, (SOARecord) kept[soa.seq()], result, source);
    }

    /**
     * Removes RRSIG, NSEC, NSEC3, NSEC3PARAM anywhere and DNSKEY, CDS, CDNSKEY, ZONEMD at the apex:
     * an operator may feed a previously signed zone, and the signer makes all of these afresh. One
     * warning per type.
     */
    private List<SourcedRecord> withoutSignerRecords(List<SourcedRecord> read) {
        List<SourcedRecord> records = new ArrayList<>(read.size());
        Map<Integer, List<SourcedRecord>> removed = new LinkedHashMap<>();
        for (SourcedRecord r : read) {
            int type = r.record().getType();
            if (SIGNER_TYPES.contains(type) || (SIGNER_APEX_TYPES.contains(type) && isApex(r))) {
                removed.computeIfAbsent(type, t -> new ArrayList<>()).add(r);
            } else {
                records.add(r);
            }
        }
        removed.forEach((type, list) -> log.warn(
                "zone={} removed {} {} record(s) from the input, first at {}:{}: the signer makes them itself",
                zone,
                list.size(),
                Type.string(type),
                list.get(0).file(),
                list.get(0).line()));
        return records;
    }

    /** RFC 1035 §5.2: exactly one SOA, at the top of the zone. */
    private SourcedRecord soa(List<SourcedRecord> records, SourcedRecord first) throws ZoneLoadException {
        SourcedRecord soa = null;
        for (SourcedRecord r : records) {
            if (r.record().getType() != Type.SOA) {
                continue;
            }
            if (!isApex(r)) {
                throw rejection(
                        r,
                        "SOA at " + r.record().getName() + " is not at the zone apex " + zone,
                        "an SOA not at the zone apex " + zone);
            }
            if (soa != null) {
                throw rejection(
                        r,
                        "more than one SOA at the zone apex; the first is at " + soa.where(r.file()),
                        "more than one SOA at the zone apex",
                        soa);
            }
            soa = r;
        }
        if (soa == null) {
            throw rejection(
                    first,
                    "no SOA at the zone apex " + zone + "; reported at the zone's first record",
                    "no SOA at the zone apex " + zone + "; reported at the zone's first record");
        }
        return soa;
    }

    /**
     * RFC 1034 §3.6.2, RFC 2181 §10.1: a CNAME owner has no other data (RRSIG and NSEC may sit beside
     * it, and are removed before this check), and it cannot be the apex, which holds SOA and NS.
     *
     * @param owner the records of one owner, canonical type order
     */
    private void checkCname(List<SourcedRecord> owner) throws ZoneLoadException {
        SourcedRecord cname = null;
        SourcedRecord other = null;
        for (SourcedRecord r : owner) {
            if (r.record().getType() == Type.CNAME) {
                cname = cname == null || r.seq() < cname.seq() ? r : cname;
            } else {
                other = other == null || r.seq() < other.seq() ? r : other;
            }
        }
        if (cname == null) {
            return;
        }
        if (isApex(cname)) {
            throw rejection(
                    cname,
                    "CNAME at the zone apex " + zone + ", which holds SOA and NS (RFC 1034 §3.6.2)",
                    "CNAME at the zone apex (RFC 1034 §3.6.2)");
        }
        if (other != null) {
            SourcedRecord later = cname.seq() > other.seq() ? cname : other;
            throw rejection(
                    later,
                    "CNAME beside other data at " + cname.record().getName() + ": CNAME at "
                            + cname.where(later.file()) + ", "
                            + Type.string(other.record().getType()) + " at "
                            + other.where(later.file()) + " (RFC 1034 §3.6.2)",
                    "CNAME beside other data (RFC 1034 §3.6.2)",
                    cname,
                    other);
        }
    }

    /**
     * RFC 2181 §5: exact duplicates are one record, kept where first written. RFC 2181 §5.2: an RRset
     * has one TTL; differing TTLs are set to the lowest, with one warning. A CNAME RRset holds one
     * record (RFC 2181 §10.1).
     *
     * @param rrset the records of one owner and type, in reading order
     */
    private void checkRrset(List<SourcedRecord> rrset) throws ZoneLoadException {
        int size = rrset.size();
        if (size == 1) {
            return;
        }
        long lowest = Long.MAX_VALUE;
        long highest = Long.MIN_VALUE;
        for (SourcedRecord r : rrset) {
            lowest = Math.min(lowest, r.record().getTTL());
            highest = Math.max(highest, r.record().getTTL());
        }
        if (lowest != highest) {
            warnTtls(rrset, lowest);
            for (SourcedRecord r : rrset) {
                if (r.record().getTTL() != lowest) {
                    kept[r.seq()] = SourcedRecord.withTtl(r.record(), lowest);
                }
            }
        }
        // Record.equals compares owner, type, class and RDATA (canonical form), not the TTL.
        Set<Record> seen = size > SMALL_RRSET ? new HashSet<>() : null;
        SourcedRecord firstCname = null;
        for (int i = 0; i < size; i++) {
            SourcedRecord r = rrset.get(i);
            if (seen != null ? !seen.add(r.record()) : duplicatesEarlier(rrset, i)) {
                kept[r.seq()] = null;
                continue;
            }
            if (r.record().getType() == Type.CNAME) {
                if (firstCname != null) {
                    throw rejection(
                            r,
                            "more than one CNAME at " + r.record().getName() + "; the first is at "
                                    + firstCname.where(r.file()) + " (RFC 2181 §10.1)",
                            "more than one CNAME at one owner (RFC 2181 §10.1)",
                            firstCname);
                }
                firstCname = r;
            }
        }
    }

    private static boolean duplicatesEarlier(List<SourcedRecord> rrset, int i) {
        Record record = rrset.get(i).record();
        for (int j = 0; j < i; j++) {
            if (rrset.get(j).record().equals(record)) {
                return true;
            }
        }
        return false;
    }

    private void warnTtls(List<SourcedRecord> rrset, long lowest) {
        SourcedRecord first = rrset.get(0);
        String listed = rrset.stream()
                .limit(LISTED)
                .map(r -> r.record().getTTL() + " at " + r.file() + ":" + r.line())
                .collect(Collectors.joining(", "));
        boolean hidden = rrset.stream().anyMatch(r -> !r.file().equals(source));
        log.warn(
                "zone={} owner={} type={} records have different TTLs ({}{}); using the lowest, {} (RFC 2181 §5.2)",
                zone,
                hidden ? "(in an $INCLUDEd file, not shown)" : first.record().getName(),
                Type.string(first.record().getType()),
                listed,
                rrset.size() > LISTED ? ", …" : "",
                lowest);
    }

    private boolean isApex(SourcedRecord r) {
        return r.record().getName().equals(apex);
    }

    private static boolean sameOwner(SourcedRecord a, SourcedRecord b) {
        return a.record().getName().equals(b.record().getName());
    }

    private static boolean sameType(SourcedRecord a, SourcedRecord b) {
        return a.record().getType() == b.record().getType();
    }

    /**
     * The rejection of {@code r}, whose {@code reason} may quote the {@code named} records; when any
     * of them comes from an {@code $INCLUDE}d file only {@code rule}, which holds nothing of any
     * record, so that an error never quotes an included file's text.
     */
    private ZoneLoadException rejection(SourcedRecord r, String reason, String rule, SourcedRecord... named) {
        if (!r.file().equals(source)
                || Arrays.stream(named).anyMatch(n -> !n.file().equals(source))) {
            return new ZoneLoadException(r.file(), r.line(), null, rule + MasterFileReader.HIDDEN);
        }
        return new ZoneLoadException(r.file(), r.line(), SourcedRecord.presentation(r.record()), reason);
    }
}
