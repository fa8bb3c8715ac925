package org.tandem.signer.zone;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.tandem.keysync.key.ZoneName;

/**
 * Loads an RFC 1035 master file into an {@link UnsignedZone}, or rejects it with the file, line and
 * record at fault. The only way into the signer for zone data.
 *
 * <p>Reads {@code $ORIGIN}, {@code $TTL}, {@code $INCLUDE} (relative to the including file, with an
 * optional origin), {@code $GENERATE}, escapes, parentheses, and every type dnsjava knows (SVCB,
 * HTTPS, TLSA, CAA, URI, SSHFP, OPENPGPKEY, …) as well as any type in the RFC 3597 form {@code
 * TYPE65280 \# 4 01020304}, which is kept as it is. IMPORTANT: no record is ever skipped; a type
 * name the loader does not know is an error naming the type and line. Restena (2025) lost its
 * signatures on zones holding new record types that its signer silently stopped handling: whether
 * the signer can sign every type it loaded is then for the capability canary to check, loudly.
 *
 * <p>Rejected with a {@link ZoneLoadException}: syntax errors (dnsjava's message and line), an
 * unknown type mnemonic, a class other than IN, an owner outside the zone, no SOA at the apex, more
 * than one SOA or an SOA elsewhere, no NS at the apex, a CNAME at the apex or beside other data (RFC
 * 1034 §3.6.2) or two CNAMEs at one owner, an empty file, a zone file or {@code $INCLUDE} file
 * that is missing or unreadable, an {@code $INCLUDE} outside the source's directory or of anything
 * but a regular file, and a source over its {@link ZoneLimits}.
 *
 * <p>Accepted with a warning (slf4j): the records the signer makes itself are removed (RRSIG, NSEC,
 * NSEC3, NSEC3PARAM anywhere; DNSKEY, CDS, CDNSKEY, ZONEMD at the apex), one warning per type, so a
 * previously signed zone can be fed back; an RRset whose records have different TTLs gets the
 * lowest (RFC 2181 §5.2), one warning per RRset. Exact duplicates are dropped silently (RFC 2181
 * §5). Owner names keep the case they were written in; comparisons ignore case.
 *
 * <p>Thread-safe (no shared state); the caller owns nothing that needs closing.
 */
public final class ZoneLoader {
    private ZoneLoader() {}

    /**
     * Loads the zone {@code origin} from {@code file}.
     *
     * @param file the master file; relative names in it are relative to {@code origin} until an
     *     {@code $ORIGIN}
     * @param origin the zone apex; every record must be at or below it
     * @return the checked zone, records in file order ({@code $INCLUDE}d records where included)
     * @throws ZoneLoadException naming the file, line and record of the first defect
     */
    public static UnsignedZone load(Path file, ZoneName origin) throws ZoneLoadException {
        return load(file, origin, ZoneLimits.defaults());
    }

    /**
     * Loads the zone {@code origin} from {@code file} within {@code limits}.
     *
     * <p>IMPORTANT: an {@code $INCLUDE}d file must be a regular file whose real path lies in the real
     * directory of {@code file} (or below it); anything else is refused before it is opened. An error
     * inside an included file names its file and line but quotes nothing of its text.
     *
     * @throws ZoneLoadException naming the file, line and record of the first defect, or the cap
     *     exceeded and the {@code zone-limits} setting that raises it
     */
    public static UnsignedZone load(Path file, ZoneName origin, ZoneLimits limits) throws ZoneLoadException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(limits, "limits");
        List<SourcedRecord> read = MasterFileReader.read(file, origin, limits);
        return ZoneChecker.check(origin, file, read);
    }

    /**
     * Loads the zone {@code origin} from {@code text}, as if it were the content of {@code
     * pretendSource}: messages name that path, and a relative {@code $INCLUDE} is resolved beside it.
     * For tests and for zones that arrive other than as a file.
     *
     * @throws ZoneLoadException naming {@code pretendSource} (or an included file), line and record
     */
    public static UnsignedZone parse(String text, ZoneName origin, Path pretendSource) throws ZoneLoadException {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(pretendSource, "pretendSource");
        List<SourcedRecord> read = MasterFileReader.read(text, origin, pretendSource, ZoneLimits.defaults());
        return ZoneChecker.check(origin, pretendSource, read);
    }
}
