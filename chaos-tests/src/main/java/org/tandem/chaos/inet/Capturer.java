package org.tandem.chaos.inet;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.JsonLines;
import org.tandem.chaos.history.ZoneDigest;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneTransferException;
import org.xbill.DNS.ZoneTransferIn;

/**
 * Takes every zone version the authoritative server serves: {@link #poll} asks its SOA (UDP, no RD)
 * and, for a serial not captured yet, transfers the zone by AXFR and writes {@code
 * published/<zone>/<serial>.zone} below the output directory (temp file, fsync, atomic rename; one
 * record per line in AXFR order without the closing SOA), then appends a {@link CapturedVersion} to
 * {@code captures.jsonl}. Serials in an existing {@code captures.jsonl} count as captured (a restarted
 * observer does not write them twice).
 *
 * <p>Not thread-safe: one capture thread owns it.
 */
final class Capturer {
    /** A whole AXFR may take this long (the SOA query takes the observer's timeout). */
    static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(60);

    private final Name zone;
    private final InetSocketAddress auth;
    private final Duration timeout;
    private final Path out;
    private final JsonLines captures;
    private final Clock clock;
    private final SimpleResolver soa;
    private final Set<Long> captured = ConcurrentHashMap.newKeySet();
    private final Map<Long, Instant> firstSeen = new ConcurrentHashMap<>();

    Capturer(Name zone, InetSocketAddress auth, Duration timeout, Path out, JsonLines captures, Clock clock) {
        this.zone = Objects.requireNonNull(zone, "zone");
        this.auth = Objects.requireNonNull(auth, "auth");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.out = Objects.requireNonNull(out, "out");
        this.captures = Objects.requireNonNull(captures, "captures");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.soa = new SimpleResolver(auth);
        this.soa.setTimeout(timeout);
        for (CapturedVersion v : JsonLines.read(out.resolve(ObserverMain.CAPTURES), CapturedVersion.class)) {
            if (v.zone().equalsIgnoreCase(zone.toString())) {
                captured.add(v.serial());
            }
        }
    }

    /** The file a serial is written to, relative to the output directory. */
    static String file(Name zone, long serial) {
        String z = zone.toString(true);
        return ObserverMain.PUBLISHED + "/" + (z.isEmpty() ? "root" : z) + "/" + serial + ".zone";
    }

    /**
     * One round: the SOA, and the AXFR when its serial is new.
     *
     * @return the version captured in this round, if any
     * @throws IOException naming zone, server and serial, when the SOA query, the transfer or the
     *     writing failed; the next round tries again
     */
    Optional<CapturedVersion> poll() throws IOException {
        long serial = servedSerial();
        if (captured.contains(serial)) {
            return Optional.empty();
        }
        firstSeen.putIfAbsent(serial, clock.instant());
        List<Record> axfr = transfer(serial);
        long got = ((SOARecord) axfr.get(0)).getSerial();
        if (captured.contains(got)) {
            return Optional.empty();
        }
        Instant at = firstSeen.getOrDefault(got, clock.instant());
        List<Record> records = axfr.size() > 1 && axfr.get(axfr.size() - 1).getType() == Type.SOA
                ? axfr.subList(0, axfr.size() - 1)
                : axfr;
        StringBuilder text = new StringBuilder();
        for (Record r : records) {
            text.append(r).append('\n');
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        String relative = file(zone, got);
        try {
            write(out.resolve(relative), bytes);
        } catch (IOException e) {
            throw new IOException(
                    "zone " + zone + " serial " + got + " from " + AuthServer.knotAddress(auth) + ": cannot write "
                            + relative + ": " + e.getMessage(),
                    e);
        }
        CapturedVersion v = new CapturedVersion(
                at, zone.toString(), got, relative, sha256(bytes), records.size(), ZoneDigest.sha256Hex(records));
        captures.write(v);
        captured.add(got);
        firstSeen.keySet().removeIf(captured::contains);
        return Optional.of(v);
    }

    private long servedSerial() throws IOException {
        Message q = Message.newQuery(Record.newRecord(zone, Type.SOA, DClass.IN));
        q.getHeader().unsetFlag(Flags.RD);
        String where = "zone " + zone + " SOA from " + AuthServer.knotAddress(auth);
        Message a;
        try {
            a = soa.send(q);
        } catch (IOException e) {
            throw new IOException(where + ": no answer: " + e, e);
        }
        if (a.getRcode() != Rcode.NOERROR) {
            throw new IOException(where + ": " + Rcode.string(a.getRcode()));
        }
        return a.getSection(Section.ANSWER).stream()
                .filter(r -> r instanceof SOARecord && r.getName().equals(zone))
                .map(r -> ((SOARecord) r).getSerial())
                .findFirst()
                .orElseThrow(() -> new IOException(where + ": NOERROR without the SOA in the answer"));
    }

    private List<Record> transfer(long serial) throws IOException {
        String where = "zone " + zone + " serial " + serial + " AXFR from " + AuthServer.knotAddress(auth);
        ZoneTransferIn x = ZoneTransferIn.newAXFR(zone, auth, null);
        x.setTimeout(TRANSFER_TIMEOUT);
        try {
            x.run();
        } catch (ZoneTransferException e) {
            throw new IOException(where + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IOException(where + ": " + e, e);
        }
        List<Record> records = x.getAXFR();
        if (records == null || records.isEmpty() || !(records.get(0) instanceof SOARecord)) {
            throw new IOException(where + ": the transfer did not start with the SOA");
        }
        return records;
    }

    private static void write(Path target, byte[] bytes) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (OutputStream o = Files.newOutputStream(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            o.write(bytes);
        }
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}
