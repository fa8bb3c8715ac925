package org.tandem.cli.probe;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tandem.keysync.testing.TestTiming;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real authoritative server (Debian's NSD) on a loopback port, serving zone files as a primary, as
 * the publishing tests run NSD as a secondary. Zones may allow AXFR from the loopback or not.
 */
final class NsdServer implements AutoCloseable {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** One zone to serve: its apex, its signed file, and whether AXFR is allowed. */
    record Served(String zone, Path file, boolean axfr) {}

    private final Path dir;
    private final int port;
    private final Process process;

    private NsdServer(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Starts NSD in the foreground and waits until it answers the first zone's SOA with NOERROR. */
    static NsdServer start(Path dir, List<Served> zones) throws IOException, InterruptedException {
        int port = freePort();
        List<String> conf = new ArrayList<>(List.of(
                "server:",
                "  ip-address: 127.0.0.1@" + port,
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
                "remote-control:",
                "  control-enable: no"));
        for (Served z : zones) {
            conf.add("zone:");
            conf.add("  name: \"" + z.zone() + "\"");
            conf.add("  zonefile: \"" + z.file() + "\"");
            if (z.axfr()) {
                conf.add("  provide-xfr: 127.0.0.1 NOKEY");
            }
        }
        Path file = dir.resolve("nsd.conf");
        Files.writeString(file, String.join("\n", conf) + "\n", StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("nsd", "-d", "-c", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("nsd.out").toFile())
                .start();
        NsdServer server = new NsdServer(dir, port, p);
        try {
            Name first = Name.fromString(zones.get(0).zone(), Name.root);
            TestTiming.until(
                    Duration.ofSeconds(20),
                    "nsd answers on port " + port + "\n" + server.log(),
                    () -> p.isAlive() && server.answers(first));
        } catch (AssertionError | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    int port() {
        return port;
    }

    /** {@code 127.0.0.1:port}, as {@code --server} takes it. */
    String address() {
        return LOOPBACK.getHostAddress() + ":" + port;
    }

    private boolean answers(Name zone) {
        try {
            SimpleResolver r = new SimpleResolver(new InetSocketAddress(LOOPBACK, port));
            r.setTimeout(Duration.ofSeconds(1));
            Message m = r.send(Message.newQuery(Record.newRecord(zone, Type.SOA, DClass.IN)));
            return m.getRcode() == Rcode.NOERROR;
        } catch (IOException e) {
            return false;
        }
    }

    /** NSD's log and output, for failure messages. */
    String log() {
        StringBuilder b = new StringBuilder();
        for (String f : List.of("nsd.log", "nsd.out")) {
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

    /** A loopback port free for UDP and TCP now. */
    static int freePort() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket t = new ServerSocket(0, 1, LOOPBACK)) {
                int port = t.getLocalPort();
                try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
                    return u.getLocalPort();
                } catch (IOException taken) {
                    // the UDP side is taken: try another
                }
            }
        }
        throw new IOException("no free loopback port for UDP and TCP after 50 tries");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
