package org.tandem.signer.publish;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;

/**
 * Sends NOTIFY (RFC 1996) for a new version to every configured secondary over UDP, from the
 * server's address: up to {@code notifyAttempts} sends per target, each waiting twice as long as
 * the one before (RFC 1996 §3.6). Stops early when the secondary answers, when a newer version
 * supersedes this one, or when the permit says no. Only an answer from the target's own address
 * (a connected socket) counts, and with TSIG only one signed with the key. Every outcome is one log line with zone,
 * serial, target and attempt. Runs on the server's scheduler; never blocks the caller.
 */
final class Notifier {
    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

    private final List<InetSocketAddress> targets;
    private final int attempts;
    private final Duration firstTimeout;
    private final TSIG tsig;
    private final ServingPermit permit;
    private final InetAddress source;
    private final ScheduledExecutorService scheduler;
    private final Function<ZoneName, Long> currentSerial;
    private final Counters counters;

    Notifier(
            TransferConfig config,
            TSIG tsig,
            ServingPermit permit,
            ScheduledExecutorService scheduler,
            Function<ZoneName, Long> currentSerial,
            Counters counters) {
        this.targets = config.notifyTargets();
        this.attempts = config.notifyAttempts();
        this.firstTimeout = config.notifyTimeout();
        this.tsig = tsig;
        this.permit = permit;
        this.source = config.listen().getAddress();
        this.scheduler = scheduler;
        this.currentSerial = currentSerial;
        this.counters = counters;
    }

    /** Schedules NOTIFY of {@code soa}'s version to every target. */
    void announce(ZoneName zone, SOARecord soa) {
        for (InetSocketAddress target : targets) {
            schedule(zone, soa, target, 1, 0);
        }
    }

    private void schedule(ZoneName zone, SOARecord soa, InetSocketAddress target, int attempt, long delayMillis) {
        try {
            scheduler.schedule(() -> attempt(zone, soa, target, attempt), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.info(
                    "notify zone={} serial={} target={} not sent: the transfer server is stopping",
                    zone,
                    soa.getSerial(),
                    target);
        }
    }

    private void attempt(ZoneName zone, SOARecord soa, InetSocketAddress target, int attempt) {
        long serial = soa.getSerial();
        Long current = currentSerial.apply(zone);
        if (current == null || current != serial) {
            LOG.info(
                    "notify zone={} serial={} target={} attempt={} dropped: superseded by serial {}",
                    zone,
                    serial,
                    target,
                    attempt,
                    current);
            return;
        }
        if (!permit.mayServe()) {
            counters.notifiesFailed.incrementAndGet();
            counters.event(Optional.of(zone), TransferEvent.NOTIFY_FAILED);
            LOG.warn(
                    "notify zone={} serial={} target={} attempt={} not sent: this node holds no valid leadership lease",
                    zone,
                    serial,
                    target,
                    attempt);
            return;
        }
        Duration wait = firstTimeout.multipliedBy(1L << Math.min(attempt - 1, 20));
        Message notify = notifyMessage(zone, soa);
        if (tsig != null) {
            tsig.apply(notify, null);
        }
        byte[] out = notify.toWire();
        int id = notify.getHeader().getID();
        String failure;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(source, 0))) {
            // Connected: the kernel hands this socket only datagrams from the target, so an answer
            // spoofed from any other address never reaches the checks below.
            socket.connect(target);
            socket.send(new DatagramPacket(out, out.length, target));
            long deadline = System.nanoTime() + wait.toNanos();
            byte[] buf = new byte[4096];
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new SocketTimeoutException("no answer within " + wait.toMillis() + " ms");
                }
                socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                Message answer;
                byte[] wire = Arrays.copyOf(p.getData(), p.getLength());
                try {
                    answer = new Message(wire);
                } catch (IOException e) {
                    LOG.warn(
                            "notify zone={} serial={} target={}: dropped a malformed answer from {}: {}",
                            zone,
                            serial,
                            target,
                            p.getSocketAddress(),
                            e.getMessage());
                    continue;
                }
                if (answer.getHeader().getID() != id
                        || !answer.getHeader().getFlag(Flags.QR)
                        || answer.getHeader().getOpcode() != Opcode.NOTIFY) {
                    continue;
                }
                if (tsig != null) {
                    // RFC 8945 §5.3: the answer to a signed NOTIFY is signed with the same key
                    int error = answer.getTSIG() == null ? Rcode.FORMERR : tsig.verify(answer, wire, notify.getTSIG());
                    if (error != Rcode.NOERROR) {
                        LOG.warn(
                                "notify zone={} serial={} target={} attempt={}: ignored an answer {}",
                                zone,
                                serial,
                                target,
                                attempt,
                                answer.getTSIG() == null
                                        ? "without TSIG"
                                        : "whose TSIG does not verify (" + Rcode.TSIGstring(error) + ")");
                        continue;
                    }
                }
                int rcode = answer.getRcode();
                if (rcode == Rcode.NOERROR) {
                    counters.notifiesAcknowledged.incrementAndGet();
                    counters.event(Optional.of(zone), TransferEvent.NOTIFY_ACKNOWLEDGED);
                    LOG.info(
                            "notify zone={} serial={} target={} attempt={} acknowledged",
                            zone,
                            serial,
                            target,
                            attempt);
                } else {
                    counters.notifiesFailed.incrementAndGet();
                    counters.event(Optional.of(zone), TransferEvent.NOTIFY_FAILED);
                    LOG.warn(
                            "notify zone={} serial={} target={} attempt={} answered {}; not retried (check the "
                                    + "secondary's allow-notify and key)",
                            zone,
                            serial,
                            target,
                            attempt,
                            Rcode.string(rcode));
                }
                return;
            }
        } catch (IOException e) {
            failure = e.getMessage();
        }
        if (attempt < attempts) {
            LOG.info(
                    "notify zone={} serial={} target={} attempt={} failed ({}); retrying",
                    zone,
                    serial,
                    target,
                    attempt,
                    failure);
            schedule(zone, soa, target, attempt + 1, 0);
        } else {
            counters.notifiesFailed.incrementAndGet();
            counters.event(Optional.of(zone), TransferEvent.NOTIFY_FAILED);
            LOG.warn(
                    "notify zone={} serial={} target={} gave up after {} attempts ({}); the secondary will still "
                            + "refresh on its SOA timer",
                    zone,
                    serial,
                    target,
                    attempts,
                    failure);
        }
    }

    static Message notifyMessage(ZoneName zone, SOARecord soa) {
        Message m = new Message();
        m.getHeader().setOpcode(Opcode.NOTIFY);
        m.getHeader().setFlag(Flags.AA);
        m.addRecord(Record.newRecord(zone.name(), Type.SOA, DClass.IN), Section.QUESTION);
        // RFC 1996 §3.7: the new SOA may ride in the answer section as a hint
        m.addRecord(soa, Section.ANSWER);
        return m;
    }
}
