package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.signer.SigningException;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

class AtomicZoneFileTest {
    @TempDir
    Path dir;

    private static List<Record> records(String ip) throws Exception {
        return List.of(new ARecord(Name.fromString("www.example.test."), DClass.IN, 300, InetAddress.getByName(ip)));
    }

    @Test
    void replacesTheFileWholeAndLeavesNoTemporaryFiles() throws Exception {
        Path out = dir.resolve("example.test.signed");
        AtomicZoneFile.write(out, "first", records("192.0.2.1"));
        AtomicZoneFile.write(out, "second\nline two", records("192.0.2.2"));
        assertThat(Files.readString(out))
                .startsWith("; second\n; line two\n")
                .contains("192.0.2.2")
                .doesNotContain("192.0.2.1");
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).containsExactly(out);
        }
    }

    @Test
    void aFailedWriteKeepsThePreviousFile() throws Exception {
        Path out = dir.resolve("zone.signed");
        AtomicZoneFile.write(out, "good", records("192.0.2.1"));
        Files.createDirectories(dir.resolve("blocked"));
        // the target is a non-empty directory: the rename fails after the temporary file was written
        Files.writeString(dir.resolve("blocked/x"), "x");
        assertThatThrownBy(() -> AtomicZoneFile.write(dir.resolve("blocked"), "bad", records("192.0.2.9")))
                .isInstanceOf(SigningException.class)
                .hasMessageContaining("previous file is unchanged");
        assertThat(Files.readString(out)).contains("192.0.2.1");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("zone.signed", "blocked");
        }
    }
}
