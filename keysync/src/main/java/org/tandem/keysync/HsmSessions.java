package org.tandem.keysync;

import java.util.ArrayList;
import java.util.List;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;

/**
 * Opens the configured HSMs behind the {@link Hsm} port, so that code above keysync (the signer
 * node) never names the PKCS#11 adapter. All or nothing: when one HSM cannot be opened, those
 * already opened are closed again and the error names the HSM.
 */
public final class HsmSessions {
    private HsmSessions() {}

    /**
     * @return one open, logged-in {@link Hsm} per spec, in order; the caller closes them
     * @throws HsmException naming the HSM (library, token, PIN file, PIN) that failed
     */
    public static List<Hsm> open(List<HsmSpec> specs) throws HsmException {
        List<Hsm> open = new ArrayList<>();
        try {
            for (HsmSpec spec : specs) {
                open.add(Pkcs11Hsm.open(spec));
            }
            return open;
        } catch (HsmException | RuntimeException e) {
            for (Hsm h : open) {
                h.close();
            }
            throw e;
        }
    }
}
