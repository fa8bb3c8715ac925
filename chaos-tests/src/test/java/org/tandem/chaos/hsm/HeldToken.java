package org.tandem.chaos.hsm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.tandem.keysync.HsmSessions;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.keysync.proof.PossessionProof;
import org.xbill.DNS.RRSIGRecord;
import sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Constants;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * A running process that holds a token the way a signer node does: {@code HsmSessions.open} (sessions
 * open, logged in), the zone's keys found, one key's handle cached. On each {@code observe} line on
 * stdin it prints one {@code OBSERVED} line with what four kinds of use give now:
 * <ul>
 *   <li>{@code probe}: the raw PKCS#11 calls under an open: slot listed, C_OpenSession, C_Login;
 *   <li>{@code cached}: a proof of possession with the cached handle (what a zone's signing run does);
 *   <li>{@code list}: listing the zone's keys on the open sessions;
 *   <li>{@code refound}: list, then prove with the freshly found handle (what the election's 5 s
 *       ProvenKeySetCheck does: it re-finds the keys but re-uses the sessions opened at start);
 *   <li>{@code check}: the statuses keysync's {@link KeySetVerifier} gives (the election's check, over a
 *       manifest of the keys found at start);
 *   <li>{@code reopen}: {@code HsmSessions.open} again in the same process (new sessions, C_Login),
 *       list and prove.
 * </ul>
 * At start it prints {@code READY keys=<n>}, and ends there if no ZSK is among them. If the token cannot be opened at
 * start, it prints one {@code FAILED <ExceptionClass>:<CKR name>} line
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
        Optional<HsmKey> zsk =
                keys.stream().filter(k -> k.role() == KeyRole.ZSK).findFirst();
        if (zsk.isEmpty()) {
            hsm.close();
            return;
        }
        HsmKey cached = zsk.get();
        ZoneKeySet manifest = ZoneKeySet.empty(zone);
        for (HsmKey k : keys) {
            manifest = manifest.with(
                    new ZoneKeySet.Entry(k.publicKey().orElseThrow(), KeyState.ACTIVE, Instant.now(), "held"));
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
                sRefound = now.stream()
                        .filter(k -> k.publicKey().map(expected::equals).orElse(false))
                        .findFirst()
                        .map(k -> prove(hsm, k, expected))
                        .orElse("missing");
            } catch (HsmException | RuntimeException e) {
                sList = describe(e);
                sRefound = "not-listed";
            }
            String sCheck = verifier.verify(manifest, List.of(hsm)).checks().stream()
                    .map(c -> c.status().name())
                    .sorted()
                    .collect(Collectors.joining(","));
            String sReopen;
            try {
                Hsm again = HsmSessions.open(List.of(spec)).get(0);
                try {
                    List<HsmKey> now = again.list(zone);
                    sReopen = now.stream()
                            .filter(k -> k.publicKey().map(expected::equals).orElse(false))
                            .findFirst()
                            .map(k -> prove(again, k, expected))
                            .orElse("missing:" + now.size());
                } finally {
                    again.close();
                }
            } catch (HsmException | RuntimeException e) {
                sReopen = describe(e);
            }
            String sOther = "";
            if (args.length > 4) {
                HsmSpec other = new HsmSpec(new HsmId("other"), spec.library(), args[4], Path.of(args[5]), 1);
                try {
                    HsmSessions.open(List.of(other)).get(0).close();
                    sOther = " other=ok";
                } catch (HsmException | RuntimeException e) {
                    sOther = " other=" + describe(e);
                }
            }
            System.out.println("OBSERVED probe=" + probe(spec) + " cached=" + sCached + " list=" + sList + " refound="
                    + sRefound + " check=" + sCheck + " reopen=" + sReopen + sOther);
            System.out.flush();
        }
        hsm.close();
    }

    /**
     * The raw PKCS#11 calls under keysync's open, on the library instance this process already has
     * (the JDK keeps one per library path): is the slot still listed with its token, does
     * C_OpenSession work, what does C_Login give on the new session.
     */
    /** The token's slot id, found at the first probe (before any fault). */
    private static long knownSlot = -1;

    private static String probe(HsmSpec spec) {
        StringBuilder b = new StringBuilder();
        try {
            CK_C_INITIALIZE_ARGS init = new CK_C_INITIALIZE_ARGS();
            init.flags = PKCS11Constants.CKF_OS_LOCKING_OK;
            PKCS11 p11 = PKCS11.getInstance(spec.library().toString(), "C_GetFunctionList", init, false);
            long slot = -1;
            long[] slots = p11.C_GetSlotList(true);
            List<String> infoErrors = new ArrayList<>();
            for (long s : slots) {
                try {
                    if (new String(p11.C_GetTokenInfo(s).label).trim().equals(spec.tokenLabel())) {
                        slot = s;
                    }
                } catch (PKCS11Exception e) {
                    infoErrors.add("C_GetTokenInfo:" + ckr(e));
                }
            }
            b.append("slots:")
                    .append(slots.length)
                    .append(",tokeninfo-errors:")
                    .append(infoErrors.isEmpty() ? "none" : infoErrors)
                    .append(",target:")
                    .append(slot < 0 ? "absent" : "listed");
            if (slot >= 0) {
                knownSlot = slot;
            } else if (knownSlot >= 0) {
                slot = knownSlot; // the slot id it had before the fault: do new sessions on it still work?
            } else {
                return b.toString();
            }
            long session;
            try {
                session = p11.C_OpenSession(
                        slot, PKCS11Constants.CKF_SERIAL_SESSION | PKCS11Constants.CKF_RW_SESSION, null, null);
                b.append(",open:ok");
            } catch (PKCS11Exception e) {
                return b.append(",open:").append(ckr(e)).toString();
            }
            try {
                p11.C_Login(
                        session,
                        PKCS11Constants.CKU_USER,
                        Files.readString(spec.pinFile()).strip().toCharArray());
                b.append(",login:ok");
            } catch (PKCS11Exception e) {
                b.append(",login:").append(ckr(e));
            } finally {
                p11.C_CloseSession(session);
            }
        } catch (PKCS11Exception e) {
            b.append("error:").append(ckr(e));
        } catch (IOException e) {
            b.append("error:").append(e.getClass().getSimpleName());
        }
        return b.toString();
    }

    private static String ckr(PKCS11Exception e) {
        return e.getMessage().split("[ ,:]")[0];
    }

    private static String prove(Hsm hsm, HsmKey key, DnssecKey expected) {
        byte[] nonce = new byte[32];
        new SecureRandom().nextBytes(nonce);
        try {
            RRSIGRecord sig = PossessionProof.sign(hsm, key.ref(), expected, nonce, Clock.systemUTC());
            return PossessionProof.verify(expected, nonce, sig, Clock.systemUTC())
                            .isEmpty()
                    ? "ok"
                    : "bad-signature";
        } catch (HsmException | RuntimeException e) {
            return describe(e);
        }
    }

    private static String describe(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof PKCS11Exception p) {
                return e.getClass().getSimpleName() + ":" + p.getMessage().split("[ ,:]")[0] + "(0x"
                        + Long.toHexString(p.getErrorCode()) + ")";
            }
        }
        String m = String.valueOf(e.getMessage()).replace(' ', '_');
        return e.getClass().getSimpleName() + ":" + m.substring(0, Math.min(60, m.length()));
    }
}
