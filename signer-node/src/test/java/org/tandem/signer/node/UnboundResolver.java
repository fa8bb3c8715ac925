package org.tandem.signer.node;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.TestTiming;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Unbound, a validating resolver nobody here wrote, as a child process on {@code 127.0.0.1@port}: one trust
 * anchor, stub zones to the authoritative servers (no {@code domain-insecure}, nothing capped: the zones'
 * own TTLs rule its caches), validation failures logged ({@code val-log-level: 2}, {@code log-servfail}).
 * Close it after the test.
 */
final class UnboundResolver implements AutoCloseable {
    private static final Pattern LOG_TIME = Pattern.compile("^\\[(\\d+)\\] ");

    private final Path dir;
    private final int port;
    private final Process process;

    private UnboundResolver(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Skips (fails in CI) where unbound is missing. */
    static void requirePrerequisites() {
        Prerequisites.requireTool("unbound", "unbound");
    }

    /**
     * Writes its configuration in {@code dir} and starts it in the foreground; returns once it answers.
     *
     * @param trustAnchor a file with the DNSKEY of the one trust anchor
     * @param stubs zone name to its server, {@code address@port}
     */
    static UnboundResolver start(Path dir, int port, Path trustAnchor, Map<Name, String> stubs) throws Exception {
        Files.createDirectories(dir);
        List<String> conf = new ArrayList<>(List.of(
                "server:",
                "  interface: 127.0.0.1@" + port,
                "  port: " + port,
                "  username: \"\"",
                "  chroot: \"\"",
                "  directory: \"" + dir + "\"",
                "  pidfile: \"" + dir.resolve("unbound.pid") + "\"",
                "  logfile: \"" + dir.resolve("unbound.log") + "\"",
                "  use-syslog: no",
                "  verbosity: 1",
                "  val-log-level: 2",
                "  log-servfail: yes",
                "  num-threads: 1",
                "  module-config: \"validator iterator\"",
                "  do-ip6: no",
                "  do-not-query-localhost: no",
                "  access-control: 127.0.0.0/8 allow",
                "  trust-anchor-file: \"" + trustAnchor + "\"",
                // test. (RFC 6761) is one of Unbound's default local zones; here it is the stub's
                "  local-zone: \"" + SignedParentZone.APEX + "\" nodefault"));
        conf.addAll(List.of("remote-control:", "  control-enable: no"));
        stubs.forEach((zone, server) ->
                conf.addAll(List.of("stub-zone:", "  name: \"" + zone + "\"", "  stub-addr: " + server)));
        Path file = dir.resolve("unbound.conf");
        Files.writeString(file, String.join("\n", conf) + "\n", StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("unbound", "-d", "-c", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("process.out").toFile())
                .start();
        UnboundResolver u = new UnboundResolver(dir, port, p);
        try {
            TestTiming.until(Duration.ofSeconds(20), "unbound answers on port " + port + "\n" + u.log(), () -> {
                try {
                    return p.isAlive() && u.ask(SignedParentZone.APEX, Type.SOA) != null;
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (AssertionError | InterruptedException e) {
            u.close();
            throw e;
        }
        return u;
    }

    /** {@code 127.0.0.1:port}, as {@code parent.resolver} takes it. */
    String address() {
        return "127.0.0.1:" + port;
    }

    /** A recursive query with DO set (RFC 3225), so that it answers with AD and the RRSIGs. */
    Message ask(Name name, int type) throws IOException {
        SimpleResolver r = new SimpleResolver(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        r.setTimeout(Duration.ofSeconds(2));
        r.setEDNS(0, 1232, ExtendedFlags.DO, List.of());
        return r.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
    }

    /** Its log lines stamped from {@code from} to {@code to} (seconds; Unbound stamps each line so). */
    String logBetween(Instant from, Instant to) {
        StringBuilder b = new StringBuilder();
        for (String line : log().split("\n")) {
            Matcher m = LOG_TIME.matcher(line);
            if (m.find()) {
                long t = Long.parseLong(m.group(1));
                if (t >= from.getEpochSecond() && t <= to.getEpochSecond()) {
                    b.append(line).append('\n');
                }
            }
        }
        return b.toString();
    }

    /**
     * The lines of its log from {@code from} to {@code to} that report a validation failure ({@code val-log-level:
     * 2}) or a SERVFAIL ({@code log-servfail}), empty when there is none.
     */
    String validationFailures(Instant from, Instant to) {
        StringBuilder b = new StringBuilder();
        for (String line : logBetween(from, to).split("\n")) {
            if (line.contains("validation failure") || line.contains("SERVFAIL")) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    /** Its log and output. */
    String log() {
        StringBuilder b = new StringBuilder();
        for (String f : List.of("unbound.log", "process.out")) {
            try {
                b.append(Files.readString(dir.resolve(f), StandardCharsets.UTF_8));
            } catch (IOException e) {
                b.append(f).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
