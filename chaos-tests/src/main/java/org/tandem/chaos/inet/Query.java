package org.tandem.chaos.inet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * One question the prober asks the resolver: a name and a type.
 *
 * @param name absolute
 * @param type a DNS type number ({@link Type})
 */
record Query(Name name, int type) {
    Query {
        Objects.requireNonNull(name, "name");
        if (!name.isAbsolute()) {
            throw new IllegalArgumentException("query name must be absolute: " + name);
        }
        Type.check(type);
    }

    /** The type's mnemonic ({@code A}, {@code TYPE65280}). */
    String typeName() {
        return Type.string(type);
    }

    /**
     * Reads a queries file: one {@code name type} per line ({@code www.example.test. A}, {@code
     * x.example.test. TYPE65280}); names are taken as absolute; blank lines and lines starting with
     * {@code #} are skipped.
     *
     * @throws IOException when the file cannot be read, or names the line that is not {@code name type}
     */
    static List<Query> read(Path file) throws IOException {
        List<Query> result = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            String where = file + " line " + (i + 1) + " (" + line + ")";
            if (f.length != 2) {
                throw new IOException(where + ": expected 'name type'");
            }
            int type = Type.value(f[1]);
            if (type < 0) {
                throw new IOException(where + ": unknown type " + f[1]);
            }
            try {
                result.add(new Query(Name.fromString(f[0], Name.root), type));
            } catch (TextParseException e) {
                throw new IOException(where + ": bad name: " + e.getMessage(), e);
            }
        }
        if (result.isEmpty()) {
            throw new IOException(file + ": no queries");
        }
        return result;
    }
}
