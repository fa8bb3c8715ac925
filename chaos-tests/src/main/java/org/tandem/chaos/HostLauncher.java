package org.tandem.chaos;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Starts a process on one host of the harness: inside that host's network namespace ({@code ip netns
 * exec}), its output appended to {@code logs/<name>.log}, registered so that the harness stops it on
 * every exit path. Tests of single parts use a launcher that starts the command directly.
 */
public interface HostLauncher {
    /**
     * @param name the process's name in logs and the report ({@code knotd}, {@code unbound}, {@code observer})
     * @param command the command and its arguments
     * @param env extra environment variables
     */
    Process start(String name, List<String> command, Map<String, String> env) throws IOException;
}
