package org.tandem.cli.lab;

import java.nio.file.Files;
import java.nio.file.Path;

/** Looks up outside tools on the PATH. */
public final class Prerequisite {
    private Prerequisite() {}

    /** Whether {@code tool} is an executable file in a directory of the PATH. */
    public static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
