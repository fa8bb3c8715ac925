package org.tandem.signer.election;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.tandem.keysync.key.ZoneName;

/**
 * A signer node reduced to its election and ledger, run as a separate JVM by {@link PausedLeaderIT}:
 * while it believes it leads, it commits a new serial every 50 ms, exactly as the daemon would
 * (check {@link Leadership#isValid()}, allocate, commit). It prints one line per event on stdout:
 * {@code LEADER epoch=N}, {@code LOST epoch=N reason=R}, {@code STATE s}, {@code COMMIT epoch=N
 * serial=S at=MILLIS}, {@code REFUSED epoch=N serial=S at=MILLIS exception}. Public API only.
 *
 * <p>Arguments: connect string, root, node name, session timeout in ms, zone, and optionally {@code
 * bypass-lease}: the node then keeps committing under its first term with the lease check taken out
 * (a copy of that term with an hour of lease, as a JVM with a broken lease would hold), so that only
 * the ledger's epoch check can stop it.
 */
public final class PausedLeaderMain {
    private PausedLeaderMain() {}

    public static void main(String[] args) throws Exception {
        String connect = args[0];
        String root = args[1];
        String node = args[2];
        Duration session = Duration.ofMillis(Long.parseLong(args[3]));
        ZoneName zone = ZoneName.of(args[4]);
        boolean bypassLease = args.length > 5 && args[5].equals("bypass-lease");
        Clock clock = Clock.systemUTC();
        CuratorFramework client = ElectionNode.connect(connect, session);
        client.getConnectionStateListenable().addListener((c, s) -> say("STATE " + s));
        KeySyncCheck alwaysSynced = () -> KeySyncVerdict.synced(clock.instant(), List.of(zone));
        PublishLedger ledger = new PublishLedger(client, root, clock);
        try (KeySyncedElection election = new KeySyncedElection(ElectionSetup.of(
                client,
                root,
                node,
                alwaysSynced,
                new ElectionSettings(Duration.ofMillis(200), 0.5, Duration.ofMillis(300)),
                clock))) {
            election.addListener(new LeadershipListener() {
                @Override
                public void gained(Leadership l) {
                    say("LEADER epoch=" + l.epoch());
                }

                @Override
                public void lost(Leadership l, LossReason reason) {
                    say("LOST epoch=" + l.epoch() + " reason=" + reason.display());
                }
            });
            election.start();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Leadership first = null;
            Leadership held = null;
            long lastSerial = 0;
            while (true) {
                Leadership l = election.leadership().orElse(null);
                boolean inFlight = false;
                if (bypassLease) {
                    first = first != null ? first : l == null ? null : withoutLease(l);
                    l = first;
                } else if (l == null && held != null) {
                    // the commit a resumed leader had in flight, once, with the leadership it held and the
                    // serial it had drawn (no ZooKeeper read): its lease check refuses it before the
                    // epoch fence is asked
                    inFlight = true;
                    l = held;
                    held = null;
                } else if (l != null) {
                    held = l;
                }
                if (l != null) {
                    long serial = inFlight ? lastSerial + 1 : lastSerial;
                    try {
                        // a ZooKeeper failure here (the session expired during the pause) is a refusal too
                        serial = inFlight ? serial : ledger.nextSerial(zone, 1);
                        lastSerial = serial;
                        byte[] digest = sha.digest((node + " " + serial).getBytes(StandardCharsets.UTF_8));
                        ledger.commit(l, zone, serial, digest);
                        say("COMMIT epoch=" + l.epoch() + " serial=" + serial + " at="
                                + Instant.now().toEpochMilli());
                    } catch (LedgerException e) {
                        say("REFUSED epoch=" + l.epoch() + " serial=" + serial + " at="
                                + Instant.now().toEpochMilli() + " "
                                + e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                }
                Thread.sleep(50);
            }
        }
    }

    /** {@code term} with an hour of lease from now: {@link Leadership#isValid()} no longer guards it. */
    private static Leadership withoutLease(Leadership term) {
        return new Leadership(
                term.node(),
                term.epoch(),
                term.latchNode(),
                term.epochPath(),
                term.since(),
                Duration.ofHours(1),
                System.nanoTime(),
                System::nanoTime);
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
