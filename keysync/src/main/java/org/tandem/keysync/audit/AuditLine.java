package org.tandem.keysync.audit;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One stored line, field for field, and its codec: the canonical bytes (see {@link AuditLog}),
 * parsing and the hash. Values are kept as the strings that are stored so that a line written by a
 * newer version (a new operation) still verifies.
 */
record AuditLine(
        long seq,
        String time,
        String op,
        String zone,
        String hsm,
        String fp,
        Integer tag,
        String role,
        String outcome,
        String detail,
        String actor,
        String prev,
        String hash) {

    static final String GENESIS = "0".repeat(64);
    static final List<String> FIELDS = List.of(
            "seq", "time", "op", "zone", "hsm", "fp", "tag", "role", "outcome", "detail", "actor", "prev", "hash");

    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
    /** The stored line's last member, {@code ,"hash":"<64 hex>"}, and the closing brace. */
    private static final int HASH_SUFFIX_LENGTH = ",\"hash\":\"".length() + 64 + "\"}".length();

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // non-BMP characters as raw UTF-8 like all other non-ASCII, not as escaped surrogate pairs
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    AuditLine {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(fp, "fp");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(actor, "actor");
        if (seq < 1) {
            throw new IllegalArgumentException("seq must be >= 1, got " + seq);
        }
        requireHash(prev, "prev");
        requireHash(hash, "hash");
    }

    /** The line for {@code event} at {@code seq} after a line whose hash is {@code prev}. */
    static AuditLine of(long seq, AuditEvent event, String prev) {
        AuditLine draft = new AuditLine(
                seq,
                DateTimeFormatter.ISO_INSTANT.format(event.time()),
                event.operation().name(),
                event.zone(),
                event.hsm(),
                event.fingerprint(),
                event.keyTag(),
                event.role(),
                event.outcome().name(),
                event.detail(),
                event.actor(),
                prev,
                GENESIS); // placeholder: render(false) does not contain the hash
        byte[] canonical = draft.render(false);
        AuditLine line = draft.withHash(sha256Hex(canonical));
        if (!Arrays.equals(canonicalOf(line.stored()), canonical)) {
            throw new IllegalStateException("the JSON encoder broke the canonical form of audit line " + seq);
        }
        return line;
    }

    /**
     * Parses a stored line, without its newline.
     *
     * @throws Unparseable if it is not a JSON object with exactly the fields, order and types of
     *     the line format, with the hash member last and written without whitespace
     */
    static AuditLine parse(byte[] raw) throws Unparseable {
        if (raw.length == 0) {
            throw new Unparseable("empty line");
        }
        JsonNode node;
        try {
            node = JSON.readTree(raw);
        } catch (IOException e) {
            throw new Unparseable(
                    "not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (node == null || !node.isObject()) {
            throw new Unparseable("not a JSON object");
        }
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        if (!names.equals(FIELDS)) {
            throw new Unparseable("fields " + names + ", expected " + FIELDS);
        }
        JsonNode seq = node.get("seq");
        JsonNode tag = node.get("tag");
        if (!seq.isIntegralNumber() || !seq.canConvertToLong()) {
            throw new Unparseable("seq is not an integer");
        }
        if (!tag.isNull() && (!tag.isIntegralNumber() || !tag.canConvertToInt())) {
            throw new Unparseable("tag is neither null nor an integer");
        }
        AuditLine line;
        try {
            line = new AuditLine(
                    seq.longValue(),
                    text(node, "time"),
                    text(node, "op"),
                    text(node, "zone"),
                    text(node, "hsm"),
                    text(node, "fp"),
                    tag.isNull() ? null : tag.intValue(),
                    text(node, "role"),
                    text(node, "outcome"),
                    text(node, "detail"),
                    text(node, "actor"),
                    text(node, "prev"),
                    text(node, "hash"));
        } catch (IllegalArgumentException e) {
            throw new Unparseable(e.getMessage());
        }
        byte[] suffix = (",\"hash\":\"" + line.hash() + "\"}").getBytes(StandardCharsets.US_ASCII);
        if (raw.length < suffix.length
                || !Arrays.equals(raw, raw.length - suffix.length, raw.length, suffix, 0, suffix.length)) {
            throw new Unparseable("does not end in the hash member " + new String(suffix, StandardCharsets.US_ASCII));
        }
        return line;
    }

    /** The stored line without its newline: the canonical form with the hash field last. */
    byte[] stored() {
        return render(true);
    }

    /**
     * The canonical form of a stored line that {@link #parse} accepted: its bytes without the final
     * {@code ,"hash":"<64 hex>"} member, so still ending in a closing brace.
     */
    static byte[] canonicalOf(byte[] stored) {
        byte[] canonical = Arrays.copyOf(stored, stored.length - HASH_SUFFIX_LENGTH + 1);
        canonical[canonical.length - 1] = '}';
        return canonical;
    }

    /** A hash mismatch in the line {@code stored} that {@link #parse} made this from, if any. */
    Optional<String> hashMismatch(byte[] stored) {
        String computed = sha256Hex(canonicalOf(stored));
        return computed.equals(hash)
                ? Optional.empty()
                : Optional.of("hash mismatch: stored " + hash + ", computed " + computed + " (the line was edited)");
    }

    AuditLine withHash(String newHash) {
        return new AuditLine(seq, time, op, zone, hsm, fp, tag, role, outcome, detail, actor, prev, newHash);
    }

    static void requireHash(String value, String name) {
        Objects.requireNonNull(value, name);
        if (!HASH.matcher(value).matches()) {
            throw new IllegalArgumentException(name + " must be 64 lowercase hex digits, got '" + value + "'");
        }
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must support SHA-256", e);
        }
    }

    private byte[] render(boolean withHash) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("seq", seq);
            g.writeStringField("time", time);
            g.writeStringField("op", op);
            g.writeStringField("zone", zone);
            g.writeStringField("hsm", hsm);
            g.writeStringField("fp", fp);
            if (tag == null) {
                g.writeNullField("tag");
            } else {
                g.writeNumberField("tag", tag.intValue());
            }
            g.writeStringField("role", role);
            g.writeStringField("outcome", outcome);
            g.writeStringField("detail", detail);
            g.writeStringField("actor", actor);
            g.writeStringField("prev", prev);
            if (withHash) {
                g.writeStringField("hash", hash);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding audit line " + seq + " in memory failed", e);
        }
        return out.toByteArray();
    }

    private static String text(JsonNode node, String field) throws Unparseable {
        JsonNode value = node.get(field);
        if (!value.isTextual()) {
            throw new Unparseable(field + " is not a string");
        }
        return value.textValue();
    }

    /** A stored line is not in the canonical form; the message says why. */
    static final class Unparseable extends Exception {
        private static final long serialVersionUID = 1L;

        Unparseable(String reason) {
            super(reason);
        }
    }
}
