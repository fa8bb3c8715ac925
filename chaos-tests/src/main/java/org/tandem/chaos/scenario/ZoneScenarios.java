package org.tandem.chaos.scenario;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.tandem.chaos.cluster.Cluster;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.ProberEvent;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;

/** The zone-content replays. */
final class ZoneScenarios {
    private ZoneScenarios() {}

    /** Record types the Restena signer skipped: a private-use type and a recently assigned one, in RFC 3597 form. */
    static final List<String> NEW_TYPES = List.of("x        TYPE65280 \\# 4 01020304", "y        TYPE261 \\# 3 010203");

    /**
     * F13, the Restena replay: record types the signer never saw arrive in the unsigned zone. Every
     * RRset must be signed (or publication blocked loudly); here Tandem signs them, and the version
     * must reach the authoritative server with an RRSIG over each new type and validate through Unbound.
     */
    static final class RestenaUnsignableType implements Scenario {
        @Override
        public String name() {
            return "restena-unsignable-type";
        }

        @Override
        public String description() {
            return "TYPE65280 and TYPE261 (RFC 3597 form) appear in the unsigned zone: signed and validated, never "
                    + "skipped";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            t.fault("unsigned zone gains x TYPE65280 and y TYPE261");
            c.writeZone(NEW_TYPES);
            try {
                CapturedVersion v = c.poll(
                        "a version with the new types at the authoritative server",
                        Duration.ofSeconds(60),
                        () -> c.captures().stream()
                                .filter(x -> x.serial() > t.serialBefore() && signsNewTypes(c, x))
                                .findFirst());
                t.note("serial " + v.serial()
                        + " reached the authoritative server with RRSIGs over TYPE65280 and TYPE261");
                ProberEvent e = c.poll(
                        "a validated (AD) answer for x.example.test. TYPE65280",
                        Duration.ofSeconds(40),
                        () -> c.prober().stream()
                                .filter(p -> p.at().isAfter(v.at())
                                        && p.name().startsWith("x.")
                                        && p.type().equals("TYPE65280")
                                        && p.kind() == ProberEvent.Kind.AD
                                        && p.rcode().equals("NOERROR"))
                                .findFirst());
                t.note("Unbound answered x.example.test. TYPE65280 NOERROR with AD at " + e.at());
            } finally {
                c.writeZone(List.of());
                t.healed();
            }
            c.poll(
                    "the version without the new types at the authoritative server",
                    Duration.ofSeconds(60),
                    () -> c.captures().stream()
                            .filter(x -> x.serial() > t.serialBefore() && !hasType(c, x, 65280))
                            .reduce((a, b) -> b)
                            .filter(x -> x.at().isAfter(t.healedAtOrNow())));
        }

        private static boolean signsNewTypes(Cluster c, CapturedVersion v) {
            return signed(c, v, 65280) && signed(c, v, 261);
        }

        private static boolean signed(Cluster c, CapturedVersion v, int type) {
            return records(c, v).stream().anyMatch(r -> r instanceof RRSIGRecord s && s.getTypeCovered() == type);
        }

        private static boolean hasType(Cluster c, CapturedVersion v, int type) {
            return records(c, v).stream().anyMatch(r -> r.getType() == type);
        }

        private static List<Record> records(Cluster c, CapturedVersion v) {
            try {
                return Checker.parse(c.report().resolve(v.file()), v.zone());
            } catch (IOException e) {
                return List.of();
            }
        }
    }
}
