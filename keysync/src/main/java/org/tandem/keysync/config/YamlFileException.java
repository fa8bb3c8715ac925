package org.tandem.keysync.config;

import java.nio.file.Path;

/** A configuration file that cannot be read as YAML: names the file and, when known, line and column. */
public final class YamlFileException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final int line;
    private final String problem;

    public YamlFileException(Path file, int line, int column, String problem) {
        super(file + ": " + where(line, column) + problem);
        this.file = file;
        this.line = line;
        this.problem = where(line, column) + problem;
    }

    private static String where(int line, int column) {
        return line > 0 ? "line " + line + (column > 0 ? ", column " + column : "") + ": " : "";
    }

    public Path file() {
        return file;
    }

    /** The line of the problem, 1-based, or 0 when it concerns the whole file. */
    public int line() {
        return line;
    }

    /** The message without the file name, for callers whose own errors name the file. */
    public String problem() {
        return problem;
    }
}
