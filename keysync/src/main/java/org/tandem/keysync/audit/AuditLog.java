package org.tandem.keysync.audit;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.KeySyncException;

/**
 * An append-only, hash-chained audit log in JSON Lines: one line per {@link AuditEvent}, each
 * line's hash covering the hash of the line before it.
 *
 * <h2>Line format</h2>
 *
 * <p>Each line is one JSON object (RFC 8259) in UTF-8, terminated by a single {@code \n}, with
 * exactly these members in this order and no whitespace between tokens:
 *
 * <pre>
 * {"seq":1,"time":"2025-01-01T00:00:01Z","op":"GENERATE","zone":"example.","hsm":"tok-a",
 *  "fp":"ab12cd34","tag":12345,"role":"KSK","outcome":"OK","detail":"event 1",
 *  "actor":"ops@h1 signerctl keygen","prev":"000...000","hash":"&lt;64 hex&gt;"}
 * </pre>
 *
 * (shown wrapped; stored on one line). {@code seq} is a JSON integer counting from 1, equal to the
 * line number; {@code time} is {@link AuditEvent#time()} in ISO-8601 UTC as {@link
 * java.time.format.DateTimeFormatter#ISO_INSTANT} writes it (fraction digits only when non-zero, in
 * groups of three); {@code op} and {@code outcome} are enum names; {@code tag} is an integer or
 * {@code null}; the rest are strings. Strings are escaped as Jackson writes them: {@code "} and
 * {@code \} as {@code \"} and {@code \\}; control characters U+0000..U+001F as {@code \b \t \n
 * \f \r} or {@code \}{@code u00XX} (uppercase hex); everything else, all non-ASCII included, as
 * raw UTF-8. {@code prev} is the {@code hash} of the previous line, 64 {@code 0}s on the first line.
 * Hashes are lowercase hex.
 *
 * <h2>Canonical form and hash</h2>
 *
 * <p>The <em>canonical form</em> of a line is its exact UTF-8 bytes without the terminating {@code
 * \n} and without the last member: the line with its final {@code ,"hash":"<64 hex>"} removed, so
 * that it ends in a closing brace. {@code hash} is the lowercase hex SHA-256 of the canonical form.
 * The hash is always computed over the stored bytes, never over a re-encoding, so a verifier needs
 * no JSON encoder; a quote inside a string is always escaped, so the last {@code ,"hash":"} in a
 * line is the member itself. An outside re-check (Python 3):
 *
 * <pre>
 * import hashlib, json, sys
 * n, prev = 0, "0" * 64
 * for n, raw in enumerate(open(sys.argv[1], "rb").read().split(b"\n")[:-1], 1):
 *     body, _, tail = raw.rpartition(b',"hash":"')
 *     h = tail[:-2].decode()
 *     rec = json.loads(raw)
 *     assert hashlib.sha256(body + b"}").hexdigest() == h == rec["hash"], n
 *     assert rec["seq"] == n and rec["prev"] == prev, n
 *     prev = h
 * print(n, prev)
 * </pre>
 *
 * <h2>Contracts</h2>
 *
 * <ul>
 *   <li>Thread-safe, and safe across processes: each append holds an exclusive {@link FileLock} on
 *       the log file (plus a JVM-wide monitor per file, since file locks belong to the whole JVM)
 *       while it reads the last line and appends, writes the line with one write and calls {@code
 *       force(true)} before returning. Several instances, in one or many JVMs, may share a file.
 *   <li>Existing content is never rewritten or truncated. IMPORTANT: if the last line is torn
 *       (crash mid-write), unparseable or fails its own hash, {@link #append} throws {@link
 *       AuditLogCorruptException} and writes nothing; an operator must keep the file as evidence and
 *       start a new one. {@link #open} checks the last line the same way.
 *   <li>Only the last line is checked on append; {@link AuditChain#verify} checks the whole chain.
 *   <li>No resources are held between calls, so there is nothing to close.
 *   <li>A log opened with an {@link AuditSigner} also writes signed checkpoints ({@link
 *       AuditCheckpoint}) of its chain head, under the same lock as the line they follow; {@link
 *       AuditChain#verify(Path, CheckpointTrust)} checks them, so that a log rewritten with
 *       recomputed hashes is detected by whoever holds the public key. Signing is synchronous: an
 *       append that makes a checkpoint due waits for the key.
 * </ul>
 */
public final class AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    /** An event time further ahead of this log's clock than this is logged as clock skew. */
    private static final Duration MAX_FUTURE_SKEW = Duration.ofMinutes(5);
    /** FileLocks are held per JVM, so threads and instances of one JVM serialise here first. */
    private static final ConcurrentMap<Path, Object> MONITORS = new ConcurrentHashMap<>();

    /**
     * Per file, the seq of the newest checkpoint line (signed or failed) this JVM knows of: the next
     * one is due {@link CheckpointPolicy#everyLines()} lines later. Per JVM, like {@link #MONITORS}.
     */
    private static final ConcurrentMap<Path, AtomicLong> LAST_CHECKPOINT = new ConcurrentHashMap<>();

    private final Path file;
    private final Clock clock;
    /** Signs checkpoints; {@code null} for a log that writes none. */
    private final AuditSigner signer;

    private final CheckpointPolicy policy;

    private AuditLog(Path file, Clock clock, AuditSigner signer, CheckpointPolicy policy) {
        this.file = file;
        this.clock = clock;
        this.signer = signer;
        this.policy = policy;
    }

    /**
     * Opens the log at {@code file}, creating missing parent directories (0700) and the file (0600)
     * where the file system supports POSIX permissions; an existing file is used as it is.
     *
     * @param clock the time against which event times are checked for skew
     * @throws AuditLogCorruptException if the existing last line is torn or corrupt
     * @throws AuditLogException if the file cannot be created or read
     */
    public static AuditLog open(Path file, Clock clock) throws AuditLogException {
        return open(file, clock, null, CheckpointPolicy.DEFAULT);
    }

    /**
     * Opens the log like {@link #open(Path, Clock)}, with signed checkpoints (see {@link
     * AuditCheckpoint}): one at once if the newest line is not a signed checkpoint, then one after
     * every {@link CheckpointPolicy#everyLines()} lines. Start an {@link AuditCheckpointTimer} for
     * the time-based checkpoints and the one at shutdown.
     *
     * @param signer the audit-signing key; {@code null} for a log without checkpoints
     * @throws AuditLogCorruptException if the existing last line is torn or corrupt
     * @throws AuditLogException if the file cannot be created, read or written
     */
    public static AuditLog open(Path file, Clock clock, AuditSigner signer, CheckpointPolicy policy)
            throws AuditLogException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(policy, "policy");
        Path path = file.toAbsolutePath().normalize();
        try {
            create(path);
            path = path.toRealPath();
        } catch (IOException e) {
            throw new AuditLogException(path, "cannot create: " + e, e);
        }
        AuditLog log = new AuditLog(path, clock, signer, policy);
        synchronized (monitor(path)) {
            try (FileChannel channel = FileChannel.open(path, READ, WRITE)) {
                channel.lock(); // released when the channel closes
                AuditLine last = log.lastLine(channel);
                if (signer != null) {
                    if (!LAST_CHECKPOINT.containsKey(path)) {
                        LAST_CHECKPOINT.putIfAbsent(path, new AtomicLong(lastCheckpointSeq(channel)));
                    }
                    log.checkpointLocked(channel, last, "open");
                }
            } catch (IOException e) {
                throw new AuditLogException(path, "cannot read: " + e, e);
            }
        }
        return log;
    }

    /** The log file, absolute and with symbolic links resolved. */
    public Path file() {
        return file;
    }

    /**
     * Appends {@code event} as the next line and forces it to the storage device.
     *
     * @return the appended record; its {@code seq} and {@code hash} are the new head
     * @throws AuditLogCorruptException if the last line is torn or corrupt; nothing is written
     * @throws AuditLogException if the file cannot be read, locked or written
     */
    public AuditRecord append(AuditEvent event) throws AuditLogException {
        Objects.requireNonNull(event, "event");
        if (event.time().isAfter(clock.instant().plus(MAX_FUTURE_SKEW))) {
            LOG.warn("audit event time={} is ahead of clock={} file={}", event.time(), clock.instant(), file);
        }
        synchronized (monitor(file)) {
            try (FileChannel channel = FileChannel.open(file, READ, WRITE)) {
                channel.lock(); // exclusive, across processes; released when the channel closes
                AuditLine line = write(channel, lastLine(channel), event);
                if (signer != null && line.seq() - LAST_CHECKPOINT.get(file).get() >= policy.everyLines()) {
                    checkpointLocked(channel, line, "lines");
                }
                return new AuditRecord(line.seq(), event, line.prev(), line.hash());
            } catch (IOException e) {
                throw new AuditLogException(file, "cannot append " + event.operation() + ": " + e, e);
            }
        }
    }

    /**
     * Appends a signed checkpoint of the current head unless the newest line already is one (see
     * {@link AuditCheckpoint}). When the key cannot sign, a checkpoint line with outcome {@code
     * FAILED} and the reason is appended instead, and logged; the log goes on.
     *
     * @param reason why, one word: {@code interval}, {@code close}, ...
     * @return the checkpoint line appended, empty when none was needed (empty log, or already signed)
     * @throws IllegalStateException if this log was opened without a signer
     * @throws AuditLogCorruptException if the last line is torn or corrupt; nothing is written
     * @throws AuditLogException if the file cannot be read, locked or written
     */
    public Optional<AuditRecord> checkpoint(String reason) throws AuditLogException {
        Objects.requireNonNull(reason, "reason");
        if (signer == null) {
            throw new IllegalStateException("audit log " + file + " was opened without an audit-signing key");
        }
        synchronized (monitor(file)) {
            try (FileChannel channel = FileChannel.open(file, READ, WRITE)) {
                channel.lock();
                return checkpointLocked(channel, lastLine(channel), reason);
            } catch (IOException e) {
                throw new AuditLogException(file, "cannot append a checkpoint: " + e, e);
            }
        }
    }

    /** The policy this log writes checkpoints by. */
    public CheckpointPolicy checkpointPolicy() {
        return policy;
    }

    /** The signer of this log's checkpoints, if it writes any. */
    public Optional<AuditSigner> signer() {
        return Optional.ofNullable(signer);
    }

    /** The caller holds the lock and has read {@code last}. */
    private Optional<AuditRecord> checkpointLocked(FileChannel channel, AuditLine last, String reason)
            throws IOException {
        if (last == null
                || (last.op().equals(AuditOperation.CHECKPOINT.name())
                        && last.outcome().equals(AuditOutcome.OK.name()))) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        String time = DateTimeFormatter.ISO_INSTANT.format(now);
        String fingerprint = AuditCheckpoint.fingerprint(signer.publicKey());
        long lines = last.seq();
        AuditEvent event;
        try {
            byte[] signature =
                    signer.sign(AuditCheckpoint.statement(lines, last.hash(), time, policy.everyLines(), fingerprint));
            AuditCheckpoint checkpoint = new AuditCheckpoint(
                    lines,
                    last.hash(),
                    policy.everyLines(),
                    signer.keyLabel(),
                    signer.algorithm(),
                    reason,
                    Base64.getEncoder().encodeToString(signature));
            event = new AuditEvent(
                    now,
                    AuditOperation.CHECKPOINT,
                    "",
                    signer.hsm(),
                    fingerprint,
                    null,
                    "",
                    AuditOutcome.OK,
                    checkpoint.detail(),
                    "audit-log " + signer.keyLabel());
        } catch (KeySyncException e) {
            LOG.warn(
                    "audit checkpoint failed file={} key={} lines={} reason=\"{}\"",
                    file,
                    signer.keyLabel(),
                    lines,
                    e.getMessage());
            if (last.op().equals(AuditOperation.CHECKPOINT.name())) {
                return Optional.empty(); // the failure is on record already; no line per retry while the key is gone
            }
            event = new AuditEvent(
                    now,
                    AuditOperation.CHECKPOINT,
                    "",
                    signer.hsm(),
                    fingerprint,
                    null,
                    "",
                    AuditOutcome.FAILED,
                    "checkpoint of " + lines + " lines not signed: " + e.getMessage(),
                    "audit-log " + signer.keyLabel());
        }
        AuditLine line = write(channel, last, event);
        LAST_CHECKPOINT.get(file).set(line.seq());
        return Optional.of(new AuditRecord(line.seq(), event, line.prev(), line.hash()));
    }

    /** Appends the line for {@code event} after {@code last} and forces it; the caller holds the lock. */
    private static AuditLine write(FileChannel channel, AuditLine last, AuditEvent event) throws IOException {
        AuditLine line = last == null
                ? AuditLine.of(1, event, AuditLine.GENESIS)
                : AuditLine.of(last.seq() + 1, event, last.hash());
        byte[] stored = line.stored();
        ByteBuffer bytes = ByteBuffer.allocate(stored.length + 1)
                .put(stored)
                .put((byte) '\n')
                .flip();
        long position = channel.size();
        // one write for a regular file; the loop only guards against a short write
        while (bytes.hasRemaining()) {
            position += channel.write(bytes, position);
        }
        channel.force(true);
        return line;
    }

    /** The line number of the newest checkpoint line in the file, 0 for none. */
    private static long lastCheckpointSeq(FileChannel channel) throws IOException {
        // a quote inside a string value is always escaped, so only the op member can contain this
        byte[] marker = ",\"op\":\"CHECKPOINT\",".getBytes(StandardCharsets.US_ASCII);
        long line = 1;
        long found = 0;
        int matched = 0;
        ByteBuffer chunk = ByteBuffer.allocate(8192);
        long size = channel.size();
        for (long position = 0; position < size; position += chunk.capacity()) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), size - position));
            readFully(channel, chunk, position);
            for (int i = 0; i < chunk.limit(); i++) {
                byte b = chunk.get(i);
                if (b == '\n') {
                    line++;
                    matched = 0;
                } else if (b == marker[matched]) {
                    if (++matched == marker.length) {
                        found = line;
                        matched = 0;
                    }
                } else {
                    matched = b == marker[0] ? 1 : 0;
                }
            }
        }
        return found;
    }

    /** The JVM-wide monitor that guards the FileLock on {@code realPath}. */
    static Object monitor(Path realPath) {
        return MONITORS.computeIfAbsent(realPath, p -> new Object());
    }

    /** The last line, checked on its own; {@code null} for an empty file. The caller holds the lock. */
    private AuditLine lastLine(FileChannel channel) throws IOException, AuditLogCorruptException {
        long size = channel.size();
        if (size == 0) {
            return null;
        }
        ByteBuffer chunk = ByteBuffer.allocate(8192);
        long end = size - 1; // where the last line's '\n' must be
        long start = 0;
        search:
        for (long chunkEnd = size; chunkEnd > 0; chunkEnd -= chunk.capacity()) {
            long chunkStart = Math.max(0, chunkEnd - chunk.capacity());
            chunk.clear().limit((int) (chunkEnd - chunkStart));
            readFully(channel, chunk, chunkStart);
            if (chunkEnd == size && chunk.get(chunk.limit() - 1) != '\n') {
                throw new AuditLogCorruptException(
                        file, countLines(channel, size) + 1, "torn: no newline at the end (incomplete write?)");
            }
            for (int i = (int) (Math.min(chunkEnd, end) - chunkStart) - 1; i >= 0; i--) {
                if (chunk.get(i) == '\n') {
                    start = chunkStart + i + 1;
                    break search;
                }
            }
        }
        ByteBuffer raw = ByteBuffer.allocate(Math.toIntExact(end - start));
        readFully(channel, raw, start);
        AuditLine line;
        try {
            line = AuditLine.parse(raw.array());
        } catch (AuditLine.Unparseable e) {
            throw new AuditLogCorruptException(
                    file, countLines(channel, size), "unparseable: " + e.getMessage() + "; refusing to chain onto it");
        }
        Optional<String> mismatch = line.hashMismatch(raw.array());
        if (mismatch.isPresent()) {
            throw new AuditLogCorruptException(
                    file, countLines(channel, size), mismatch.get() + "; refusing to chain onto it");
        }
        return line;
    }

    private static void create(Path file) throws IOException {
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        Path parent = file.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            if (posix) {
                Files.createDirectories(
                        parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(parent);
            }
        }
        if (Files.exists(file)) {
            return;
        }
        try {
            if (posix) {
                Files.createFile(
                        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
        } catch (FileAlreadyExistsException e) {
            // another process created it between the check and here; it is used as it is
            LOG.debug("audit log file={} created concurrently", file);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new EOFException("file ended at " + (position + buffer.position()));
            }
        }
    }

    private static long countLines(FileChannel channel, long size) throws IOException {
        long lines = 0;
        ByteBuffer chunk = ByteBuffer.allocate(8192);
        for (long position = 0; position < size; position += chunk.capacity()) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), size - position));
            readFully(channel, chunk, position);
            for (int i = 0; i < chunk.limit(); i++) {
                if (chunk.get(i) == '\n') {
                    lines++;
                }
            }
        }
        return lines;
    }
}
