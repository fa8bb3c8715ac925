package org.tandem.chaos.inet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.xbill.DNS.Name;

/**
 * The authoritative server of the "internet" site: Knot DNS ({@code knotd}, Debian {@code knot} 3.2) as
 * a secondary of one zone, with every signer node as a primary. Only the leader's transfer server
 * answers (a standby answers REFUSED to SOA, AXFR and IXFR), so Knot takes the zone from whichever
 * primary serves it.
 *
 * <p>What {@link #configure} writes ({@code dir/knot.conf}):
 *
 * <ul>
 *   <li>the zone as a secondary with {@code master: [p1, p2, …]} in the given order: on a refresh Knot
 *       asks them in turn and the first that answers wins (a REFUSED moves it to the next); a NOTIFY
 *       from a primary starts a refresh at once;
 *   <li>an ACL allowing NOTIFY from every primary's address, one allowing AXFR/IXFR to {@code
 *       transferAllowed} (the observer), nothing else;
 *   <li>{@code refresh-min-interval: 2}, {@code refresh-max-interval: 2}, {@code retry-min-interval: 1},
 *       {@code retry-max-interval: 2}: whatever the zone's SOA says, Knot checks the primaries every 2 s,
 *       so a missed NOTIFY is caught within seconds;
 *   <li>{@code zonefile-load: none}, {@code zonefile-sync: -1}, {@code journal-content: all}: the zone is
 *       never written to or read from a zone file, it lives in memory and in the journal (under {@code
 *       dir/db}), which also brings it back after a restart;
 *   <li>{@code semantic-checks: off}: Knot serves what the primary sent; judging it is the observer's
 *       and the checker's job.
 * </ul>
 *
 * <p>Nothing is started here: the harness runs {@link #command()} (foreground, log in {@link #log()}).
 * Immutable; thread-safe.
 */
public final class AuthServer {
    /** Knot checks the primaries at least this often, seconds (its minimum for refresh is 2). */
    public static final int REFRESH_SECONDS = 2;

    private final Path dir;
    private final Path config;
    private final Name zone;
    private final InetSocketAddress listen;
    private final List<InetSocketAddress> primaries;

    private AuthServer(Path dir, Name zone, InetSocketAddress listen, List<InetSocketAddress> primaries) {
        this.dir = dir;
        this.config = dir.resolve("knot.conf");
        this.zone = zone;
        this.listen = listen;
        this.primaries = primaries;
    }

    /**
     * Writes {@code dir/knot.conf} (and creates {@code dir/run}, {@code dir/db}, {@code dir/zones}) for Knot as a
     * secondary of {@code zone}.
     *
     * @param dir the server's directory, created if missing; everything Knot writes stays below it
     * @param zone the zone, absolute
     * @param listen where Knot answers (UDP and TCP); the port must be given (not 0)
     * @param primaries the signer nodes' transfer servers, in the order Knot tries them; at least one
     * @param transferAllowed hosts that may AXFR/IXFR the zone from Knot (the observer); may be empty
     * @throws IOException when the directory or the file cannot be written
     * @throws IllegalArgumentException when the zone is relative, a port is 0, or there is no primary
     */
    public static AuthServer configure(
            Path dir,
            Name zone,
            InetSocketAddress listen,
            List<InetSocketAddress> primaries,
            List<InetAddress> transferAllowed)
            throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(listen, "listen");
        List<InetSocketAddress> masters = List.copyOf(primaries);
        List<InetAddress> transfers = List.copyOf(transferAllowed);
        if (!zone.isAbsolute()) {
            throw new IllegalArgumentException("zone must be absolute: " + zone);
        }
        if (masters.isEmpty()) {
            throw new IllegalArgumentException("zone " + zone + ": Knot needs at least one primary");
        }
        requirePort(listen, "knot listen address");
        for (InetSocketAddress p : masters) {
            requirePort(p, "primary");
        }
        Path abs = dir.toAbsolutePath();
        Files.createDirectories(abs.resolve("run"));
        Files.createDirectories(abs.resolve("db"));
        Files.createDirectories(abs.resolve("zones"));
        AuthServer server = new AuthServer(abs, zone, listen, masters);
        Files.writeString(server.config, server.render(transfers), StandardCharsets.UTF_8);
        return server;
    }

    /** {@code knotd -c dir/knot.conf}: runs in the foreground until SIGTERM or SIGINT. */
    public List<String> command() {
        return List.of("knotd", "-c", config.toString());
    }

    /** {@code knotc -c dir/knot.conf conf-check}: exit 0 and "Configuration is valid" when Knot accepts it. */
    public List<String> checkCommand() {
        return List.of("knotc", "-c", config.toString(), "conf-check");
    }

    /** Knot's log file ({@code dir/knot.log}): transfers, NOTIFYs, refresh failures, one line each. */
    public Path log() {
        return dir.resolve("knot.log");
    }

    /** The configuration file written. */
    public Path config() {
        return config;
    }

    /** The address Knot answers on. */
    public InetSocketAddress listen() {
        return listen;
    }

    /** The zone Knot is a secondary of. */
    public Name zone() {
        return zone;
    }

    /** The primaries, in the order Knot tries them. */
    public List<InetSocketAddress> primaries() {
        return primaries;
    }

    private String render(List<InetAddress> transfers) {
        List<String> l = new ArrayList<>();
        l.add("# written by the chaos harness (org.tandem.chaos.inet.AuthServer)");
        l.add("server:");
        l.add("  rundir: " + quote(dir.resolve("run")));
        l.add("  listen: " + knotAddress(listen));
        l.add("  background-workers: 2");
        l.add("log:");
        l.add("  - target: " + quote(log()));
        l.add("    any: info");
        l.add("database:");
        l.add("  storage: " + quote(dir.resolve("db")));
        l.add("remote:");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < primaries.size(); i++) {
            String id = "primary" + (i + 1);
            ids.add(id);
            l.add("  - id: " + id);
            l.add("    address: " + knotAddress(primaries.get(i)));
        }
        l.add("acl:");
        Set<String> notifiers = new LinkedHashSet<>();
        for (InetSocketAddress p : primaries) {
            notifiers.add(p.getAddress().getHostAddress());
        }
        l.add("  - id: notify-from-primaries");
        l.add("    address: [" + String.join(", ", notifiers) + "]");
        l.add("    action: notify");
        List<String> acls = new ArrayList<>(List.of("notify-from-primaries"));
        if (!transfers.isEmpty()) {
            // an ACL without an address matches every address: only written when there is one
            l.add("  - id: transfer-to-observers");
            l.add("    address: ["
                    + String.join(
                            ", ",
                            transfers.stream()
                                    .map(InetAddress::getHostAddress)
                                    .distinct()
                                    .toList())
                    + "]");
            l.add("    action: transfer");
            acls.add("transfer-to-observers");
        }
        l.add("zone:");
        l.add("  - domain: " + quote(zone.toString()));
        l.add("    storage: " + quote(dir.resolve("zones")));
        l.add("    master: [" + String.join(", ", ids) + "]");
        l.add("    acl: [" + String.join(", ", acls) + "]");
        l.add("    zonefile-load: none");
        l.add("    zonefile-sync: -1");
        l.add("    journal-content: all");
        l.add("    semantic-checks: off");
        l.add("    refresh-min-interval: " + REFRESH_SECONDS);
        l.add("    refresh-max-interval: " + REFRESH_SECONDS);
        l.add("    retry-min-interval: 1");
        l.add("    retry-max-interval: " + REFRESH_SECONDS);
        l.add("");
        return String.join("\n", l);
    }

    static String knotAddress(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + "@" + a.getPort();
    }

    static String quote(Object o) {
        return "\"" + o.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static void requirePort(InetSocketAddress a, String what) {
        Objects.requireNonNull(a, what);
        if (a.isUnresolved()) {
            throw new IllegalArgumentException(what + " is unresolved: " + a);
        }
        if (a.getPort() == 0) {
            throw new IllegalArgumentException(what + " needs a port: " + a);
        }
    }
}
