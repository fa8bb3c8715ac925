package org.tandem.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;

/**
 * One JSON document per command for machines (stable field names, snake_case); {@link Table} is the
 * human form.
 */
public final class Output {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Output() {}

    /** Prints {@code document} (maps, lists, strings, numbers, booleans, null) as indented JSON and flushes. */
    public static void json(PrintWriter out, Object document) {
        try {
            out.println(JSON.writeValueAsString(document));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
        out.flush();
    }
}
