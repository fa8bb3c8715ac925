package org.tandem.signer.node;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.signer.publish.SecondaryProcess;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The parent zone {@code test.} of {@code example.test.}, for a validating resolver: its key made by
 * {@code ldns-keygen}, the zone signed by {@code ldns-signzone} (tools nobody here wrote), served by NSD on
 * port 53 of a loopback address of its own, because the rollover agent's {@code parent.check: resolver} asks
 * the parent's name servers on port 53. Its DNSKEY ({@link #trustAnchor()}) is the resolver's trust anchor.
 * {@link #setDs} re-signs the zone with a new DS RRset for the child and reloads NSD, as a parent operator
 * acting on the child's CDS would. Close it after the test.
 */
final class SignedParentZone implements AutoCloseable {
    static final Name APEX = Name.fromConstantString("test.");
    static final Name CHILD = Name.fromConstantString("example.test.");

    /** One DS RRset the parent served from {@code at} on. */
    record DsChange(Instant at, long serial, Set<String> ds) {}

    private final Path dir;
    private final InetAddress address;
    private final int ttl;
    private final String key;
    private final SecondaryProcess nsd;
    private final List<DsChange> changes = new ArrayList<>();
    private long serial = 1;
    private FileTime written = FileTime.fromMillis(0);
    private Set<String> ds = Set.of();

    private SignedParentZone(Path dir, InetAddress address, int ttl, String key) throws Exception {
        this.dir = dir;
        this.address = address;
        this.ttl = ttl;
        this.key = key;
        sign();
        SecondaryProcess started = SecondaryProcess.nsd(
                Files.createDirectories(dir.resolve("nsd")),
                address,
                53,
                List.of("zone:", "  name: \"test.\"", "  zonefile: \"" + signedFile() + "\""));
        this.nsd = started;
        changes.add(new DsChange(Instant.now(), serial, ds));
    }

    /** Skips (fails in CI) where NSD or ldnsutils is missing, or port 53 of a loopback address cannot be bound. */
    static InetAddress requirePrerequisites() {
        Prerequisites.requireTool("nsd", "nsd");
        Prerequisites.requireTool("ldns-keygen", "ldnsutils");
        Prerequisites.requireTool("ldns-signzone", "ldnsutils");
        SecureRandom random = new SecureRandom();
        InetAddress address = null;
        String why = "";
        for (int i = 0; i < 5 && address == null; i++) {
            byte[] raw = {127, 53, (byte) (1 + random.nextInt(250)), (byte) (1 + random.nextInt(250))};
            try {
                InetAddress candidate = InetAddress.getByAddress(raw);
                try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(candidate, 53));
                        ServerSocket t = new ServerSocket()) {
                    t.bind(new InetSocketAddress(candidate, 53));
                    address = candidate;
                }
            } catch (IOException e) {
                why = e.getMessage();
            }
        }
        Prerequisites.require(
                address != null,
                "port 53 on a loopback address for the parent's name server (root or CAP_NET_BIND_SERVICE): " + why);
        return address;
    }

    /**
     * Generates the parent's key, signs the zone without a DS for the child (an insecure delegation) and
     * starts NSD on {@code address} port 53.
     *
     * @param ttl every TTL of the parent zone, the DS's included (the child's policy's {@code parent.ds-ttl})
     */
    static SignedParentZone start(Path dir, InetAddress address, int ttl) throws Exception {
        Files.createDirectories(dir);
        String key = run(dir, "ldns-keygen", "-a", "ECDSAP256SHA256", "-k", APEX.toString())
                .trim();
        return new SignedParentZone(dir, address, ttl, key);
    }

    /** The parent's DNSKEY (the KSK that signs everything), in a file a resolver reads as its trust anchor. */
    Path trustAnchor() {
        return dir.resolve(key + ".key");
    }

    /** Where its name server listens: {@code address@53}. */
    InetAddress address() {
        return address;
    }

    /** The DS RRset it serves now, as rdata text. */
    synchronized Set<String> ds() {
        return ds;
    }

    /** Every DS RRset it served, the first one (none) included, in order. */
    synchronized List<DsChange> changes() {
        return List.copyOf(changes);
    }

    /**
     * Serves {@code rdata} (DS rdata text, e.g. from the child's CDS) as the child's DS RRset: re-signs the
     * zone with a new serial, reloads NSD and returns once NSD serves the new serial.
     */
    synchronized void setDs(Set<String> rdata) throws Exception {
        ds = Set.copyOf(new TreeSet<>(rdata));
        serial++;
        sign();
        long want = serial;
        TestTiming.until(Duration.ofSeconds(10), "NSD serves test. serial " + want + "\n" + nsd.log(), () -> {
            try {
                nsd.reload();
                return servedSerial() == want;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        changes.add(new DsChange(Instant.now(), serial, ds));
    }

    /** NSD's log, for failure messages. */
    String log() {
        return nsd.log();
    }

    private long servedSerial() throws IOException {
        SimpleResolver r = new SimpleResolver(new InetSocketAddress(address, 53));
        r.setTimeout(Duration.ofSeconds(1));
        Message q = Message.newQuery(Record.newRecord(APEX, Type.SOA, DClass.IN));
        q.getHeader().unsetFlag(Flags.RD);
        for (Record rec : r.send(q).getSection(Section.ANSWER)) {
            if (rec instanceof SOARecord s) {
                return s.getSerial();
            }
        }
        return -1;
    }

    private void sign() throws IOException, InterruptedException {
        StringBuilder zone = new StringBuilder()
                .append("$ORIGIN test.\n$TTL ")
                .append(ttl)
                .append("\n@ SOA ns1.test. hostmaster.test. ")
                .append(serial)
                .append(" 3600 600 86400 ")
                .append(ttl)
                .append("\n@ NS ns1.test.\nns1 A ")
                .append(address.getHostAddress())
                .append("\nexample NS ns1.example.test.\nns1.example A 127.0.0.1\n");
        for (String d : ds) {
            zone.append("example DS ").append(d).append('\n');
        }
        Path source = dir.resolve("test.zone");
        Files.writeString(source, zone, StandardCharsets.UTF_8);
        Path out = dir.resolve("test.zone.signing");
        run(dir, "ldns-signzone", "-f", out.toString(), "-o", APEX.toString(), source.toString(), key);
        // NSD re-reads a zone file on SIGHUP when its modification time changed: a second each time
        FileTime now = FileTime.from(Instant.now());
        written = now.compareTo(written) > 0 ? now : FileTime.fromMillis(written.toMillis() + 1000);
        Files.setLastModifiedTime(out, written);
        Files.move(out, signedFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Path signedFile() {
        return dir.resolve("test.zone.signed");
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        nsd.close();
    }
}
