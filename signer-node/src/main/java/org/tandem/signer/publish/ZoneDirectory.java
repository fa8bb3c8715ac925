package org.tandem.signer.publish;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * Publishes signed zones into a directory for a hidden primary (NSD, Knot, BIND) to load:
 *
 * <pre>
 * DIR/&lt;zone&gt;.zone                 the current version (what the hidden primary loads)
 * DIR/&lt;zone&gt;/&lt;serial&gt;.zone        every published version (kept as {@link Retention} says)
 * </pre>
 *
 * where {@code <zone>} is the zone name without the trailing dot, lower case ({@code root} for the
 * root zone). Publishing is two steps so that a fenced commit (the ZooKeeper transaction that checks
 * the epoch) can sit between them: {@link #stage} writes and fsyncs a temporary file and checks that
 * the serial is not already published with different content; {@link StagedZone#promote} makes it
 * visible. Readers see the previous complete file or the new complete file, never a part (INV-D7);
 * a failure at any step leaves the previous version in place.
 *
 * <p>Contracts: the serial must never name two different zones: {@link ZoneVersionConflictException}
 * when {@code <serial>.zone} exists with other records (comment lines are not compared); promoting
 * identical content again is allowed and makes that version current. Methods are safe to call from
 * several threads; one directory must have one publishing process (the leader).
 */
public final class ZoneDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(ZoneDirectory.class);
    private static final Pattern VERSION_FILE = Pattern.compile("(\\d{1,10})\\.zone");

    /** Where a promoted version ended up. */
    public record Published(ZoneName zone, long serial, Path versionFile, Path currentFile) {
        public Published {
            Objects.requireNonNull(zone, "zone");
            Objects.requireNonNull(versionFile, "versionFile");
            Objects.requireNonNull(currentFile, "currentFile");
        }
    }

    private final Path root;
    private final Retention retention;

    /** A directory publisher; {@code root} is created on the first stage when missing. */
    public ZoneDirectory(Path root, Retention retention) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath();
        this.retention = Objects.requireNonNull(retention, "retention");
    }

    public Path root() {
        return root;
    }

    /** {@code DIR/<zone>.zone}: the file a hidden primary loads. */
    public Path currentFile(ZoneName zone) {
        return root.resolve(fileName(zone) + ".zone");
    }

    /** {@code DIR/<zone>/<serial>.zone}. */
    public Path versionFile(ZoneName zone, long serial) {
        checkSerial(serial);
        return versionDir(zone).resolve(serial + ".zone");
    }

    /** The serials kept in {@code DIR/<zone>/}, newest first (RFC 1982 order relative to the newest). */
    public List<Long> versions(ZoneName zone) throws SigningException {
        Path dir = versionDir(zone);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Long> serials = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = VERSION_FILE.matcher(p.getFileName().toString());
                if (m.matches() && Long.parseLong(m.group(1)) <= 0xFFFF_FFFFL) {
                    serials.add(Long.parseLong(m.group(1)));
                }
            }
        } catch (IOException e) {
            throw new SigningException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (serials.isEmpty()) {
            return List.of();
        }
        long newest = serials.get(0);
        for (long s : serials) {
            if (Serials.greater(s, newest)) {
                newest = s;
            }
        }
        long n = newest;
        serials.sort(Comparator.comparingLong(s -> Serials.distance(n, s)));
        return List.copyOf(serials);
    }

    /**
     * The current version as published ({@code DIR/<zone>.zone}), for a node that takes over or
     * restarts and must serve the last committed version again before it signs a new one. Empty when
     * nothing was published. IMPORTANT: a standby's directory may be older than what the cluster
     * committed; compare the serial with the committed one before serving it.
     */
    public Optional<SignedZone> current(ZoneName zone) throws SigningException {
        Path file = currentFile(zone);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        List<Record> records = SignedZoneFile.read(file, zone.name());
        long serial = records.stream()
                .filter(r -> r instanceof SOARecord && r.getName().equals(zone.name()))
                .mapToLong(r -> ((SOARecord) r).getSerial())
                .findFirst()
                .orElseThrow(() -> new SigningException(file + ": no apex SOA record"));
        long signatures =
                records.stream().filter(r -> r.getType() == Type.RRSIG).count();
        return Optional.of(new SignedZone(zone, serial, records, 0, signatures, Duration.ZERO));
    }

    /** The serial of {@code DIR/<zone>.zone}, when a version was published (for a restart). */
    public Optional<Long> currentSerial(ZoneName zone) throws SigningException {
        return SignedZoneFile.serial(currentFile(zone), zone.name());
    }

    /**
     * Step one: writes the zone into a temporary file in {@code DIR/<zone>/} and fsyncs it. Nothing is
     * visible to a hidden primary yet. The caller must {@link StagedZone#promote} or
     * {@link StagedZone#discard} (or close) the result.
     *
     * @throws ZoneVersionConflictException when {@code <serial>.zone} exists with different records
     * @throws SigningException when the file cannot be written (nothing is left behind)
     */
    public StagedZone stage(SignedZone zone) throws SigningException {
        Objects.requireNonNull(zone, "zone");
        checkSerial(zone.serial());
        Path dir = versionDir(zone.origin());
        Path tmp = null;
        try {
            tmp = DurableFiles.writeTemp(dir, zone.serial() + ".zone", header(zone), zone.records());
            Path version = versionFile(zone.origin(), zone.serial());
            if (Files.exists(version) && !sameRecords(version, tmp)) {
                throw new ZoneVersionConflictException(
                        zone.origin(), zone.serial(), version, "already published with different records");
            }
            StagedZone staged = new StagedZone(this, zone.origin(), zone.serial(), tmp);
            tmp = null;
            return staged;
        } catch (IOException e) {
            throw new SigningException(
                    "zone " + zone.origin() + " serial " + zone.serial() + ": cannot stage in " + dir + ": "
                            + e.getMessage() + "; the published zone is unchanged",
                    e);
        } finally {
            DurableFiles.deleteQuietly(tmp);
        }
    }

    /** Step two, called by {@link StagedZone#promote}. */
    Published promote(ZoneName zone, long serial, Path staged) throws SigningException {
        Path version = versionFile(zone, serial);
        Path current = currentFile(zone);
        Path currentTmp = null;
        try {
            try {
                DurableFiles.linkNew(version, staged);
            } catch (FileAlreadyExistsException e) {
                if (!sameRecords(version, staged)) {
                    throw new ZoneVersionConflictException(
                            zone, serial, version, "already published with different records");
                }
                LOG.info(
                        "zone={} serial={} already published with the same records; making it current again",
                        zone,
                        serial);
            }
            currentTmp =
                    root.resolve("." + current.getFileName() + "." + Long.toUnsignedString(System.nanoTime()) + ".tmp");
            DurableFiles.linkNew(currentTmp, version);
            DurableFiles.renameOver(currentTmp, current);
            currentTmp = null;
        } catch (IOException e) {
            throw new SigningException(
                    "zone " + zone + " serial " + serial + ": cannot publish " + version + " as " + current + ": "
                            + e.getMessage() + "; the previous version stays current",
                    e);
        } finally {
            DurableFiles.deleteQuietly(currentTmp);
            DurableFiles.deleteQuietly(staged);
        }
        LOG.info("zone={} serial={} published file={}", zone, serial, version);
        prune(zone, serial);
        return new Published(zone, serial, version, current);
    }

    private void prune(ZoneName zone, long current) throws SigningException {
        if (retention.keepsAll()) {
            return;
        }
        List<Long> versions = versions(zone);
        for (int i = retention.keepLast(); i < versions.size(); i++) {
            long s = versions.get(i);
            if (s == current) {
                continue;
            }
            Path old = versionFile(zone, s);
            try {
                Files.deleteIfExists(old);
                LOG.info(
                        "zone={} serial={} removed by retention (keep {}) file={}", zone, s, retention.keepLast(), old);
            } catch (IOException e) {
                throw new SigningException(
                        "zone " + zone + ": cannot remove old version " + old + ": " + e.getMessage(), e);
            }
        }
    }

    Path versionDir(ZoneName zone) {
        return root.resolve(fileName(zone));
    }

    /** The zone name without the trailing dot ({@code root} for the root zone). */
    static String fileName(ZoneName zone) {
        Objects.requireNonNull(zone, "zone");
        String s = zone.toString();
        if (s.equals(".")) {
            return "root";
        }
        String name = s.substring(0, s.length() - 1);
        if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("zone " + zone + " cannot be used as a file name");
        }
        return name;
    }

    private static String header(SignedZone zone) {
        return "zone " + zone.origin() + " serial " + zone.serial() + ", signed and published by Tandem ("
                + zone.records().size() + " records, " + zone.signatures() + " signatures made)";
    }

    private static void checkSerial(long serial) {
        if (serial < 0 || serial > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("SOA serial out of range: " + serial);
        }
    }

    /** Equal record lines, comment lines ignored. */
    private static boolean sameRecords(Path a, Path b) throws IOException {
        try (BufferedReader ra = Files.newBufferedReader(a, StandardCharsets.UTF_8);
                BufferedReader rb = Files.newBufferedReader(b, StandardCharsets.UTF_8)) {
            while (true) {
                String la = nextRecordLine(ra);
                String lb = nextRecordLine(rb);
                if (la == null || lb == null) {
                    return la == null && lb == null;
                }
                if (!la.equals(lb)) {
                    return false;
                }
            }
        }
    }

    private static String nextRecordLine(BufferedReader r) throws IOException {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            if (!line.startsWith(";")) {
                return line;
            }
        }
        return null;
    }
}
