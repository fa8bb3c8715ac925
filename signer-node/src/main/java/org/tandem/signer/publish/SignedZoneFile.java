package org.tandem.signer.publish;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tandem.signer.SigningException;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;

/** Reads a signed zone file as published (all records, DNSSEC ones included) for the gate and the serial. */
public final class SignedZoneFile {
    private SignedZoneFile() {}

    public static List<Record> read(Path file, Name origin) throws SigningException {
        if (!Files.isRegularFile(file)) {
            throw new SigningException(file + ": signed zone file not found");
        }
        List<Record> records = new ArrayList<>();
        try (Master master = new Master(file.toString(), origin)) {
            for (Record r = master.nextRecord(); r != null; r = master.nextRecord()) {
                records.add(r);
            }
        } catch (IOException e) {
            throw new SigningException(file + ": " + e.getMessage(), e);
        }
        if (records.isEmpty()) {
            throw new SigningException(file + ": empty zone file");
        }
        return records;
    }

    /** The apex SOA serial of a previously published file, when there is one. */
    public static Optional<Long> serial(Path file, Name origin) throws SigningException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return read(file, origin).stream()
                .filter(r -> r instanceof SOARecord && r.getName().equals(origin))
                .map(r -> ((SOARecord) r).getSerial())
                .findFirst();
    }
}
