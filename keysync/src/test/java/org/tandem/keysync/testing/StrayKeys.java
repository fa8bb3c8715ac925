package org.tandem.keysync.testing;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.util.HexFormat;
import org.tandem.keysync.hsm.HsmSpec;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_MECHANISM;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * Fault injection on a real token, behind Tandem's back, the way an outside tool would do it:
 * the DENIC shape (a different key pair under the same label and {@code CKA_ID}), a private key
 * that does not match its public object, an extra key.
 */
public final class StrayKeys {
    private static final byte[] P256 = HexFormat.of().parseHex("06082a8648ce3d030107");

    private StrayKeys() {}

    /** Destroys every object with that CKA_ID, then generates a new P-256 pair under the same label and id. */
    public static void replaceKeyPair(HsmSpec hsm, String label, byte[] ckaId) {
        on(hsm, (p11, s) -> {
            destroy(p11, s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_ID, ckaId)});
            generate(p11, s, label, ckaId);
        });
    }

    /**
     * Keeps the public-key object and replaces only the private key by another one with the same
     * label and id: the public key still matches the manifest, the private key does not.
     */
    public static void replacePrivateKeyOnly(HsmSpec hsm, String label, byte[] ckaId) {
        on(hsm, (p11, s) -> {
            destroy(p11, s, new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY), new CK_ATTRIBUTE(CKA_ID, ckaId)
            });
            byte[] temp = HexFormat.of().parseHex("deadbeef");
            generate(p11, s, "stray-temp", temp);
            destroy(p11, s, new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY), new CK_ATTRIBUTE(CKA_ID, temp)
            });
            for (long h : find(p11, s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_ID, temp)})) {
                p11.C_SetAttributeValue(s, h, new CK_ATTRIBUTE[] {
                    new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()), new CK_ATTRIBUTE(CKA_ID, ckaId)
                });
            }
        });
    }

    /** Destroys the objects with that CKA_ID (a key that went missing). */
    public static void remove(HsmSpec hsm, byte[] ckaId) {
        on(hsm, (p11, s) -> destroy(p11, s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_ID, ckaId)}));
    }

    /**
     * Generates a P-256 pair in an open session the way the previous version made its keys:
     * sensitive but extractable, without {@code CKA_WRAP_WITH_TRUSTED}, so the user PIN could wrap
     * it out under a key of its own.
     */
    public static void generateExtractable(PKCS11 p11, long session, String label, byte[] id) throws PKCS11Exception {
        generate(p11, session, label, id, true);
    }

    private static void generate(PKCS11 p11, long s, String label, byte[] id) throws PKCS11Exception {
        generate(p11, s, label, id, false);
    }

    private static void generate(PKCS11 p11, long s, String label, byte[] id, boolean extractable)
            throws PKCS11Exception {
        CK_ATTRIBUTE[] pub = {
            new CK_ATTRIBUTE(CKA_TOKEN, true),
            new CK_ATTRIBUTE(CKA_VERIFY, true),
            new CK_ATTRIBUTE(CKA_EC_PARAMS, P256),
            new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()),
            new CK_ATTRIBUTE(CKA_ID, id)
        };
        CK_ATTRIBUTE[] priv = {
            new CK_ATTRIBUTE(CKA_TOKEN, true),
            new CK_ATTRIBUTE(CKA_PRIVATE, true),
            new CK_ATTRIBUTE(CKA_SENSITIVE, true),
            new CK_ATTRIBUTE(CKA_SIGN, true),
            new CK_ATTRIBUTE(CKA_EXTRACTABLE, extractable),
            new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()),
            new CK_ATTRIBUTE(CKA_ID, id)
        };
        p11.C_GenerateKeyPair(s, new CK_MECHANISM(CKM_EC_KEY_PAIR_GEN), pub, priv);
    }

    private static void destroy(PKCS11 p11, long s, CK_ATTRIBUTE[] template) throws PKCS11Exception {
        for (long h : find(p11, s, template)) {
            p11.C_DestroyObject(s, h);
        }
    }

    private static long[] find(PKCS11 p11, long s, CK_ATTRIBUTE[] template) throws PKCS11Exception {
        p11.C_FindObjectsInit(s, template);
        try {
            return p11.C_FindObjects(s, 1000);
        } finally {
            p11.C_FindObjectsFinal(s);
        }
    }

    private static void on(HsmSpec hsm, TokenAccess.Work work) {
        TokenAccess.run(hsm.library(), hsm.tokenLabel(), hsm.pinFile(), work);
    }
}
