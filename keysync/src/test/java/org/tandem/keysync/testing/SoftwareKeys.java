package org.tandem.keysync.testing;

import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;

/** DNSSEC key identities made in software, for tests that need a key's public half and nothing else. */
public final class SoftwareKeys {
    private SoftwareKeys() {}

    /** A fresh ECDSA P-256 key (algorithm 13) of {@code zone} in {@code role}. */
    public static DnssecKey p256(ZoneName zone, KeyRole role) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return DnssecKey.of(
                zone, role, Algorithm.ECDSAP256SHA256, g.generateKeyPair().getPublic());
    }
}
