package org.tandem.keysync.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The attacker of the audit tests: rewrites an audit log the way someone with write access to the
 * file would, from the documented line format alone (not Tandem's code): lines edited, inserted or
 * removed, then every {@code seq}, {@code prev} and {@code hash} recomputed so that the hash chain
 * is intact again. Checkpoint lines are kept as they are (the forger cannot sign new ones).
 */
public final class AuditForger {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditForger() {}

    /**
     * Inserts a forged line before line {@code beforeLine} (1-based) that looks like its neighbour
     * with {@code detail} and {@code actor} replaced, and recomputes the whole chain.
     */
    public static void insertAndRechain(Path file, int beforeLine, String detail, String actor) throws IOException {
        List<ObjectNode> lines = read(file);
        ObjectNode forged = lines.get(beforeLine - 1).deepCopy();
        forged.put("op", "GENERATE");
        forged.put("outcome", "OK");
        forged.put("detail", detail);
        forged.put("actor", actor);
        lines.add(beforeLine - 1, forged);
        write(file, lines);
    }

    /** Removes line {@code line} (1-based) and recomputes the whole chain. */
    public static void removeAndRechain(Path file, int line) throws IOException {
        List<ObjectNode> lines = read(file);
        lines.remove(line - 1);
        write(file, lines);
    }

    /** Removes every checkpoint line from {@code fromLine} on and recomputes the whole chain. */
    public static void removeCheckpointsAndRechain(Path file, int fromLine) throws IOException {
        List<ObjectNode> lines = read(file);
        List<ObjectNode> kept = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (i + 1 < fromLine || !lines.get(i).get("op").asText().equals("CHECKPOINT")) {
                kept.add(lines.get(i));
            }
        }
        write(file, kept);
    }

    /** The 1-based numbers of the lines whose op is CHECKPOINT. */
    public static List<Integer> checkpointLines(Path file) throws IOException {
        List<ObjectNode> lines = read(file);
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).get("op").asText().equals("CHECKPOINT")) {
                found.add(i + 1);
            }
        }
        return found;
    }

    private static List<ObjectNode> read(Path file) throws IOException {
        List<ObjectNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lines.add((ObjectNode) JSON.readTree(line));
        }
        return lines;
    }

    private static void write(Path file, List<ObjectNode> lines) throws IOException {
        StringBuilder out = new StringBuilder();
        String prev = "0".repeat(64);
        long seq = 1;
        for (ObjectNode line : lines) {
            line.put("seq", seq++);
            line.put("prev", prev);
            line.remove("hash");
            String body = JSON.writeValueAsString(line);
            prev = sha256(body.getBytes(StandardCharsets.UTF_8));
            out.append(body, 0, body.length() - 1)
                    .append(",\"hash\":\"")
                    .append(prev)
                    .append("\"}\n");
        }
        Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
