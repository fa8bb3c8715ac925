package org.tandem.chaos.inet;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.tandem.chaos.history.ProberEvent;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.WireParseException;

/**
 * Asks the validating resolver one question and says how it answered, as a {@link ProberEvent}: RD
 * set, EDNS (1232 bytes) with the DO bit, over UDP with TCP on truncation (dnsjava {@link
 * SimpleResolver}).
 *
 * <p>Kinds: NOERROR or NXDOMAIN with AD is {@code AD}; SERVFAIL is {@code SERVFAIL}; no answer within
 * the timeout, or no answer at all (ICMP unreachable: the resolver is down) is {@code TIMEOUT}; every
 * other answer (no AD, REFUSED, a malformed reply) is {@code OTHER}. The EDE options (RFC 8914) of the
 * answer become {@code "code name: extra text"}, several joined by {@code "; "}.
 *
 * <p>Not thread-safe: one prober thread owns it.
 */
final class Prober {
    private final SimpleResolver resolver;
    private final Duration timeout;
    private final Clock clock;

    Prober(InetSocketAddress server, Duration timeout, Clock clock) {
        this.resolver = new SimpleResolver(Objects.requireNonNull(server, "server"));
        this.resolver.setTimeout(Objects.requireNonNull(timeout, "timeout"));
        this.resolver.setEDNS(0, 1232, ExtendedFlags.DO, List.of());
        this.timeout = timeout;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    ProberEvent probe(Query q) {
        Instant at = clock.instant();
        long start = System.nanoTime();
        Message query = Message.newQuery(Record.newRecord(q.name(), q.type(), DClass.IN));
        Message answer;
        try {
            answer = resolver.send(query);
        } catch (WireParseException e) {
            return new ProberEvent(at, q.name().toString(), q.typeName(), ProberEvent.Kind.OTHER, "", "", since(start));
        } catch (SocketTimeoutException e) {
            return new ProberEvent(
                    at, q.name().toString(), q.typeName(), ProberEvent.Kind.TIMEOUT, "", "", timeout.toMillis());
        } catch (IOException e) {
            return new ProberEvent(
                    at, q.name().toString(), q.typeName(), ProberEvent.Kind.TIMEOUT, "", "", since(start));
        }
        return event(at, q, answer, since(start));
    }

    static ProberEvent event(Instant at, Query q, Message answer, long millis) {
        int rcode = answer.getRcode();
        boolean ad = answer.getHeader().getFlag(Flags.AD);
        ProberEvent.Kind kind;
        if ((rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) && ad) {
            kind = ProberEvent.Kind.AD;
        } else if (rcode == Rcode.SERVFAIL) {
            kind = ProberEvent.Kind.SERVFAIL;
        } else {
            kind = ProberEvent.Kind.OTHER;
        }
        return new ProberEvent(at, q.name().toString(), q.typeName(), kind, Rcode.string(rcode), ede(answer), millis);
    }

    static String ede(Message answer) {
        OPTRecord opt = answer.getOPT();
        if (opt == null) {
            return "";
        }
        return opt.getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR).stream()
                .filter(o -> o instanceof ExtendedErrorCodeOption)
                .map(o -> {
                    ExtendedErrorCodeOption e = (ExtendedErrorCodeOption) o;
                    String text = e.getText() == null || e.getText().isEmpty() ? "" : ": " + e.getText();
                    return e.getErrorCode() + " " + ExtendedErrorCodeOption.text(e.getErrorCode()) + text;
                })
                .collect(Collectors.joining("; "));
    }

    private static long since(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
