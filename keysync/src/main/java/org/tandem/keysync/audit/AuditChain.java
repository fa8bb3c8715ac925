package org.tandem.keysync.audit;

import static java.nio.file.StandardOpenOption.READ;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Verifies an audit log written by {@link AuditLog}: every line ends in a newline and parses (one
 * JSON object, the fields in order and of their types, the hash member last); its hash matches its
 * canonical form (defined on {@link AuditLog}); {@code seq} counts 1, 2, 3, ...; and {@code prev}
 * equals the hash of the line before (64 zeros on the first line). Together these detect an edited,
 * removed, inserted or reordered line, and a torn last line; each defect names its line.
 *
 * <p>IMPORTANT: the chain alone cannot detect that its newest lines were cut off: a truncated log
 * is a valid shorter log, and whoever can write the file can also rewrite it with a recomputed
 * chain. Keep the newest head, {@link AuditRecord#seq()} and {@link AuditRecord#hash()}, outside
 * the log host and use {@link #verify(Path, long, String)}.
 *
 * <p>Thread-safe; reads under a shared {@link FileLock}, so it never sees a half-appended line,
 * and holds nothing afterwards.
 */
public final class AuditChain {
    private AuditChain() {}

    static String shortFp(String fingerprint) {
        return fingerprint.length() > 16 ? fingerprint.substring(0, 16) : fingerprint;
    }

    /**
     * Verifies the whole chain in {@code file}.
     *
     * @throws AuditLogException if the file cannot be read; a defect in it is not an exception
     */
    public static AuditVerification verify(Path file) throws AuditLogException {
        return scan(file, 0, null);
    }

    /**
     * Verifies the whole chain and that line {@code expectedSeq} still exists with hash {@code
     * expectedHeadHash}, as recorded outside the log host. Lines appended since are fine.
     *
     * @param expectedSeq the {@link AuditRecord#seq()} of the externally kept head, at least 1
     * @param expectedHeadHash its {@link AuditRecord#hash()}
     * @throws AuditLogException if the file cannot be read
     */
    public static AuditVerification verify(Path file, long expectedSeq, String expectedHeadHash)
            throws AuditLogException {
        AuditLine.requireHash(expectedHeadHash, "expectedHeadHash");
        if (expectedSeq < 1) {
            throw new IllegalArgumentException("expectedSeq must be >= 1, got " + expectedSeq);
        }
        return scan(file, expectedSeq, expectedHeadHash);
    }

    /**
     * Verifies the whole chain and every signed checkpoint (see {@link AuditCheckpoint}) against
     * {@code trust}: a checkpoint whose signature does not verify over the log as it now is (a line
     * before it changed, even with every hash recomputed), or that a key outside {@code trust} signed,
     * is a defect naming its line. Lines after the last valid checkpoint are a warning, "N lines
     * after the last signed checkpoint"; a defect when there are more of them than the checkpoint
     * interval (an honest writer never leaves that many: checkpoints were removed, or signing
     * failed, which the log then shows as FAILED checkpoint lines) or when {@link
     * CheckpointTrust#requireSignedTail()} is set.
     *
     * @throws AuditLogException if the file cannot be read
     */
    public static AuditVerification verify(Path file, CheckpointTrust trust) throws AuditLogException {
        return scan(file, 0, null, Objects.requireNonNull(trust, "trust"));
    }

    /**
     * {@link #verify(Path, CheckpointTrust)} plus the external head of {@link #verify(Path, long,
     * String)}.
     *
     * @throws AuditLogException if the file cannot be read
     */
    public static AuditVerification verify(Path file, long expectedSeq, String expectedHeadHash, CheckpointTrust trust)
            throws AuditLogException {
        AuditLine.requireHash(expectedHeadHash, "expectedHeadHash");
        if (expectedSeq < 1) {
            throw new IllegalArgumentException("expectedSeq must be >= 1, got " + expectedSeq);
        }
        return scan(file, expectedSeq, expectedHeadHash, Objects.requireNonNull(trust, "trust"));
    }

    private static AuditVerification scan(Path file, long anchorSeq, String anchorHash) throws AuditLogException {
        return scan(file, anchorSeq, anchorHash, null);
    }

    private static AuditVerification scan(Path file, long anchorSeq, String anchorHash, CheckpointTrust trust)
            throws AuditLogException {
        Objects.requireNonNull(file, "file");
        Path path = file.toAbsolutePath().normalize();
        Scan scan = new Scan(anchorSeq, trust);
        try {
            path = path.toRealPath();
            synchronized (AuditLog.monitor(path)) {
                try (FileChannel channel = FileChannel.open(path, READ)) {
                    channel.lock(0, Long.MAX_VALUE, true); // shared; released when the channel closes
                    InputStream in = new BufferedInputStream(Channels.newInputStream(channel));
                    ByteArrayOutputStream line = new ByteArrayOutputStream(512);
                    for (int b = in.read(); b >= 0; b = in.read()) {
                        if (b == '\n') {
                            scan.line(line.toByteArray());
                            line.reset();
                        } else {
                            line.write(b);
                        }
                    }
                    if (line.size() > 0) {
                        scan.lines++;
                        scan.defect("torn: no newline at the end (incomplete write?)");
                    }
                }
            }
        } catch (IOException e) {
            throw new AuditLogException(path, "cannot read: " + e, e);
        }
        if (anchorHash != null) {
            if (scan.complete < anchorSeq) {
                scan.defects.add(new AuditDefect(
                        anchorSeq,
                        "missing: the external head is seq " + anchorSeq + " but the log has " + scan.complete
                                + " complete lines (newest lines truncated)"));
            } else if (!anchorHash.equals(scan.anchorHash)) {
                scan.defects.add(new AuditDefect(
                        anchorSeq,
                        "head mismatch: the external head hash is " + anchorHash + ", the log has "
                                + (scan.anchorHash == null ? "an unparseable line" : scan.anchorHash)
                                + " (log rewritten?)"));
            }
        }
        List<String> warnings = new ArrayList<>();
        if (trust != null) {
            scan.tail(warnings);
        }
        scan.defects.sort(Comparator.comparingLong(AuditDefect::line)); // stable: a line's defects keep their order
        return new AuditVerification(
                scan.defects.isEmpty(),
                scan.lines,
                scan.headHash,
                scan.defects,
                scan.signedCheckpoints,
                scan.lastSigned,
                warnings);
    }

    /** The running state of one pass over the file. */
    private static final class Scan {
        final List<AuditDefect> defects = new ArrayList<>();
        /** The line whose hash is compared with an external head; 0 for none. */
        final long anchorSeq;
        /** Lines seen, a torn last line included, and lines ended by a newline. */
        long lines;

        long complete;
        String headHash = AuditLine.GENESIS;
        /** The seq and prev the next line must have; unknown (0, null) after an unparseable line. */
        long nextSeq = 1;

        String nextPrev = AuditLine.GENESIS;
        /** The hash of line {@code anchorSeq}, once read. */
        String anchorHash;
        /** Checks checkpoints against these keys (by fingerprint); {@code null}: checkpoints are not checked. */
        final CheckpointTrust trust;

        final Map<String, PublicKey> keys = new LinkedHashMap<>();
        long signedCheckpoints;
        long badCheckpoints;
        /** The line of the newest checkpoint whose signature verified, 0 for none. */
        long lastSigned;

        String lastSignedTime = "";
        long lastSignedEvery = CheckpointPolicy.DEFAULT.everyLines();

        Scan(long anchorSeq, CheckpointTrust trust) {
            this.anchorSeq = anchorSeq;
            this.trust = trust;
            if (trust != null) {
                trust.keys().forEach(k -> keys.put(AuditCheckpoint.fingerprint(k), k));
            }
        }

        /** Checks the checkpoint at line {@link #lines}, whose predecessor's hash is {@code before}. */
        void checkpoint(AuditLine line, String before) {
            long covered = lines - 1;
            AuditCheckpoint c;
            try {
                c = AuditCheckpoint.parse(line.detail());
            } catch (IllegalArgumentException e) {
                defect("checkpoint unparseable: " + e.getMessage());
                return;
            }
            String what =
                    "checkpoint of lines 1.." + covered + " by key " + c.keyLabel() + " (" + shortFp(line.fp()) + ")";
            boolean claimsOther = c.lines() != covered || !c.head().equals(before);
            String moved = claimsOther
                    ? " (it was made after " + c.lines() + " lines with head " + shortFp(c.head()) + "; now " + covered
                            + " lines with head " + shortFp(before) + " precede it)"
                    : "";
            PublicKey key = keys.get(line.fp());
            if (key == null) {
                badCheckpoints++;
                defect(what + ": signed by a key that is not a trusted audit key (trusted: "
                        + keys.keySet().stream().map(AuditChain::shortFp).toList() + "); a forged checkpoint, or "
                        + "verify with that key's public key");
                return;
            }
            byte[] statement = AuditCheckpoint.statement(covered, before, line.time(), c.every(), line.fp());
            if (!AuditCheckpoint.verifies(key, c.algorithm(), statement, c.signatureBytes())) {
                badCheckpoints++;
                defect(what + ": signature does not verify: lines 1.." + covered + " are not what was signed (the log "
                        + "was rewritten with recomputed hashes: lines edited, inserted or removed) or the checkpoint "
                        + "is forged" + moved);
                return;
            }
            if (claimsOther) {
                badCheckpoints++;
                defect(what + ": its detail does not match what it signed" + moved);
                return;
            }
            signedCheckpoints++;
            lastSigned = lines;
            lastSignedTime = line.time();
            lastSignedEvery = c.every();
        }

        /** Judges the lines after the last signed checkpoint. */
        void tail(List<String> warnings) {
            long unsigned = lines - lastSigned;
            if (unsigned == 0 || badCheckpoints > 0) {
                return; // a bad checkpoint fails the log already; the first one is what to look at
            }
            String text = unsigned + " line(s) after the last signed checkpoint"
                    + (lastSigned == 0 ? " (the log has none)" : " (line " + lastSigned + ", " + lastSignedTime + ")");
            if (trust.requireSignedTail()) {
                defects.add(new AuditDefect(
                        lastSigned + 1,
                        text + "; the log must end in a signed checkpoint "
                                + "(strict: its writer was stopped cleanly)"));
            } else if (unsigned > lastSignedEvery) {
                defects.add(new AuditDefect(
                        lastSigned + 1,
                        text + ": more than the checkpoint interval of "
                                + lastSignedEvery
                                + " lines, so signed checkpoints were removed (a rewrite) or the writer could "
                                + "not sign (look for CHECKPOINT lines with outcome FAILED)"));
            } else {
                warnings.add(text + ": chained but not signed yet; anyone who can write the file could have "
                        + "changed or cut them");
            }
        }

        void line(byte[] raw) {
            lines++;
            complete++;
            AuditLine line;
            try {
                line = AuditLine.parse(raw);
            } catch (AuditLine.Unparseable e) {
                defect("unparseable: " + e.getMessage());
                nextSeq = 0;
                nextPrev = null;
                return;
            }
            String before = headHash;
            line.hashMismatch(raw).ifPresent(this::defect);
            if (nextSeq != 0 && line.seq() != nextSeq) {
                defect("seq gap: expected " + nextSeq + ", found " + line.seq());
            }
            if (nextPrev != null && !line.prev().equals(nextPrev)) {
                defect("prev mismatch: expected " + nextPrev + ", found " + line.prev()
                        + " (a line before it was removed, inserted or reordered)");
            }
            // continue from what this line says, so that one removed line is one defect, not many
            nextSeq = line.seq() + 1;
            nextPrev = line.hash();
            headHash = line.hash();
            if (lines == anchorSeq) {
                anchorHash = line.hash();
            }
            if (trust != null
                    && line.op().equals(AuditOperation.CHECKPOINT.name())
                    && line.outcome().equals(AuditOutcome.OK.name())) {
                checkpoint(line, before);
            }
        }

        void defect(String reason) {
            defects.add(new AuditDefect(lines, reason));
        }
    }
}
