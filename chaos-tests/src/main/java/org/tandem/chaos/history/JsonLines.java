package org.tandem.chaos.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The harness's record files: one JSON object per line, appended and flushed line by line, so that
 * a process killed half-way leaves every complete line readable. Times are ISO-8601 strings.
 */
public final class JsonLines implements AutoCloseable {
    /** The mapper every record file of the harness uses. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final BufferedWriter out;

    private JsonLines(BufferedWriter out) {
        this.out = out;
    }

    /** Opens {@code file} for appending, creating it and its directory. */
    public static JsonLines append(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return new JsonLines(Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    }

    /** Writes one record as a line and flushes it. */
    public synchronized void write(Object record) throws IOException {
        out.write(MAPPER.writeValueAsString(record));
        out.write('\n');
        out.flush();
    }

    /** Every complete line of {@code file} as {@code type}; a torn last line is ignored; a missing file is empty. */
    public static <T> List<T> read(Path file, Class<T> type) {
        List<T> result = new ArrayList<>();
        if (!Files.exists(file)) {
            return result;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    result.add(MAPPER.readValue(line, type));
                } catch (JsonProcessingException e) {
                    // a line cut by a kill: everything before it is complete
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return result;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }

    /**
     * A record file read as it grows: each {@link #all()} parses only the complete lines appended
     * since the last call (the harness polls its record files every 200 ms; re-reading them whole
     * made every poll O(run length)). Thread-safe.
     *
     * @param <T> the record type
     */
    public static final class Tail<T> {
        private final Path file;
        private final Class<T> type;
        private final List<T> records = new ArrayList<>();
        private long offset;

        public Tail(Path file, Class<T> type) {
            this.file = file;
            this.type = type;
        }

        /** Every complete record so far, in file order (a torn last line waits for its end). */
        public synchronized List<T> all() {
            if (Files.exists(file)) {
                try (FileChannel ch = FileChannel.open(file)) {
                    long size = ch.size();
                    if (size > offset) {
                        ByteBuffer buf = ByteBuffer.allocate((int) (size - offset));
                        while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
                            // read to the end
                        }
                        byte[] bytes = Arrays.copyOf(buf.array(), buf.position());
                        int end = lastNewline(bytes);
                        if (end >= 0) {
                            for (String line : new String(bytes, 0, end + 1, StandardCharsets.UTF_8).split("\n")) {
                                parse(line);
                            }
                            offset += end + 1;
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + file, e);
                }
            }
            return List.copyOf(records);
        }

        /** The last complete record, if any. */
        public synchronized Optional<T> last() {
            all();
            return records.isEmpty() ? Optional.empty() : Optional.of(records.get(records.size() - 1));
        }

        private void parse(String line) {
            if (line.isBlank()) {
                return;
            }
            try {
                records.add(MAPPER.readValue(line, type));
            } catch (JsonProcessingException e) {
                // a line the writer never finished (killed mid-line, then restarted): skip it
            }
        }

        private static int lastNewline(byte[] b) {
            for (int i = b.length - 1; i >= 0; i--) {
                if (b[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }
    }
}
