package org.tandem.cli.twosite;

import com.github.dockerjava.api.command.InspectContainerResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

/**
 * Waits until a container's log has a line matching a pattern, and fails at once (with the end of
 * the log) when the container's process exits first: a node that refuses its configuration fails
 * the start in a second instead of after the whole start-up timeout.
 */
final class LogLine extends AbstractWaitStrategy {
    private static final Duration POLL = Duration.ofMillis(200);
    private final Pattern pattern;

    private LogLine(String regex) {
        this.pattern = Pattern.compile(regex);
    }

    /** A line that contains a match of {@code regex}. */
    static LogLine containing(String regex) {
        return new LogLine(regex);
    }

    @Override
    protected void waitUntilReady() {
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        while (true) {
            String logs = waitStrategyTarget.getLogs();
            if (logs.lines().anyMatch(l -> pattern.matcher(l).find())) {
                return;
            }
            InspectContainerResponse.ContainerState state =
                    waitStrategyTarget.getCurrentContainerInfo().getState();
            if (!Boolean.TRUE.equals(state.getRunning())) {
                throw new ContainerLaunchException("the container's process exited (code " + state.getExitCodeLong()
                        + ") before logging /" + pattern + "/; its log ends:\n" + tail(logs));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new ContainerLaunchException("no log line /" + pattern + "/ within " + startupTimeout.toSeconds()
                        + " s; the log ends:\n" + tail(logs));
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ContainerLaunchException("interrupted waiting for /" + pattern + "/", e);
            }
        }
    }

    private static String tail(String logs) {
        List<String> lines = logs.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
