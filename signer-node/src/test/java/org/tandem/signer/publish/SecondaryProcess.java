package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real name server (NSD, Knot) run as a child process on a loopback port, as a secondary of the node
 * or as a primary serving files, and queries to it; public for the ITs of other modules that need one
 * (the expiry watchdog's secondary, the probe's authoritative server).
 */
public final class SecondaryProcess implements AutoCloseable {
    private final Path dir;
    private final InetAddress address;
    private final int port;
    private final List<String> logs;
    private final Process process;

    /** Starts {@code command} in the foreground; waits until it answers queries (any rcode). */
    public SecondaryProcess(List<String> command, Path dir, int port, List<String> logs) throws Exception {
        this(command, dir, DnsWire.LOOPBACK, port, logs);
    }

    /** As {@link #SecondaryProcess(List, Path, int, List)}, listening on {@code address}. */
    public SecondaryProcess(List<String> command, Path dir, InetAddress address, int port, List<String> logs)
            throws Exception {
        this.dir = dir;
        this.address = address;
        this.port = port;
        this.logs = logs;
        this.process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("process.out").toFile())
                .start();
        try {
            DnsWire.pollUntil(
                    Duration.ofSeconds(20), () -> command.get(0) + " answers on port " + port + "\n" + log(), () -> {
                        try {
                            return process.isAlive() && answer(PublishTestZones.ZONE.name(), Type.SOA) != null;
                        } catch (IOException e) {
                            return false;
                        }
                    });
        } catch (AssertionError | InterruptedException e) {
            close();
            throw e;
        }
    }

    /**
     * NSD (Debian nsd) in the foreground on {@code 127.0.0.1@port}, its files in {@code dir}, with
     * {@code sections} (keys, zones: a secondary's {@code request-xfr} or a primary's {@code zonefile})
     * after its server section.
     */
    public static SecondaryProcess nsd(Path dir, int port, List<String> sections) throws Exception {
        return nsd(dir, DnsWire.LOOPBACK, port, sections);
    }

    /**
     * As {@link #nsd(Path, int, List)} on {@code address@port}: a parent zone's server at port 53 of a
     * loopback address of its own, where a resolver that asks name servers on port 53 finds it.
     */
    public static SecondaryProcess nsd(Path dir, InetAddress address, int port, List<String> sections)
            throws Exception {
        List<String> conf = new ArrayList<>(List.of(
                "server:",
                "  ip-address: " + address.getHostAddress() + "@" + port,
                "  port: " + port,
                "  username: \"\"",
                "  chroot: \"\"",
                "  database: \"\"",
                "  zonesdir: \"" + dir + "\"",
                "  zonelistfile: \"" + dir.resolve("zone.list") + "\"",
                "  xfrdfile: \"" + dir.resolve("xfrd.state") + "\"",
                "  xfrdir: \"" + dir + "\"",
                "  pidfile: \"" + dir.resolve("nsd.pid") + "\"",
                "  logfile: \"" + dir.resolve("nsd.log") + "\"",
                "  verbosity: 2",
                "  xfrd-reload-timeout: 0",
                "remote-control:",
                "  control-enable: no"));
        conf.addAll(sections);
        Path file = dir.resolve("nsd.conf");
        writePrivate(file, conf);
        return new SecondaryProcess(
                List.of("nsd", "-d", "-c", file.toString()), dir, address, port, List.of("nsd.log", "process.out"));
    }

    /** A port free for both TCP and UDP on the loopback address right now. */
    public static int freePort() throws IOException {
        return DnsWire.freePort();
    }

    /**
     * SIGHUP: NSD reads again every zone file whose modification time changed (a primary serving files).
     */
    public void reload() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid()))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("kill -HUP " + process.pid() + " failed: " + out);
        }
    }

    /** The port it listens on (UDP and TCP). */
    public int port() {
        return port;
    }

    /**
     * Knot DNS ({@code knotd}, Debian knot) as a secondary for {@code example.test} of the primary at
     * {@code 127.0.0.1@primaryPort}, its transfers signed with the TSIG key {@code key} (hmac-sha256,
     * {@code secret} base64); its zone ACL lets 127.0.0.1 with that key do {@code actions}
     * ({@code notify}: accept the primary's NOTIFY; {@code transfer}: serve AXFR to a reader).
     */
    public static SecondaryProcess knot(
            Path dir, int port, int primaryPort, String key, String secret, List<String> actions) throws Exception {
        Files.createDirectories(dir.resolve("db"));
        List<String> conf = new ArrayList<>(List.of(
                "server:",
                "  rundir: \"" + dir + "\"",
                "  listen: 127.0.0.1@" + port,
                "log:",
                "  - target: \"" + dir.resolve("knot.log") + "\"",
                "    any: info",
                "database:",
                "  storage: \"" + dir.resolve("db") + "\"",
                "key:",
                "  - id: " + key,
                "    algorithm: hmac-sha256",
                "    secret: " + secret,
                "remote:",
                "  - id: tandem",
                "    address: 127.0.0.1@" + primaryPort,
                "    key: " + key));
        if (!actions.isEmpty()) {
            conf.add("acl:");
            for (String action : actions) {
                conf.addAll(List.of(
                        "  - id: tandem-" + action,
                        "    address: 127.0.0.1",
                        "    key: " + key,
                        "    action: " + action));
            }
        }
        conf.addAll(List.of(
                "zone:",
                "  - domain: example.test",
                "    storage: \"" + dir + "\"",
                "    file: example.test.zone",
                "    master: tandem"));
        if (!actions.isEmpty()) {
            conf.add("    acl: ["
                    + String.join(", ", actions.stream().map(a -> "tandem-" + a).toList()) + "]");
        }
        conf.addAll(List.of("    zonefile-sync: -1", "    journal-content: changes"));
        Path file = dir.resolve("knot.conf");
        writePrivate(file, conf);
        return new SecondaryProcess(
                List.of("knotd", "-c", file.toString()), dir, port, List.of("knot.log", "process.out"));
    }

    private static void writePrivate(Path file, List<String> lines) throws IOException {
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    /** Waits until it answers the SOA query for {@code example.test} with {@code serial}. */
    public void awaitSerial(long serial) throws InterruptedException {
        DnsWire.pollUntil(Duration.ofSeconds(30), () -> "serves serial " + serial + "\n" + log(), () -> {
            try {
                return query(PublishTestZones.ZONE.name(), Type.SOA)
                        .map(m -> m.getSection(Section.ANSWER).stream()
                                .anyMatch(r -> r instanceof SOARecord s && s.getSerial() == serial))
                        .orElse(false);
            } catch (IOException e) {
                return false;
            }
        });
    }

    List<String> addresses(String host) throws IOException {
        Message m = query(PublishTestZones.name(host), Type.A).orElseThrow();
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        return m.getSection(Section.ANSWER).stream()
                .filter(r -> r instanceof ARecord)
                .map(r -> ((ARecord) r).getAddress().getHostAddress())
                .toList();
    }

    Optional<Message> query(Name name, int type) throws IOException {
        Message m = answer(name, type);
        return m != null && m.getRcode() == Rcode.NOERROR ? Optional.of(m) : Optional.empty();
    }

    /** The answer with any rcode (SERVFAIL while the secondary has no copy of the zone). */
    Message answer(Name name, int type) throws IOException {
        SimpleResolver r = new SimpleResolver(new InetSocketAddress(address, port));
        r.setTimeout(Duration.ofSeconds(2));
        return r.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
    }

    /** The process's log files and output, for failure messages. */
    public String log() {
        StringBuilder b = new StringBuilder();
        for (String f : logs) {
            try {
                b.append("--- ")
                        .append(f)
                        .append('\n')
                        .append(Files.readString(dir.resolve(f), StandardCharsets.UTF_8));
            } catch (IOException e) {
                b.append("--- ").append(f).append(": ").append(e.getMessage()).append('\n');
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
