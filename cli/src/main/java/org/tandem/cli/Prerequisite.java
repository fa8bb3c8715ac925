package org.tandem.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Looks up outside tools on the PATH. */
final class Prerequisite {
    private Prerequisite() {}

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
