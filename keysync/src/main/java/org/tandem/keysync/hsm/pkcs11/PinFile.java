package org.tandem.keysync.hsm.pkcs11;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmUnavailableException;

/** Reads a user PIN from its file: one line, trailing newline ignored. Never from argv or env. */
final class PinFile {
    private static final Logger LOG = LoggerFactory.getLogger(PinFile.class);

    private PinFile() {}

    static char[] read(HsmId hsm, Path file) throws HsmUnavailableException {
        if (!Files.exists(file)) {
            throw new HsmUnavailableException(hsm, "PIN file " + file + " does not exist");
        }
        if (!Files.isReadable(file) || Files.isDirectory(file)) {
            throw new HsmUnavailableException(hsm, "PIN file " + file + " is not readable by this user");
        }
        warnIfOthersCanRead(hsm, file);
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new HsmUnavailableException(hsm, "cannot read PIN file " + file + ": " + e.getMessage(), e);
        }
        try {
            int end = raw.length;
            while (end > 0 && (raw[end - 1] == '\n' || raw[end - 1] == '\r')) {
                end--;
            }
            if (end == 0) {
                throw new HsmUnavailableException(hsm, "PIN file " + file + " is empty");
            }
            CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(raw, 0, end));
            char[] pin = new char[chars.remaining()];
            chars.get(pin);
            Arrays.fill(chars.array(), '\0');
            return pin;
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static void warnIfOthersCanRead(HsmId hsm, Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
                LOG.warn("hsm={} PIN file {} is readable by group or others; run: chmod 600 {}", hsm, file, file);
            }
        } catch (UnsupportedOperationException | IOException e) {
            LOG.debug("hsm={} cannot check permissions of {}: {}", hsm, file, e.toString());
        }
    }
}
