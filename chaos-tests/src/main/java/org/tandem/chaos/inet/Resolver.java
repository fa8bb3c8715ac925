package org.tandem.chaos.inet;

import static org.tandem.chaos.inet.AuthServer.knotAddress;
import static org.tandem.chaos.inet.AuthServer.quote;
import static org.tandem.chaos.inet.AuthServer.requirePort;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * The validating resolver of the "internet" site: Unbound (Debian {@code unbound} 1.17) with the zone's
 * KSK as its only trust anchor and a stub zone pointing at the {@link AuthServer}. What the prober
 * asks it is what a validating resolver on the internet would have answered.
 *
 * <p>What {@link #configure} writes ({@code dir/unbound.conf}):
 *
 * <ul>
 *   <li>{@code module-config: "validator iterator"}, {@code trust-anchor:} per given line, {@code
 *       stub-zone} for the zone with the authoritative server's address;
 *   <li>{@code ede: yes} (RFC 8914; Unbound 1.16+): a SERVFAIL carries the extended error, and with
 *       {@code val-log-level: 2} its text names the reason ("signature expired", "no DNSKEY"...);
 *       {@code log-servfail: yes}; the log in {@code dir/unbound.log};
 *   <li>short caches, so that a zone change reaches the answers within seconds: {@code cache-max-ttl: 5},
 *       {@code cache-max-negative-ttl: 5}, {@code val-bogus-ttl: 5}, {@code infra-host-ttl: 10}, {@code
 *       infra-keep-probing: yes}, no prefetch, no serve-expired; {@code trust-anchor-signaling: no} (no
 *       {@code _ta-<tag>} queries into the zone);
 *   <li>{@code local-zone: "<tld>." nodefault} when the zone lies below one of Unbound's built-in local
 *       zones ({@code test.}, {@code invalid.}, {@code onion.}, {@code localhost.}, {@code home.arpa.}),
 *       which would answer for it otherwise; {@code do-not-query-localhost: no} (loopback tests);
 *   <li>foreground, no chroot, no user switch, no syslog, no remote control, one thread.
 * </ul>
 *
 * <p>Nothing is started here: the harness runs {@link #command()}. Immutable; thread-safe.
 */
public final class Resolver {
    /** Unbound caps every cached TTL at this many seconds (answers, negative answers, bogus data). */
    public static final int CACHE_SECONDS = 5;

    private static final List<String> BUILT_IN_LOCAL_ZONES =
            List.of("test.", "invalid.", "onion.", "localhost.", "home.arpa.");
    private static final Set<String> ANCHOR_TYPES = Set.of("DNSKEY", "DS");
    private static final Pattern NET = Pattern.compile("[0-9A-Fa-f:.]+/[0-9]{1,3}");

    private final Path dir;
    private final Path config;
    private final InetSocketAddress listen;

    private Resolver(Path dir, InetSocketAddress listen) {
        this.dir = dir;
        this.config = dir.resolve("unbound.conf");
        this.listen = listen;
    }

    /**
     * Writes {@code dir/unbound.conf} for Unbound validating {@code zone}.
     *
     * @param dir the resolver's directory, created if missing (configuration, log, pid file)
     * @param listen where Unbound answers (UDP and TCP); the port must be given
     * @param zone the zone, absolute
     * @param trustAnchors DNSKEY or DS records of the zone's KSK in presentation form ({@code
     *     "example.test. 3600 IN DNSKEY 257 3 13 …"}); at least one, each owned by the zone
     * @param auth the authoritative server (Knot) for the zone
     * @param allowedNets networks that may query ({@code 127.0.0.0/8}, {@code 10.53.0.0/16}); at least one
     * @throws IOException when the directory or the file cannot be written
     * @throws IllegalArgumentException for a relative zone, a missing port, a trust anchor that is not a
     *     DNSKEY or DS of the zone, or a network that is not {@code address/length}
     */
    public static Resolver configure(
            Path dir,
            InetSocketAddress listen,
            Name zone,
            List<String> trustAnchors,
            InetSocketAddress auth,
            List<String> allowedNets)
            throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(zone, "zone");
        requirePort(listen, "unbound listen address");
        requirePort(auth, "authoritative server");
        List<String> anchors =
                trustAnchors.stream().map(a -> a.trim().replaceAll("\\s+", " ")).toList();
        List<String> nets = List.copyOf(allowedNets);
        if (!zone.isAbsolute()) {
            throw new IllegalArgumentException("zone must be absolute: " + zone);
        }
        if (anchors.isEmpty()) {
            throw new IllegalArgumentException("zone " + zone + ": a validating resolver needs a trust anchor");
        }
        for (String a : anchors) {
            checkAnchor(zone, a);
        }
        if (nets.isEmpty()) {
            throw new IllegalArgumentException("unbound: no network may query it (allowedNets is empty)");
        }
        for (String n : nets) {
            if (!NET.matcher(n).matches()) {
                throw new IllegalArgumentException("unbound: not a network (address/length): " + n);
            }
        }
        Path abs = dir.toAbsolutePath();
        Files.createDirectories(abs);
        Resolver r = new Resolver(abs, listen);
        Files.writeString(r.config, r.render(zone, anchors, auth, nets), StandardCharsets.UTF_8);
        return r;
    }

    /** {@code unbound -d -c dir/unbound.conf}: runs in the foreground until SIGTERM or SIGINT. */
    public List<String> command() {
        return List.of("unbound", "-d", "-c", config.toString());
    }

    /** {@code unbound-checkconf dir/unbound.conf}: exit 0 and "no errors" when Unbound accepts it. */
    public List<String> checkCommand() {
        return List.of("unbound-checkconf", config.toString());
    }

    /** Unbound's log ({@code dir/unbound.log}): validation failures with their reason, SERVFAILs. */
    public Path log() {
        return dir.resolve("unbound.log");
    }

    /** The configuration file written. */
    public Path config() {
        return config;
    }

    /** The address Unbound answers on. */
    public InetSocketAddress listen() {
        return listen;
    }

    private String render(Name zone, List<String> anchors, InetSocketAddress auth, List<String> nets) {
        List<String> l = new ArrayList<>();
        l.add("# written by the chaos harness (org.tandem.chaos.inet.Resolver)");
        l.add("server:");
        l.add("  interface: " + knotAddress(listen));
        l.add("  port: " + listen.getPort());
        l.add("  do-daemonize: no");
        l.add("  username: \"\"");
        l.add("  chroot: \"\"");
        l.add("  directory: " + quote(dir));
        l.add("  pidfile: " + quote(dir.resolve("unbound.pid")));
        l.add("  use-syslog: no");
        l.add("  logfile: " + quote(log()));
        l.add("  log-time-ascii: yes");
        l.add("  verbosity: 1");
        l.add("  log-servfail: yes");
        l.add("  val-log-level: 2");
        l.add("  ede: yes");
        l.add("  num-threads: 1");
        l.add("  do-not-query-localhost: no");
        for (String n : nets) {
            l.add("  access-control: " + n + " allow");
        }
        l.add("  module-config: \"validator iterator\"");
        String apex = zone.toString().toLowerCase(Locale.ROOT);
        for (String local : BUILT_IN_LOCAL_ZONES) {
            if (apex.equals(local) || apex.endsWith("." + local)) {
                l.add("  local-zone: " + quote(local) + " nodefault");
            }
        }
        l.add("  cache-max-ttl: " + CACHE_SECONDS);
        l.add("  cache-max-negative-ttl: " + CACHE_SECONDS);
        l.add("  val-bogus-ttl: " + CACHE_SECONDS);
        l.add("  infra-host-ttl: 10");
        l.add("  infra-keep-probing: yes");
        l.add("  prefetch: no");
        l.add("  serve-expired: no");
        // no _ta-<tag> queries (RFC 8145) into the zone: the authoritative server sees only the probes
        l.add("  trust-anchor-signaling: no");
        for (String a : anchors) {
            l.add("  trust-anchor: " + quote(a));
        }
        l.add("remote-control:");
        l.add("  control-enable: no");
        l.add("stub-zone:");
        l.add("  name: " + quote(zone.toString()));
        l.add("  stub-addr: " + knotAddress(auth));
        l.add("");
        return String.join("\n", l);
    }

    private static void checkAnchor(Name zone, String anchor) {
        String[] f = anchor.split(" ");
        boolean typed = false;
        for (int i = 1; i < f.length && i < 4; i++) {
            typed |= ANCHOR_TYPES.contains(f[i].toUpperCase(Locale.ROOT));
        }
        Name owner;
        try {
            owner = Name.fromString(f[0], Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("trust anchor with a bad owner name: " + anchor, e);
        }
        if (!typed || !owner.equals(zone) || anchor.contains("\"")) {
            throw new IllegalArgumentException(
                    "trust anchor for " + zone + " must be a DNSKEY or DS record of the zone, got: " + anchor);
        }
    }
}
