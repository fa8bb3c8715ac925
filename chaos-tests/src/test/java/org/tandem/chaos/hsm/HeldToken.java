package org.tandem.chaos.hsm;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import org.tandem.keysync.HsmSessions;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmSpec;
import java.time.Instant;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.proof.PossessionProof;
import org.xbill.DNS.RRSIGRecord;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * A running process that holds a token the way a signer node does: {@code HsmSessions.open} (sessions
 * open, logged in), the zone's keys found, one key's handle cached. On each {@code observe} line on
 * stdin it prints one {@code OBSERVED} line with what four kinds of use give now:
 * <ul>
 *   <li>{@code cached}: a proof of possession with the cached handle (what a zone's signing run does);
 *   <li>{@code list}: listing the zone's keys on the open sessions;
 *   <li>{@code refound}: list, then prove with the freshly found handle (what the election's 5 s
 *       ProvenKeySetCheck does: it re-finds the keys but re-uses the sessions opened at start);
 *   <li>{@code check}: the statuses keysync's {@link KeySetVerifier} gives (the election's check, over a
 *       manifest of the keys found at start);
 *   <li>{@code reopen}: {@code HsmSessions.open} again in the same process (new sessions, C_Login),
 *       list and prove.
 * </ul>
 * At start it prints {@code READY keys=<n>}, and ends there if no ZSK is among them. If the token cannot be opened at start, it prints one {@code FAILED <ExceptionClass>:<CKR name>} line
 * and ends. Each value is {@code ok}, {@code ok:<n keys>}, {@code bad-signature} or {@code
 * <ExceptionClass>:<CKR name>}. Started by TokenFaultsIT as a child JVM; not a test.
 */
public final class HeldToken {
    private HeldToken() {}

    public static void main(String[] args) throws Exception {
        HsmSpec spec = new HsmSpec(new HsmId("held"), Path.of(args[0]), args[1], Path.of(args[2]), 2);
        ZoneName zone = ZoneName.of(args[3]);
        Hsm hsm;
        List<HsmKey> keys;
        try {
            hsm = HsmSessions.open(List.of(spec)).get(0);
            keys = hsm.list(zone);
        } catch (HsmException e) {
            System.out.println("FAILED " + describe(e));
            System.out.flush();
            return;
        }
        System.out.println("READY keys=" + keys.size());
        System.out.flush();
        java.util.Optional<HsmKey> zsk = keys.stream().filter(k -> k.role() == KeyRole.ZSK).findFirst();
        if (zsk.isEmpty()) {
            hsm.close();
            return;
        }
        HsmKey cached = zsk.get();
        ZoneKeySet manifest = ZoneKeySet.empty(zone);
        for (HsmKey k : keys) {
            manifest = manifest.with(new ZoneKeySet.Entry(k.publicKey().orElseThrow(), KeyState.ACTIVE, Instant.now(), "held"));
        }
        KeySetVerifier verifier = new KeySetVerifier(Clock.systemUTC(), new SecureRandom());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && line.equals("observe")) {
            DnssecKey expected = cached.publicKey().orElseThrow();
            String sCached = prove(hsm, cached, expected);
            String sList;
            String sRefound;
            try {
                List<HsmKey> now = hsm.list(zone);
                sList = "ok:" + now.size();
                sRefound = now.stream().filter(k -> k.publicKey().map(expected::equals).orElse(false)).findFirst()
                        .map(k -> prove(hsm, k, expected)).orElse("missing");
            } catch (HsmException | RuntimeException e) {
                sList = describe(e);
                sRefound = "not-listed";
            }
            String sCheck = verifier.verify(manifest, List.of(hsm)).checks().stream().map(c -> c.status().name()).sorted()
                    .collect(java.util.stream.Collectors.joining(","));
            String sReopen;
            try {
                Hsm again = HsmSessions.open(List.of(spec)).get(0);
                try {
                    List<HsmKey> now = again.list(zone);
                    sReopen = now.stream().filter(k -> k.publicKey().map(expected::equals).orElse(false)).findFirst()
                            .map(k -> prove(again, k, expected)).orElse("missing:" + now.size());
                } finally {
                    again.close();
                }
            } catch (HsmException | RuntimeException e) {
                sReopen = describe(e);
            }
            System.out.println("OBSERVED cached=" + sCached + " list=" + sList + " refound=" + sRefound + " check=" + sCheck + " reopen=" + sReopen);
            System.out.flush();
        }
        hsm.close();
    }

    private static String prove(Hsm hsm, HsmKey key, DnssecKey expected) {
        byte[] nonce = new byte[32];
        new SecureRandom().nextBytes(nonce);
        try {
            RRSIGRecord sig = PossessionProof.sign(hsm, key.ref(), expected, nonce, Clock.systemUTC());
            return PossessionProof.verify(expected, nonce, sig, Clock.systemUTC()).isEmpty() ? "ok" : "bad-signature";
        } catch (HsmException | RuntimeException e) {
            return describe(e);
        }
    }

    private static String describe(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof PKCS11Exception p) {
                return e.getClass().getSimpleName() + ":" + p.getMessage().split("[ ,:]")[0] + "(0x" + Long.toHexString(p.getErrorCode()) + ")";
            }
        }
        String m = String.valueOf(e.getMessage()).replace(' ', '_');
        return e.getClass().getSimpleName() + ":" + m.substring(0, Math.min(60, m.length()));
    }
}
