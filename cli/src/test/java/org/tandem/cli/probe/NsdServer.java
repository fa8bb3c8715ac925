package org.tandem.cli.probe;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.signer.publish.SecondaryProcess;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real authoritative server (Debian's NSD) on a loopback port, serving zone files as a primary (the
 * node's tests run the same NSD as a secondary). Zones may allow AXFR from the loopback or not.
 */
final class NsdServer implements AutoCloseable {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** One zone to serve: its apex, its signed file, and whether AXFR is allowed. */
    record Served(String zone, Path file, boolean axfr) {}

    private final SecondaryProcess nsd;

    private NsdServer(SecondaryProcess nsd) {
        this.nsd = nsd;
    }

    /** Starts NSD in the foreground and waits until it answers the first zone's SOA with NOERROR. */
    static NsdServer start(Path dir, List<Served> zones) throws Exception {
        List<String> sections = new ArrayList<>();
        for (Served z : zones) {
            sections.add("zone:");
            sections.add("  name: \"" + z.zone() + "\"");
            sections.add("  zonefile: \"" + z.file() + "\"");
            if (z.axfr()) {
                sections.add("  provide-xfr: 127.0.0.1 NOKEY");
            }
        }
        NsdServer server = new NsdServer(SecondaryProcess.nsd(dir, freePort(), sections));
        try {
            Name first = Name.fromString(zones.get(0).zone(), Name.root);
            TestTiming.until(
                    Duration.ofSeconds(20),
                    "nsd answers " + first + " on port " + server.port() + "\n" + server.nsd.log(),
                    () -> server.answers(first));
        } catch (AssertionError | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    int port() {
        return nsd.port();
    }

    /** {@code 127.0.0.1:port}, as {@code --server} takes it. */
    String address() {
        return LOOPBACK.getHostAddress() + ":" + port();
    }

    private boolean answers(Name zone) {
        try {
            SimpleResolver r = new SimpleResolver(new InetSocketAddress(LOOPBACK, port()));
            r.setTimeout(Duration.ofSeconds(1));
            Message m = r.send(Message.newQuery(Record.newRecord(zone, Type.SOA, DClass.IN)));
            return m.getRcode() == Rcode.NOERROR;
        } catch (IOException e) {
            return false;
        }
    }

    /** A loopback port free for UDP and TCP now. */
    static int freePort() throws IOException {
        return SecondaryProcess.freePort();
    }

    @Override
    public void close() {
        try {
            nsd.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
