package org.tandem.keysync.grpc;

import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_CLASS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_ID;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_LABEL;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_PRIVATE_KEY;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_PUBLIC_KEY;

import java.util.ArrayList;
import java.util.List;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.testing.TokenAccess;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * Edits objects on a SoftHSM2 token behind Tandem's back, through the JDK's PKCS#11 wrapper (as
 * {@code SoftHsmTokens} does), to reproduce what a stray rollover agent or an operator with {@code
 * pkcs11-tool} leaves on an HSM. Each call opens its own session, logs in (tolerating that the
 * process already is) and closes the session, so an open {@code Pkcs11Hsm} on the same token keeps
 * working and sees the changes.
 */
final class TokenSurgery {

    /** Which half of a key pair. */
    enum Half {
        PRIVATE(CKO_PRIVATE_KEY),
        PUBLIC(CKO_PUBLIC_KEY);

        final long objectClass;

        Half(long objectClass) {
            this.objectClass = objectClass;
        }
    }

    private TokenSurgery() {}

    /** Gives every object of that half with CKA_ID {@code id} a new label and CKA_ID; returns how many. */
    static int relabel(HsmSpec token, Half half, byte[] id, String newLabel, byte[] newId) throws Exception {
        return withSession(token, (p11, s) -> {
            long[] objects = find(p11, s, half, id);
            for (long h : objects) {
                p11.C_SetAttributeValue(s, h, new CK_ATTRIBUTE[] {
                    new CK_ATTRIBUTE(CKA_LABEL, newLabel.toCharArray()), new CK_ATTRIBUTE(CKA_ID, newId)
                });
            }
            return objects.length;
        });
    }

    /** Destroys every object of that half with CKA_ID {@code id}; returns how many. */
    static int destroy(HsmSpec token, Half half, byte[] id) throws Exception {
        return withSession(token, (p11, s) -> {
            long[] objects = find(p11, s, half, id);
            for (long h : objects) {
                p11.C_DestroyObject(s, h);
            }
            return objects.length;
        });
    }

    /** How many objects of that half carry CKA_ID {@code id}. */
    static int count(HsmSpec token, Half half, byte[] id) throws Exception {
        return withSession(token, (p11, s) -> find(p11, s, half, id).length);
    }

    private static long[] find(PKCS11 p11, long s, Half half, byte[] id) throws PKCS11Exception {
        p11.C_FindObjectsInit(
                s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_CLASS, half.objectClass), new CK_ATTRIBUTE(CKA_ID, id)});
        try {
            List<Long> all = new ArrayList<>();
            for (long[] batch = p11.C_FindObjects(s, 64);
                    batch != null && batch.length > 0;
                    batch = p11.C_FindObjects(s, 64)) {
                for (long h : batch) {
                    all.add(h);
                }
            }
            return all.stream().mapToLong(Long::longValue).toArray();
        } finally {
            p11.C_FindObjectsFinal(s);
        }
    }

    @FunctionalInterface
    private interface Work {
        int run(PKCS11 p11, long session) throws PKCS11Exception;
    }

    private static int withSession(HsmSpec token, Work work) {
        int[] result = new int[1];
        TokenAccess.run(
                token.library(),
                token.tokenLabel(),
                token.pinFile(),
                (p11, session) -> result[0] = work.run(p11, session));
        return result[0];
    }
}
