package org.tandem.signer.sign;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.SoftHsmTokens;

/**
 * A zone's KSK and ZSK generated on a SoftHSM2 token of its own ({@link TestZones#kskAndZskOn}), once for the test
 * class: register as a {@code static} {@code @RegisterExtension}; the token's session is closed after the class.
 */
final class TokenKeys implements BeforeAllCallback, AfterAllCallback {
    private final String token;
    private final ZoneName zone;
    private Pkcs11Hsm hsm;
    private List<SigningKey> keys;

    TokenKeys(String token, ZoneName zone) {
        this.token = token;
        this.zone = zone;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        hsm = Pkcs11Hsm.open(SoftHsmTokens.shared().allocate(token));
        keys = TestZones.kskAndZskOn(hsm, zone);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (hsm != null) {
            hsm.close();
        }
    }

    Pkcs11Hsm hsm() {
        return hsm;
    }

    /** The KSK first, then the ZSK. */
    List<SigningKey> keys() {
        return keys;
    }
}
