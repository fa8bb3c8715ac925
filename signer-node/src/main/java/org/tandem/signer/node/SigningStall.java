package org.tandem.signer.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FOR TESTS ONLY: a hook that stalls the node's signing loop, to reproduce a leader whose signing
 * has stopped while everything else (election, lease, transfer server, watchdog) keeps running
 * (fault F14, signatures run towards expiry).
 *
 * <p>It is off unless the JVM is started with the system property {@value #PROPERTY} naming a file;
 * then, while that file exists, the zone worker blocks at the top of each tick. It is not part of
 * {@code node.yaml} and operators must not set it.
 */
final class SigningStall {
    private static final Logger LOG = LoggerFactory.getLogger(SigningStall.class);
    /** The system property naming the stall file, read once when the daemon starts. */
    static final String PROPERTY = "tandem.test.stall-signing-file";

    private static final Duration POLL = Duration.ofMillis(100);

    private final Optional<Path> file;

    private SigningStall(Optional<Path> file) {
        this.file = file;
    }

    /** The hook as the system property sets it (off when unset). */
    static SigningStall fromSystemProperty() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            return new SigningStall(Optional.empty());
        }
        LOG.warn(
                "event=test-hook-armed property={} file={} reason=\"the signing loop stalls while the file exists;"
                        + " for tests only\"",
                PROPERTY,
                p);
        return new SigningStall(Optional.of(Path.of(p)));
    }

    /** Blocks while the stall file exists. */
    void awaitIfStalled(String node) throws InterruptedException {
        if (file.isEmpty() || !Files.exists(file.get())) {
            return;
        }
        LOG.warn("node={} event=signing-loop-stalled-by-test-hook file={}", node, file.get());
        while (Files.exists(file.get())) {
            Thread.sleep(POLL.toMillis());
        }
        LOG.warn("node={} event=signing-loop-resumed-by-test-hook", node);
    }
}
