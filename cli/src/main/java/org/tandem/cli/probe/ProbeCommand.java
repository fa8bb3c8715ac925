package org.tandem.cli.probe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code signerctl probe}: checks a zone from outside, as a validating resolver would see it, on one
 * authoritative server, and reports as a Nagios/Icinga plugin (exit 0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN; exactly one line on stdout, or one JSON object with {@code --json}).
 *
 * <p>IMPORTANT: these exit codes are the plugin convention, not {@code signerctl}'s {@code ExitCode}s;
 * every failure of the probe itself (bad arguments, an unreadable trust anchor, no answer) is 3.
 */
@Command(
        name = "probe",
        exitCodeOnInvalidInput = 3,
        exitCodeOnExecutionException = 3,
        description = "Probe a zone on an authoritative server against a trust anchor (a Nagios/Icinga plugin): "
                + "DNSKEY, SOA, a sample of names, an NXDOMAIN and a NODATA proof. Exit 0 OK, 1 WARNING (a signature "
                + "expires within --warn), 2 CRITICAL (bogus, expired or missing signature, no DNSKEY for the anchor, "
                + "broken denial proof), 3 UNKNOWN (no answer, refused, bad arguments, unreadable trust anchor).")
public final class ProbeCommand implements Callable<Integer> {
    private static final int DEFAULT_PORT = 53;
    private static final int MAX_NAMES = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--zone", paramLabel = "ZONE", description = "the zone apex")
    String zone;

    @Option(
            names = "--server",
            paramLabel = "HOST[:PORT]",
            description = "the authoritative server " + "(IPv6 as [::1]:53); port 53 by default")
    String server;

    @Option(
            names = "--trust-anchor",
            paramLabel = "FILE",
            description = "DS or DNSKEY records of the zone in " + "zone-file format (as Unbound's trust-anchor-file)")
    Path trustAnchor;

    @Option(
            names = "--names",
            paramLabel = "N",
            defaultValue = "10",
            description = "names to sample (default 10): "
                    + "from AXFR when the server allows it, else by walking the NSEC chain, else (NSEC3) common names")
    String names;

    @Option(
            names = "--warn",
            paramLabel = "DURATION",
            defaultValue = "3d",
            description = "WARNING when the earliest RRSIG expiry is closer than this (default 3d; s, m, h, d, w)")
    String warn;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s", description = "per query (default 5s)")
    String timeout;

    @Option(names = "--json", description = "print one JSON object instead of the plugin line")
    boolean json;

    /** Unknown arguments become an UNKNOWN line (a plugin must print one) instead of picocli's usage text. */
    @Unmatched
    List<String> unmatched = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Clock clock = Clock.systemUTC();
        Duration warnAfter = Duration.ofDays(3);
        Name apex = Name.root;
        ProbeResult result;
        try {
            if (!unmatched.isEmpty()) {
                throw new IllegalArgumentException("unknown argument(s): " + String.join(" ", unmatched));
            }
            apex = zone();
            warnAfter = Durations.parse("--warn", warn);
            Duration perQuery = Durations.parse("--timeout", timeout);
            int sample = sampleSize();
            InetSocketAddress address = server();
            TrustAnchor anchor = TrustAnchor.read(required(trustAnchor, "--trust-anchor"), apex);
            DnsClient client = new DnsClient(address, perQuery, anchor, clock);
            result = new ZoneProbe(apex, server, client, anchor, sample, warnAfter, clock, new SecureRandom()).run();
        } catch (IllegalArgumentException | ProbeUnknownException e) {
            String kind = e instanceof ProbeUnknownException ? "cannot-probe" : "bad-arguments";
            result = new ProbeResult(
                    apex,
                    server == null ? "-" : server,
                    OptionalLong.empty(),
                    0,
                    "none",
                    Optional.empty(),
                    List.of(Problem.of(ProbeStatus.UNKNOWN, kind, apex, Problem.NO_TYPE, e.getMessage())),
                    clock.instant());
        }
        print(out, result, warnAfter);
        return result.status().code();
    }

    private void print(PrintWriter out, ProbeResult result, Duration warnAfter) {
        if (json) {
            try {
                out.println(JSON.writeValueAsString(result.json()));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
            }
        } else {
            out.println(result.nagiosLine(warnAfter));
        }
        out.flush();
    }

    private Name zone() {
        try {
            return Name.fromString(required(zone, "--zone"), Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("--zone " + zone + " is not a domain name: " + e.getMessage(), e);
        }
    }

    private int sampleSize() {
        try {
            int n = Integer.parseInt(names.trim());
            if (n < 1 || n > MAX_NAMES) {
                throw new IllegalArgumentException("--names must be 1 to " + MAX_NAMES + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--names takes a number, got '" + names + "'", e);
        }
    }

    /** {@code host}, {@code host:port}, {@code [v6]:port} or a bare IPv6 address. */
    private InetSocketAddress server() throws ProbeUnknownException {
        String s = required(server, "--server").trim();
        String host = s;
        int port = DEFAULT_PORT;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("--server " + s + ": no closing ]");
            }
            host = s.substring(1, close);
            if (s.length() > close + 1) {
                port = port(s.substring(close + 1).replaceFirst("^:", ""));
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = port(s.substring(s.indexOf(':') + 1));
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new ProbeUnknownException("--server " + s + ": cannot resolve " + host + ": " + e.getMessage(), e);
        }
    }

    private int port(String text) {
        try {
            int p = Integer.parseInt(text);
            if (p < 1 || p > 65_535) {
                throw new IllegalArgumentException("--server port must be 1 to 65535, got " + p);
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--server port is not a number: '" + text + "'", e);
        }
    }

    private static <T> T required(T value, String option) {
        if (value == null) {
            throw new IllegalArgumentException("missing required option " + option);
        }
        return value;
    }
}
