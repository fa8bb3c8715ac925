package org.tandem.signer.zone;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * What slf4j-simple (the test binding, which looks up {@code System.err} on every line) writes while
 * open. Restores {@code System.err} on close. Not for parallel tests.
 */
final class CapturedLog implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    CapturedLog() {
        System.setErr(new PrintStream(buffer, true, UTF_8));
    }

    /** The WARN lines written so far. */
    List<String> warnings() {
        System.err.flush();
        return Arrays.stream(buffer.toString(UTF_8).split("\\R"))
                .filter(line -> line.contains("WARN"))
                .toList();
    }

    @Override
    public void close() {
        System.setErr(original);
        original.print(buffer.toString(UTF_8));
    }
}
