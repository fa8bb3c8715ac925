package org.tandem.keysync.testing;

import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_OS_LOCKING_OK;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_RW_SESSION;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_SERIAL_SESSION;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKU_USER;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/** Raw PKCS#11 access to a token for fixtures: one logged-in session, then closed. */
public final class TokenAccess {
    private static final long CKR_USER_ALREADY_LOGGED_IN = 0x100L;

    @FunctionalInterface
    public interface Work {
        void run(PKCS11 p11, long session) throws PKCS11Exception;
    }

    private TokenAccess() {}

    public static void run(Path library, String tokenLabel, Path pinFile, Work work) {
        try {
            CK_C_INITIALIZE_ARGS args = new CK_C_INITIALIZE_ARGS();
            args.flags = CKF_OS_LOCKING_OK;
            PKCS11 p11 = PKCS11.getInstance(library.toString(), "C_GetFunctionList", args, false);
            long slot = -1;
            for (long s : p11.C_GetSlotList(true)) {
                try {
                    if (new String(p11.C_GetTokenInfo(s).label).trim().equals(tokenLabel)) {
                        slot = s;
                    }
                } catch (PKCS11Exception e) {
                    // another token of the pool is removed (SoftHsmTokens.remove): not this one
                }
            }
            if (slot < 0) {
                throw new IllegalStateException("token " + tokenLabel + " not present");
            }
            long session = p11.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, null, null);
            try {
                try {
                    p11.C_Login(
                            session, CKU_USER, Files.readString(pinFile).trim().toCharArray());
                } catch (PKCS11Exception e) {
                    if (e.getErrorCode() != CKR_USER_ALREADY_LOGGED_IN) {
                        throw e;
                    }
                }
                work.run(p11, session);
            } finally {
                p11.C_CloseSession(session);
            }
        } catch (PKCS11Exception | IOException e) {
            throw new IllegalStateException("token " + tokenLabel + ": " + e.getMessage(), e);
        }
    }
}
