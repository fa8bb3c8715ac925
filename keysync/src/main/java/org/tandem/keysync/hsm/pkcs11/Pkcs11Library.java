package org.tandem.keysync.hsm.pkcs11;

import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_OS_LOCKING_OK;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmUnavailableException;
import sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * Loads a vendor's PKCS#11 library once per JVM (the JDK keeps one instance per library path,
 * shared with any SunPKCS11 provider for the same library) and finds tokens by label.
 */
final class Pkcs11Library {
    private Pkcs11Library() {}

    /**
     * The initialised library. {@code CKF_OS_LOCKING_OK} lets sessions run in parallel; without it
     * the JDK would serialise every call to the library through one lock.
     */
    static PKCS11 load(HsmId hsm, Path library) throws HsmUnavailableException {
        if (!Files.isRegularFile(library)) {
            throw new HsmUnavailableException(
                    hsm,
                    "PKCS#11 library " + library + " not found"
                            + (library.toString().contains("softhsm")
                                    ? " (install it: apt-get install softhsm2)"
                                    : ""));
        }
        CK_C_INITIALIZE_ARGS args = new CK_C_INITIALIZE_ARGS();
        args.flags = CKF_OS_LOCKING_OK;
        try {
            return PKCS11.getInstance(library.toString(), "C_GetFunctionList", args, false);
        } catch (IOException e) {
            throw new HsmUnavailableException(hsm, "cannot load PKCS#11 library " + library + ": " + e.getMessage(), e);
        } catch (PKCS11Exception e) {
            throw new HsmUnavailableException(
                    hsm, "PKCS#11 library " + library + " failed to initialise: " + e.getMessage(), e);
        }
    }

    /** Slot id of the token with that label; the error lists the labels that are present. */
    static long slotOf(HsmId hsm, PKCS11 p11, Path library, String tokenLabel) throws HsmUnavailableException {
        Map<String, Long> found = new LinkedHashMap<>();
        List<String> broken = new ArrayList<>();
        long[] slots;
        try {
            slots = p11.C_GetSlotList(true);
        } catch (PKCS11Exception e) {
            throw new HsmUnavailableException(hsm, "cannot list tokens of " + library + ": " + e.getMessage(), e);
        }
        for (long slot : slots) {
            String label;
            try {
                label = new String(p11.C_GetTokenInfo(slot).label).trim();
            } catch (PKCS11Exception e) {
                // Another token of the same library went away (SoftHSM2: its directory was removed);
                // that must not make this HSM unreachable too.
                broken.add("slot " + slot + ": " + e.getMessage());
                continue;
            }
            if (label.equals(tokenLabel)) {
                return slot;
            }
            if (!label.isEmpty()) {
                found.put(label, slot);
            }
        }
        throw new HsmUnavailableException(
                hsm,
                "token '" + tokenLabel + "' not found in " + library
                        + (found.isEmpty()
                                ? " (no initialised token present)"
                                : " (present: " + String.join(", ", found.keySet()) + ")")
                        + (broken.isEmpty() ? "" : " (unreadable: " + String.join(", ", broken) + ")")
                        + "; tokens added after this process started are not seen until it restarts");
    }
}
