package org.tandem.keysync.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Missing prerequisites skip a test on a developer machine with a message naming what to install,
 * and fail it when {@code -Dtandem.requirePrereqs=true} (CI), so that CI can never go green by
 * skipping the real HSM tests.
 */
public final class Prerequisites {
    public static final Path SOFTHSM_LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");

    private Prerequisites() {}

    public static void require(boolean present, String what) {
        if (!present && Boolean.getBoolean("tandem.requirePrereqs")) {
            throw new AssertionError("prerequisite missing: " + what + " (CI requires it; bin/test installs it)");
        }
        assumeTrue(present, "prerequisite missing: " + what);
    }

    public static void requireSoftHsm() {
        require(
                Files.isRegularFile(SOFTHSM_LIBRARY) && onPath("softhsm2-util"),
                "SoftHSM2 (apt-get install softhsm2): " + SOFTHSM_LIBRARY + " and softhsm2-util");
    }

    public static void requireTool(String tool, String debianPackage) {
        require(onPath(tool), tool + " (apt-get install " + debianPackage + ")");
    }

    public static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
