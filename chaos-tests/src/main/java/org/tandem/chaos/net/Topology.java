package org.tandem.chaos.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The harness's network, made of Linux network namespaces (root needed): four sites, each with a
 * switch (a namespace holding bridge {@code br0}) and its hosts, and a router ({@code tdmc-wan})
 * linking the sites' switches, the routed link between the data centres.
 *
 * <pre>
 *   dc1 10.77.1.0/24: dc1-signer .10, dc1-zk .11          dc3 10.77.3.0/24: dc3-zk .11 (tie-breaker)
 *   dc2 10.77.2.0/24: dc2-signer .10, dc2-zk .11          inet 10.77.4.0/24: inet-auth .53, inet-resolver .54
 *   every site's switch has an uplink to the router, which has .1 in every site and forwards
 * </pre>
 *
 * <p>Faults: {@link #switchDown} (the bridge and every port down: each host of the site sees
 * NO-CARRIER, as with a dead switch), {@link #partition} (the router drops the traffic between two
 * sites, both ways, with {@code ip rule … blackhole}: each site still reaches the others), {@link
 * #uplinkDown} (the site's link to the router). Every fault has its heal.
 *
 * <p>Every name starts with {@link #PREFIX}; {@link #removeAll()} deletes every namespace with it
 * (killing what still runs inside), also those of an earlier run that was killed. Addresses exist
 * only inside these namespaces; nothing is configured in the caller's namespace.
 */
public final class Topology implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Topology.class);
    public static final String PREFIX = "tdmc-";
    public static final String ROUTER = PREFIX + "wan";
    static final Map<String, Integer> SITES = Map.of("dc1", 1, "dc2", 2, "dc3", 3, "inet", 4);

    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final List<String> partitions = new ArrayList<>();

    private Topology() {}

    /** Held while a topology exists: a second run on the machine would remove the first one's namespaces. */
    static final Path LOCK = Path.of("/run/lock/tandem-chaos.lock");

    private FileChannel lockChannel;
    private FileLock lock;

    /**
     * Takes the machine-wide lock ({@link #LOCK}), removes what an earlier run left, then builds the
     * network; on failure removes what it made.
     *
     * @throws NetworkException another run holds the lock, or an {@code ip} command failed
     */
    public static Topology create() {
        Topology t = new Topology();
        t.lock();
        try {
            removeAll();
            t.build();
        } catch (RuntimeException e) {
            removeAll();
            t.unlock();
            throw e;
        }
        return t;
    }

    private void lock() {
        try {
            Files.createDirectories(LOCK.getParent());
            lockChannel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            lock = lockChannel.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            lock = null;
        }
        if (lock != null) {
            try {
                lockChannel.truncate(0);
                lockChannel.write(
                        ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException e) {
                // the pid is for bin/chaos's cleanup; the lock itself holds
            }
            held = true;
        }
        if (lock == null) {
            unlock();
            throw new NetworkException("another chaos run holds " + LOCK + " (its namespaces " + PREFIX
                    + "* are in use); wait for it, or stop it and run bin/chaos --cleanup");
        }
    }

    private static volatile boolean held;

    /** For a shutdown hook: removes the namespaces only if this process holds the lock (never another run's). */
    public static void removeAllIfHeld() {
        if (held) {
            removeAll();
        }
    }

    private void unlock() {
        held = false;
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            // released with the process anyway
        }
        lock = null;
        lockChannel = null;
    }

    private void build() {
        Ip.run("ip", "netns", "add", ROUTER);
        Ip.in(ROUTER, "link", "set", "lo", "up");
        Ip.run("ip", "netns", "exec", ROUTER, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        for (String site : List.of("dc1", "dc2", "dc3", "inet")) {
            int n = SITES.get(site);
            String sw = switchOf(site);
            Ip.run("ip", "netns", "add", sw);
            Ip.in(sw, "link", "add", "br0", "type", "bridge");
            Ip.in(sw, "link", "set", "br0", "up");
            // the uplink: sw/uplink <-> wan/<site>
            Ip.in(sw, "link", "add", "uplink", "type", "veth", "peer", "name", site, "netns", ROUTER);
            Ip.in(sw, "link", "set", "uplink", "master", "br0");
            Ip.in(sw, "link", "set", "uplink", "up");
            Ip.in(ROUTER, "addr", "add", "10.77." + n + ".1/24", "dev", site);
            Ip.in(ROUTER, "link", "set", site, "up");
        }
        host("dc1-signer", "dc1", 10);
        host("dc1-zk", "dc1", 11);
        host("dc2-signer", "dc2", 10);
        host("dc2-zk", "dc2", 11);
        host("dc3-zk", "dc3", 11);
        host("dc3-coord", "dc3", 20);
        host("inet-auth", "inet", 53);
        host("inet-resolver", "inet", 54);
        writeResolverFiles();
        LOG.info(
                "event=topology-up hosts={}",
                hosts.values().stream().map(h -> h.name() + "=" + h.address()).toList());
    }

    private void host(String name, String site, int last) {
        String ns = PREFIX + name;
        String sw = switchOf(site);
        String port = "p-" + name.substring(name.indexOf('-') + 1);
        String addr = "10.77." + SITES.get(site) + "." + last;
        Ip.run("ip", "netns", "add", ns);
        Ip.in(sw, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Ip.in(sw, "link", "set", port, "master", "br0");
        Ip.in(sw, "link", "set", port, "up");
        Ip.in(ns, "link", "set", "lo", "up");
        Ip.in(ns, "addr", "add", addr + "/24", "dev", "eth0");
        Ip.in(ns, "link", "set", "eth0", "up");
        Ip.in(ns, "route", "add", "default", "via", "10.77." + SITES.get(site) + ".1");
        hosts.put(name, new Host(name, site, ns, addr));
    }

    /**
     * {@code /etc/netns/<namespace>/hosts} and {@code resolv.conf}, which {@code ip netns exec} mounts
     * over {@code /etc/hosts} and {@code /etc/resolv.conf} for every process it starts: every host's
     * name and address, and no reachable name server. Without them the machine's name server is
     * unreachable from inside, and every reverse lookup (the ZooKeeper client makes one per reconnect
     * attempt) waits for the DNS timeout, 5 s each — a switch failure then took 30 s to fail over.
     */
    private void writeResolverFiles() {
        StringBuilder h = new StringBuilder("127.0.0.1 localhost\n");
        for (Host x : hosts.values()) {
            h.append(x.address()).append(' ').append(x.name()).append('\n');
        }
        for (String site : SITES.keySet()) {
            h.append("10.77.")
                    .append(SITES.get(site))
                    .append(".1 gw-")
                    .append(site)
                    .append('\n');
        }
        for (Host x : hosts.values()) {
            Path dir = ETC_NETNS.resolve(x.namespace());
            try {
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("hosts"), h.toString());
                Files.writeString(
                        dir.resolve("resolv.conf"),
                        "# chaos harness: no name server inside the namespaces\nnameserver 127.0.0.1\noptions "
                                + "timeout:1 attempts:1\n");
            } catch (IOException e) {
                throw new NetworkException("cannot write " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    static final Path ETC_NETNS = Path.of("/etc/netns");

    /** Deletes {@code /etc/netns/tdmc-*} (the files {@link #writeResolverFiles} made). */
    private static void removeResolverFiles() {
        if (!Files.isDirectory(ETC_NETNS)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(ETC_NETNS)) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(PREFIX))
                    .toList()) {
                try (Stream<Path> tree = Files.walk(dir)) {
                    for (Path f : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("event=cleanup-incomplete dir={} reason=\"{}\"", ETC_NETNS, e.toString());
        }
    }

    private static String switchOf(String site) {
        return PREFIX + "sw-" + site;
    }

    /** The host of that name ({@code dc1-signer}). */
    public Host host(String name) {
        Host h = hosts.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no host " + name + " in the topology; hosts: " + hosts.keySet());
        }
        return h;
    }

    public List<Host> hosts() {
        return List.copyOf(hosts.values());
    }

    /** The switch of the site fails: the bridge and all its ports go down. */
    public void switchDown(String site) {
        String sw = switchOf(site);
        for (String port : ports(sw)) {
            Ip.in(sw, "link", "set", port, "down");
        }
        Ip.in(sw, "link", "set", "br0", "down");
        LOG.warn("event=fault switch-down site={}", site);
    }

    /** The switch of the site works again. */
    public void switchUp(String site) {
        String sw = switchOf(site);
        Ip.in(sw, "link", "set", "br0", "up");
        for (String port : ports(sw)) {
            Ip.in(sw, "link", "set", port, "up");
        }
        LOG.info("event=heal switch-up site={}", site);
    }

    /** The site's link to the router fails (the site itself keeps working inside). */
    public void uplinkDown(String site) {
        Ip.in(switchOf(site), "link", "set", "uplink", "down");
    }

    public void uplinkUp(String site) {
        Ip.in(switchOf(site), "link", "set", "uplink", "up");
    }

    /** The router drops all traffic between sites a and b, both ways. */
    public void partition(String a, String b) {
        String na = "10.77." + SITES.get(a) + ".0/24";
        String nb = "10.77." + SITES.get(b) + ".0/24";
        Ip.in(ROUTER, "rule", "add", "from", na, "to", nb, "blackhole");
        Ip.in(ROUTER, "rule", "add", "from", nb, "to", na, "blackhole");
        partitions.add(a + "|" + b);
        // established flows keep their cached route otherwise
        Ip.in(ROUTER, "route", "flush", "cache");
        LOG.warn("event=fault partition {}<->{}", a, b);
    }

    /** Ends the partition between a and b. */
    public void heal(String a, String b) {
        String na = "10.77." + SITES.get(a) + ".0/24";
        String nb = "10.77." + SITES.get(b) + ".0/24";
        Ip.quiet("ip", "-n", ROUTER, "rule", "del", "from", na, "to", nb, "blackhole");
        Ip.quiet("ip", "-n", ROUTER, "rule", "del", "from", nb, "to", na, "blackhole");
        partitions.remove(a + "|" + b);
        LOG.info("event=heal partition {}<->{}", a, b);
    }

    /**
     * The host stops reaching TCP port {@code port} anywhere (and nothing from that port reaches it):
     * an asymmetric partition by packet filter in the host's namespace, e.g. a leader that loses
     * ZooKeeper but still reaches its secondaries.
     */
    public void cutPort(String host, int port) {
        String ns = host(host).namespace();
        for (String[] rule : portRules(port)) {
            Ip.run(concat(new String[] {"ip", "netns", "exec", ns, "iptables", "-I"}, rule));
        }
        LOG.warn("event=fault port-cut host={} port={}", host, port);
    }

    /** Ends {@link #cutPort}. */
    public void restorePort(String host, int port) {
        String ns = host(host).namespace();
        for (String[] rule : portRules(port)) {
            Ip.quiet(concat(new String[] {"ip", "netns", "exec", ns, "iptables", "-D"}, rule));
        }
        LOG.info("event=heal port-restored host={} port={}", host, port);
    }

    /** Nothing out to TCP {@code port}, nothing in from it. */
    private static List<String[]> portRules(int port) {
        String p = String.valueOf(port);
        return List.of(
                new String[] {"OUTPUT", "-p", "tcp", "--dport", p, "-j", "DROP"},
                new String[] {"INPUT", "-p", "tcp", "--sport", p, "-j", "DROP"});
    }

    /**
     * The router loses each packet between sites {@code a} and {@code b} with {@code probability}, both
     * ways (a packet filter's random match: the kernel here has no netem for delay).
     */
    public void lossBetween(String a, String b, double probability) {
        for (String[] rule : lossRules(a, b, probability)) {
            Ip.run(concat(new String[] {"ip", "netns", "exec", ROUTER, "iptables", "-I", "FORWARD"}, rule));
        }
        LOG.warn("event=fault loss {}<->{} probability={}", a, b, probability);
    }

    /** Ends {@link #lossBetween}. */
    public void noLossBetween(String a, String b, double probability) {
        for (String[] rule : lossRules(a, b, probability)) {
            Ip.quiet(concat(new String[] {"ip", "netns", "exec", ROUTER, "iptables", "-D", "FORWARD"}, rule));
        }
        LOG.info("event=heal loss {}<->{}", a, b);
    }

    private static List<String[]> lossRules(String a, String b, double probability) {
        String na = "10.77." + SITES.get(a) + ".0/24";
        String nb = "10.77." + SITES.get(b) + ".0/24";
        String p = String.format(Locale.ROOT, "%.4f", probability);
        return List.of(
                new String[] {
                    "-s", na, "-d", nb, "-m", "statistic", "--mode", "random", "--probability", p, "-j", "DROP"
                },
                new String[] {
                    "-s", nb, "-d", na, "-m", "statistic", "--mode", "random", "--probability", p, "-j", "DROP"
                });
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static List<String> ports(String sw) {
        List<String> result = new ArrayList<>();
        for (String line : Ip.in(sw, "-o", "link", "show", "master", "br0").split("\n")) {
            // "5: p-signer@if4: <...>"
            String[] f = line.split(":\\s+");
            if (f.length > 1) {
                result.add(f[1].replaceAll("@.*", ""));
            }
        }
        return result;
    }

    /** Every namespace named {@code tdmc-*}: first kills what runs in it, then deletes it. */
    public static void removeAll() {
        List<String> mine = Arrays.stream(Ip.quiet("ip", "netns", "list").split("\n"))
                .map(l -> l.split(" ")[0].strip())
                .filter(n -> n.startsWith(PREFIX))
                .toList();
        for (String ns : mine) {
            for (String pid : Ip.quiet("ip", "netns", "pids", ns).split("\\s+")) {
                if (!pid.isBlank()) {
                    Ip.quiet("kill", "-CONT", pid);
                    Ip.quiet("kill", "-KILL", pid);
                }
            }
        }
        for (String ns : mine) {
            Ip.quiet("ip", "netns", "del", ns);
        }
        removeResolverFiles();
        if (!mine.isEmpty()) {
            LOG.info("event=topology-removed namespaces={}", mine.size());
        }
    }

    /** Removes every namespace of the harness and releases the lock. */
    @Override
    public void close() {
        try {
            removeAll();
        } finally {
            unlock();
        }
    }
}
