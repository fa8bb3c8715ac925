package org.tandem.keysync.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads every Tandem configuration file ({@code node.yaml}, {@code hsm.yaml}, the coordinator's and
 * signerctl's configuration, signing policies) with the same limits, so that a hostile or broken file
 * gets a clear error naming file, line and column and cannot exhaust the process.
 *
 * <ul>
 *   <li>a regular file only (a FIFO or a device is refused before it is opened, so nothing blocks);
 *   <li>at most {@link #MAX_BYTES} bytes, read with a bound;
 *   <li>a key given twice in one mapping is an error (YAML parsers usually keep the last silently,
 *       so a second {@code allow-transfer:} further down would quietly replace the first);
 *   <li>no aliases ({@code *name}: Jackson would read the anchor's name as the value, and a "billion
 *       laughs" file expands to nothing), a shallow nesting depth.
 * </ul>
 */
public final class YamlFiles {
    /** Largest configuration file read: far above any real one. */
    public static final int MAX_BYTES = 1 << 20;

    static final int MAX_ALIASES = 20;
    static final int MAX_DEPTH = 32;

    private static final ObjectMapper MAPPER = mapper();

    private YamlFiles() {}

    /**
     * The file's YAML as a tree ({@code null} for an empty file).
     *
     * @throws YamlFileException naming the file and, for a parse error, the line and column
     */
    public static JsonNode read(Path file) throws YamlFileException {
        Path abs = file.toAbsolutePath().normalize();
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(abs, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new YamlFileException(
                    abs, 0, 0, "not found or not readable (" + e.getClass().getSimpleName() + ")");
        }
        if (!attributes.isRegularFile()) {
            throw new YamlFileException(abs, 0, 0, "not a regular file (" + kind(attributes) + "); refused unread");
        }
        if (attributes.size() > MAX_BYTES) {
            throw new YamlFileException(
                    abs,
                    0,
                    0,
                    attributes.size() + " bytes, more than the " + MAX_BYTES
                            + " a configuration file may have; refused unread");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(abs, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw new YamlFileException(abs, 0, 0, "cannot read: " + e.getMessage());
        }
        if (bytes.length > MAX_BYTES) {
            throw new YamlFileException(abs, 0, 0, "grew past " + MAX_BYTES + " bytes while read; refused");
        }
        try {
            refuseAliases(bytes);
            return MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            int column = e.getLocation() == null ? 0 : e.getLocation().getColumnNr();
            throw new YamlFileException(abs, line, column, "not valid YAML: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new YamlFileException(abs, 0, 0, "cannot parse: " + firstLine(e.getMessage()));
        }
    }

    /**
     * An alias ({@code *name}) would reach the configuration as the anchor's name instead of its value
     * (Jackson does not expand aliases), a silently wrong setting: refused where it stands.
     */
    private static void refuseAliases(byte[] bytes) throws IOException {
        try (YAMLParser parser = (YAMLParser) MAPPER.getFactory().createParser(bytes)) {
            try {
                while (parser.nextToken() != null) {
                    if (parser.isCurrentAlias()) {
                        throw new JsonParseException(
                                parser,
                                "an alias (*" + parser.getText() + ") is not supported in a"
                                        + " Tandem configuration file; write the value out",
                                parser.currentTokenLocation());
                    }
                }
            } catch (JacksonException e) {
                if (e.getLocation() != null) {
                    throw e;
                }
                // a broken limit carries no location: the parser knows where it stopped
                throw new JsonParseException(parser, e.getOriginalMessage(), parser.currentLocation());
            }
        }
    }

    private static String kind(BasicFileAttributes a) {
        return a.isDirectory() ? "a directory" : a.isSymbolicLink() ? "a symbolic link" : "a FIFO, socket or device";
    }

    /**
     * The parser's explanation on one line: SnakeYAML's lines of prose joined, without the quoted source
     * lines and caret marks it adds (the location is already in the message).
     */
    private static String firstLine(String message) {
        if (message == null) {
            return "unknown problem";
        }
        StringBuilder out = new StringBuilder();
        for (String line : message.split("\n")) {
            if (line.isBlank() || Character.isWhitespace(line.charAt(0)) || line.contains("in 'reader'")) {
                continue;
            }
            out.append(out.length() == 0 ? "" : "; ").append(line.strip());
        }
        return out.length() == 0 ? "unknown problem" : out.toString();
    }

    private static ObjectMapper mapper() {
        LoaderOptions loader = new LoaderOptions();
        loader.setAllowDuplicateKeys(false);
        loader.setMaxAliasesForCollections(MAX_ALIASES);
        loader.setNestingDepthLimit(MAX_DEPTH);
        loader.setCodePointLimit(MAX_BYTES);
        YAMLFactory factory = YAMLFactory.builder()
                .loaderOptions(loader)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .build())
                .build();
        return new ObjectMapper(factory);
    }
}
