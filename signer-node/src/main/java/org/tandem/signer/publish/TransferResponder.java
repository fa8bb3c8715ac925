package org.tandem.signer.publish;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TSIGRecord;
import org.xbill.DNS.Type;

/**
 * Turns one request into the reply messages, independent of the transport: access control, TSIG
 * (RFC 8945), the permit, then SOA, AXFR (RFC 5936) or IXFR (RFC 1995). Never throws on what a
 * client sends: a message that cannot be parsed, or is not a query, is dropped with a log line.
 * Thread-safe (stateless apart from the counters).
 */
final class TransferResponder {
    private static final Logger LOG = LoggerFactory.getLogger(TransferResponder.class);

    enum Transport {
        UDP,
        TCP
    }

    /**
     * The messages to send, in order, unsigned; {@code requestTsig} non-null means: sign them as a
     * response to that TSIG (a stream over TCP). {@code transfer} marks a zone transfer, during which
     * the permit is checked again before every message.
     */
    record Reply(List<Message> messages, TSIGRecord requestTsig, boolean transfer) {
        Reply {
            messages = List.copyOf(messages);
        }
    }

    private final List<Cidr> allowFrom;
    private final TSIG tsig;
    private final ServingPermit permit;
    private final Function<Name, ServedZone> zones;
    private final Counters counters;
    private final Clock clock;
    /** The full MAC length of the TSIG key's algorithm, in bytes; 0 without TSIG. */
    private final int macLength;

    TransferResponder(
            List<Cidr> allowFrom,
            TSIG tsig,
            int macLength,
            Clock clock,
            ServingPermit permit,
            Function<Name, ServedZone> zones,
            Counters counters) {
        this.allowFrom = List.copyOf(allowFrom);
        this.tsig = tsig;
        this.macLength = macLength;
        this.clock = clock;
        this.permit = permit;
        this.zones = zones;
        this.counters = counters;
    }

    /** The reply to {@code wire} from {@code client}; empty when the message is dropped. */
    Optional<Reply> respond(byte[] wire, InetAddress client, Transport transport) {
        Message q;
        try {
            q = new Message(wire);
        } catch (IOException | RuntimeException e) {
            counters.malformed.incrementAndGet();
            LOG.warn(
                    "dropped malformed message client={} transport={} bytes={}: {}",
                    client.getHostAddress(),
                    transport,
                    wire.length,
                    e.toString());
            return Optional.empty();
        }
        Header h = q.getHeader();
        if (h.getFlag(Flags.QR)) {
            counters.malformed.incrementAndGet();
            LOG.warn(
                    "dropped a response sent as a request client={} transport={} id={}",
                    client.getHostAddress(),
                    transport,
                    h.getID());
            return Optional.empty();
        }
        Record question = q.getQuestion();
        String what = (question == null ? "(no question)" : question.getName() + " " + Type.string(question.getType()));
        // an empty allow-list allows nobody
        if (allowFrom.stream().noneMatch(n -> n.contains(client))) {
            return refuse(q, null, Rcode.REFUSED, client, what, "client not in the allow-list");
        }
        TSIGRecord requestTsig = q.getTSIG();
        if (tsig != null) {
            if (requestTsig == null) {
                counters.tsigRejected.incrementAndGet();
                return refuse(q, null, Rcode.REFUSED, client, what, "TSIG required, request unsigned");
            }
            int error = tsig.verify(q, wire, null);
            String policy = null;
            if (error == Rcode.NOERROR) {
                // dnsjava accepts a MAC truncated to half its length (RFC 8945 §5.2.2.1) and the
                // client's own fudge, however long; here the MAC is full length and the fudge at most
                // MAX_FUDGE, so a captured request cannot be replayed for an hour.
                error = policy(requestTsig);
                policy = error == Rcode.NOERROR
                        ? null
                        : error == Rcode.BADTRUNC
                                ? "MAC truncated to " + requestTsig.getSignature().length
                                        + " bytes; full-length MACs only"
                                : "signed " + requestTsig.getTimeSigned() + ", outside the server's fudge of "
                                        + MAX_FUDGE.toSeconds() + " s (the request's fudge is "
                                        + requestTsig.getFudge().toSeconds() + " s)";
            }
            if (error != Rcode.NOERROR) {
                counters.notAuthorized.incrementAndGet();
                counters.tsigRejected.incrementAndGet();
                refusal(q);
                LOG.warn(
                        "refused NOTAUTH client={} query={} tsig-key={} tsig-error={}{}",
                        client.getHostAddress(),
                        what,
                        requestTsig.getName(),
                        Rcode.TSIGstring(error),
                        policy == null ? "" : ": " + policy);
                Message r = header(q, Rcode.NOTAUTH);
                if (error == Rcode.BADKEY
                        || error == Rcode.BADSIG
                        || error == Rcode.BADTIME
                        || error == Rcode.BADTRUNC) {
                    // RFC 8945 §5.2: the TSIG error rides in the response's TSIG (BADTIME signed, the others not)
                    tsig.apply(r, error, requestTsig);
                }
                return Optional.of(new Reply(List.of(r), null, false));
            }
        } else if (requestTsig != null) {
            counters.notAuthorized.incrementAndGet();
            counters.tsigRejected.incrementAndGet();
            refusal(q);
            LOG.warn(
                    "refused NOTAUTH client={} query={} tsig-key={}: no TSIG key is configured here",
                    client.getHostAddress(),
                    what,
                    requestTsig.getName());
            return Optional.of(new Reply(List.of(header(q, Rcode.NOTAUTH)), null, false));
        }
        TSIGRecord signAs = tsig != null ? requestTsig : null;
        if (h.getOpcode() != Opcode.QUERY) {
            return refuse(
                    q, signAs, Rcode.NOTIMP, client, what, "opcode " + Opcode.string(h.getOpcode()) + " not served");
        }
        if (question == null || h.getCount(Section.QUESTION) != 1) {
            return refuse(q, signAs, Rcode.FORMERR, client, what, "a query needs exactly one question");
        }
        if (!permit.mayServe()) {
            return refuse(
                    q, signAs, Rcode.REFUSED, client, what, "not serving: this node holds no valid leadership lease");
        }
        int qtype = question.getType();
        if (qtype != Type.SOA && qtype != Type.AXFR && qtype != Type.IXFR) {
            return refuse(q, signAs, Rcode.REFUSED, client, what, "only SOA, AXFR and IXFR are served here");
        }
        ServedZone zone = zones.apply(question.getName());
        if (zone == null || (question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY)) {
            counters.notAuthorized.incrementAndGet();
            refusal(q);
            LOG.info("refused NOTAUTH client={} query={}: zone not served here", client.getHostAddress(), what);
            return Optional.of(new Reply(List.of(header(q, Rcode.NOTAUTH)), signAs, false));
        }
        switch (qtype) {
            case Type.SOA:
                counters.soaAnswers.incrementAndGet();
                return Optional.of(new Reply(List.of(answer(q, List.of(zone.soa))), signAs, false));
            case Type.AXFR:
                if (transport != Transport.TCP) {
                    return refuse(q, signAs, Rcode.FORMERR, client, what, "AXFR over UDP (RFC 5936 §4.2 needs TCP)");
                }
                counters.axfrTransfers.incrementAndGet();
                counters.event(Optional.of(zone.zone), TransferEvent.AXFR_SERVED);
                LOG.info(
                        "axfr zone={} serial={} client={} messages={}",
                        zone.zone,
                        zone.serial(),
                        client.getHostAddress(),
                        zone.axfrMessages.size());
                return Optional.of(transfer(q, zone.axfrMessages, signAs));
            default:
                return ixfr(q, zone, signAs, client, transport, what);
        }
    }

    private Optional<Reply> ixfr(
            Message q, ServedZone zone, TSIGRecord signAs, InetAddress client, Transport transport, String what) {
        SOARecord clientSoa = null;
        for (Record r : q.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord s && r.getName().equals(zone.zone.name())) {
                clientSoa = s;
            }
        }
        if (clientSoa == null) {
            return refuse(
                    q, signAs, Rcode.FORMERR, client, what, "IXFR without the client's SOA in the authority section");
        }
        long have = clientSoa.getSerial();
        // RFC 1995 §2: a client as new as the server, or any IXFR over UDP, gets the current SOA alone
        if (have == zone.serial() || Serials.greater(have, zone.serial()) || transport == Transport.UDP) {
            counters.ixfrUpToDate.incrementAndGet();
            counters.event(Optional.of(zone.zone), TransferEvent.IXFR_UP_TO_DATE);
            LOG.info(
                    "ixfr zone={} serial={} client={} client-serial={} transport={}: single SOA",
                    zone.zone,
                    zone.serial(),
                    client.getHostAddress(),
                    have,
                    transport);
            return Optional.of(new Reply(List.of(answer(q, List.of(zone.soa))), signAs, false));
        }
        Optional<List<Record>> incremental = zone.ixfrStream(have);
        if (incremental.isPresent()) {
            counters.ixfrIncremental.incrementAndGet();
            counters.event(Optional.of(zone.zone), TransferEvent.IXFR_INCREMENTAL);
            List<List<Record>> messages = TransferMessages.split(
                    incremental.get(), TransferMessages.budget(zone.zone.name().length()));
            LOG.info(
                    "ixfr zone={} serial={} client={} client-serial={} records={} messages={}",
                    zone.zone,
                    zone.serial(),
                    client.getHostAddress(),
                    have,
                    incremental.get().size(),
                    messages.size());
            return Optional.of(transfer(q, messages, signAs));
        }
        counters.ixfrFallbacks.incrementAndGet();
        counters.axfrTransfers.incrementAndGet();
        counters.event(Optional.of(zone.zone), TransferEvent.IXFR_FULL);
        LOG.info(
                "ixfr zone={} serial={} client={} client-serial={}: not in the journal, full zone sent",
                zone.zone,
                zone.serial(),
                client.getHostAddress(),
                have);
        return Optional.of(transfer(q, zone.axfrMessages, signAs));
    }

    private Reply transfer(Message q, List<List<Record>> chunks, TSIGRecord signAs) {
        List<Message> messages = new ArrayList<>(chunks.size());
        for (List<Record> chunk : chunks) {
            messages.add(answer(q, chunk));
        }
        return new Reply(messages, signAs, true);
    }

    private Optional<Reply> refuse(
            Message q, TSIGRecord signAs, int rcode, InetAddress client, String what, String why) {
        if (rcode == Rcode.REFUSED) {
            counters.refused.incrementAndGet();
        }
        refusal(q);
        LOG.warn("refused {} client={} query={}: {}", Rcode.string(rcode), client.getHostAddress(), what, why);
        return Optional.of(new Reply(List.of(header(q, rcode)), signAs, false));
    }

    /**
     * Tells the listener of a refused AXFR, IXFR or NOTIFY (whatever the rcode); other requests are
     * not transfers. The zone only when it is one served here.
     */
    private void refusal(Message q) {
        Record question = q.getQuestion();
        if (question == null) {
            return;
        }
        TransferEvent event;
        if (q.getHeader().getOpcode() == Opcode.NOTIFY) {
            event = TransferEvent.NOTIFY_RECEIVED_REFUSED;
        } else if (question.getType() == Type.AXFR) {
            event = TransferEvent.AXFR_REFUSED;
        } else if (question.getType() == Type.IXFR) {
            event = TransferEvent.IXFR_REFUSED;
        } else {
            return;
        }
        ServedZone served = zones.apply(question.getName());
        counters.event(Optional.ofNullable(served).map(z -> z.zone), event);
    }

    /** A response header for {@code q}: same id, opcode, RD and question. */
    private static Message header(Message q, int rcode) {
        Message r = new Message(q.getHeader().getID());
        Header h = r.getHeader();
        h.setFlag(Flags.QR);
        h.setOpcode(q.getHeader().getOpcode());
        if (q.getHeader().getFlag(Flags.RD)) {
            h.setFlag(Flags.RD);
        }
        h.setRcode(rcode);
        Record question = q.getQuestion();
        if (question != null && q.getHeader().getCount(Section.QUESTION) == 1) {
            r.addRecord(question, Section.QUESTION);
        }
        return r;
    }

    private static Message answer(Message q, List<Record> records) {
        Message r = header(q, Rcode.NOERROR);
        r.getHeader().setFlag(Flags.AA);
        for (Record rec : records) {
            r.addRecord(rec, Section.ANSWER);
        }
        return r;
    }

    /**
     * Wire form of the reply's messages, signed when the request was: the first message with every
     * TSIG variable, the following ones chained to the previous MAC (RFC 8945 §5.3.1).
     */
    static byte[] render(Message m, TSIG tsig, TSIGRecord previous, boolean first) {
        if (tsig != null && previous != null) {
            tsig.apply(m, previous, first);
        }
        return m.toWire();
    }

    TSIG tsig() {
        return tsig;
    }

    /** The most clock difference a request's TSIG may claim (RFC 8945 §10 recommends 300 s). */
    static final Duration MAX_FUDGE = Duration.ofSeconds(300);

    /**
     * The server's own TSIG policy on a request whose MAC dnsjava verified: the MAC is full length
     * ({@code BADTRUNC} otherwise) and the time signed within {@link #MAX_FUDGE} of now, whatever
     * fudge the request claims ({@code BADTIME} otherwise).
     */
    private int policy(TSIGRecord requestTsig) {
        if (requestTsig.getSignature().length < macLength) {
            return Rcode.BADTRUNC;
        }
        Duration skew =
                Duration.between(clock.instant(), requestTsig.getTimeSigned()).abs();
        if (skew.compareTo(MAX_FUDGE) > 0) {
            return Rcode.BADTIME;
        }
        return Rcode.NOERROR;
    }
}
