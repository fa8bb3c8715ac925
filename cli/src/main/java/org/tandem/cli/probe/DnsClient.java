package org.tandem.cli.probe;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.ZoneTransferException;
import org.xbill.DNS.ZoneTransferIn;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * Queries to one authoritative server: raw (DO and CD set, so the server's records come back as
 * served, RRSIGs included), validated (through dnsjava's {@link ValidatingResolver} with the trust
 * anchor, which fetches the DNSKEY RRset from the same server), and AXFR. UDP with an EDNS buffer
 * of 1232 octets; dnsjava's {@link SimpleResolver} retries over TCP when an answer is truncated.
 *
 * <p>Not thread-safe; one per probe.
 */
final class DnsClient {
    private static final int EDNS_BUFFER = 1232;

    private final InetSocketAddress server;
    private final Duration timeout;
    private final SimpleResolver raw;
    private final ValidatingResolver validating;

    DnsClient(InetSocketAddress server, Duration timeout, TrustAnchor anchor, Clock clock)
            throws ProbeUnknownException {
        this.server = server;
        this.timeout = timeout;
        this.raw = resolver(server, timeout);
        this.validating = new ValidatingResolver(resolver(server, timeout), clock);
        try {
            validating.loadTrustAnchors(
                    new ByteArrayInputStream(anchor.zoneFileText().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new ProbeUnknownException(
                    "the validator refused the trust anchor for " + anchor.zone() + ": " + e, e);
        }
    }

    private static SimpleResolver resolver(InetSocketAddress server, Duration timeout) {
        SimpleResolver r = new SimpleResolver(server);
        r.setTimeout(timeout);
        r.setEDNS(0, EDNS_BUFFER, ExtendedFlags.DO, List.of());
        return r;
    }

    /** The answer as served (DO, CD). */
    Message raw(Name name, int type) throws IOException {
        Message q = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        q.getHeader().setFlag(Flags.CD);
        return raw.send(q);
    }

    /**
     * The validator's answer: AD set when secure; SERVFAIL with an extended DNS error (RFC 8914)
     * naming the reason when bogus.
     */
    Message validated(Name name, int type) throws IOException {
        return validating.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
    }

    /** The whole zone by AXFR over TCP. */
    List<Record> axfr(Name zone) throws IOException, ZoneTransferException {
        ZoneTransferIn xfr = ZoneTransferIn.newAXFR(zone, server, null);
        xfr.setTimeout(timeout);
        xfr.run();
        return xfr.getAXFR();
    }
}
