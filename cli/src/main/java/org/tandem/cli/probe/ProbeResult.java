package org.tandem.cli.probe;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * What one probe found: the zone's serial, how many names it checked, the earliest RRSIG expiry it saw
 * and the problems, worst first (in the order found within one status).
 *
 * @param zone the zone probed
 * @param server the server asked, {@code host:port}
 * @param serial the SOA serial served, when the SOA was answered
 * @param namesChecked distinct owner names whose answers were checked
 * @param namesFrom where the sample came from: {@code axfr}, {@code nsec-walk}, {@code guessed} or {@code none}
 * @param earliest the earliest RRSIG expiration seen
 * @param problems what is wrong; empty when OK
 * @param now the probe's time
 */
record ProbeResult(
        Name zone,
        String server,
        OptionalLong serial,
        int namesChecked,
        String namesFrom,
        Optional<Expiry> earliest,
        List<Problem> problems,
        Instant now) {
    static final String PREFIX = "TANDEM PROBE ";

    ProbeResult {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(namesFrom, "namesFrom");
        Objects.requireNonNull(earliest, "earliest");
        Objects.requireNonNull(now, "now");
        problems = problems.stream()
                .sorted((a, b) ->
                        Integer.compare(b.status().severity(), a.status().severity()))
                .toList();
    }

    /** The worst status among the problems; OK without any. */
    ProbeStatus status() {
        ProbeStatus s = ProbeStatus.OK;
        for (Problem p : problems) {
            s = s.worst(p.status());
        }
        return s;
    }

    /** Seconds from now to the earliest expiry (negative when expired), when any RRSIG was seen. */
    OptionalLong expirySeconds() {
        return earliest.map(
                        e -> OptionalLong.of(Duration.between(now, e.instant()).getSeconds()))
                .orElse(OptionalLong.empty());
    }

    /**
     * The one line for Nagios/Icinga: {@code TANDEM PROBE <STATUS> - <summary> | <performance data>}.
     * OK names zone, serial, names and the earliest expiry; any other status names the first problem
     * (owner, type, key tag, expiry) and how many more there are.
     */
    String nagiosLine(Duration warn) {
        StringBuilder b =
                new StringBuilder(PREFIX).append(status().name()).append(" - ").append(zone);
        serial.ifPresent(s -> b.append(" serial ").append(s));
        if (problems.isEmpty()) {
            b.append(", ").append(namesChecked).append(" names");
            earliest.ifPresent(e -> b.append(", earliest RRSIG expiry ")
                    .append(e.instant())
                    .append(" (")
                    .append(e.covers())
                    .append(')'));
        } else {
            b.append(": ").append(problems.get(0).describe());
            if (problems.size() > 1) {
                b.append(" (+").append(problems.size() - 1).append(" more)");
            }
            b.append("; ").append(namesChecked).append(" names checked");
        }
        return b.append(" | ").append(performanceData(warn)).toString().replace('\n', ' ');
    }

    /**
     * Nagios performance data: {@code expiry_seconds} with the warning range {@code <warn>:} and the
     * critical range {@code 0:} (alert below), {@code names} and {@code problems}.
     */
    String performanceData(Duration warn) {
        StringBuilder b = new StringBuilder();
        expirySeconds()
                .ifPresent(s -> b.append("expiry_seconds=")
                        .append(s)
                        .append("s;")
                        .append(warn.getSeconds())
                        .append(":;0: "));
        return b.append("names=")
                .append(namesChecked)
                .append(" problems=")
                .append(problems.size())
                .toString();
    }

    /** The {@code --json} document (snake_case field names). */
    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status().name());
        m.put("code", status().code());
        m.put("zone", zone.toString());
        m.put("server", server);
        m.put("serial", serial.isPresent() ? serial.getAsLong() : null);
        m.put("names_checked", namesChecked);
        m.put("names_from", namesFrom);
        m.put(
                "earliest_expiry",
                earliest.map(e -> {
                            Map<String, Object> x = new LinkedHashMap<>();
                            x.put("time", e.instant().toString());
                            x.put(
                                    "seconds_left",
                                    Duration.between(now, e.instant()).getSeconds());
                            x.put("owner", e.owner().toString());
                            x.put("type", Type.string(e.type()));
                            x.put("key_tag", e.keyTag());
                            return x;
                        })
                        .orElse(null));
        m.put("problems", problems.stream().map(ProbeResult::problem).toList());
        m.put("checked_at", now.toString());
        return m;
    }

    private static Map<String, Object> problem(Problem p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", p.status().name());
        m.put("kind", p.kind());
        m.put("owner", p.owner().toString());
        m.put("type", p.type() == Problem.NO_TYPE ? null : Type.string(p.type()));
        m.put("key_tag", p.keyTag().isPresent() ? p.keyTag().getAsInt() : null);
        m.put("expiry", p.expiry().map(Instant::toString).orElse(null));
        m.put("detail", p.detail());
        return m;
    }
}
