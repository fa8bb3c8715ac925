package org.tandem.keysync.hsm.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.KeyPolicy;
import org.tandem.keysync.hsm.KeyPolicyException;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.TransportKey;
import org.tandem.keysync.hsm.WrappedKey;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.proof.PossessionProof;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.StrayKeys;
import org.tandem.keysync.testing.TokenAccess;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_MECHANISM;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * The attacks a holder of the user PIN (only) tries on real SoftHSM2 tokens, straight through
 * PKCS#11 beside Tandem: every one is refused by the HSM itself. And the start check that names a
 * key planted with the old, weak attributes.
 */
class KeyAttributePolicyIT {
    private static final ZoneName ZONE = ZoneName.of("example.test");
    private static final long CKR_KEY_NOT_WRAPPABLE = 0x69L;
    private static final long CKR_ATTRIBUTE_SENSITIVE = 0x11L;
    private static final long CKR_ATTRIBUTE_READ_ONLY = 0x10L;
    private static final long CKR_TEMPLATE_INCONSISTENT = 0xD1L;
    private static final long CKR_ACTION_PROHIBITED = 0x1BL;
    private final SoftHsmTokens tokens = SoftHsmTokens.shared();

    @Test
    void userPinCannotWrapADnssecKeyUnderAKeyOfItsOwn() throws Exception {
        HsmSpec spec = tokens.allocate("dc1-hsm1");
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(spec)) {
            HsmKey zsk = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
            byte[] id = zsk.publicKey().orElseThrow().fingerprint().bytes();
            userPin(spec, (p11, s) -> {
                long key = only(p11, s, new CK_ATTRIBUTE[] {
                    new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY), new CK_ATTRIBUTE(CKA_ID, id)
                });
                long mine = ownAesKey(p11, s);
                assertRefused(
                        () -> p11.C_WrapKey(s, new CK_MECHANISM(Pkcs11Hsm.MECH_AES_KEY_WRAP_PAD), mine, key),
                        CKR_KEY_NOT_WRAPPABLE);
                assertRefused(
                        () -> p11.C_SetAttributeValue(
                                s, mine, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_TRUSTED, true)}),
                        CKR_ATTRIBUTE_READ_ONLY);
                assertRefused(
                        () -> p11.C_SetAttributeValue(
                                s, key, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_WRAP_WITH_TRUSTED, false)}),
                        CKR_ATTRIBUTE_READ_ONLY);
                assertRefused(() -> read(p11, s, key, CKA_VALUE), CKR_ATTRIBUTE_SENSITIVE);
            });
        }
    }

    @Test
    void userPinCannotTakeTheKekOutNorUseItToEncryptOrDecrypt() throws Exception {
        HsmSpec spec = tokens.allocate("dc1-hsm1");
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(spec)) {
            hsm.generateKek();
            userPin(spec, (p11, s) -> {
                long kek = kek(p11, s);
                long mine = ownAesKey(p11, s);
                assertRefused(
                        () -> p11.C_WrapKey(s, new CK_MECHANISM(Pkcs11Hsm.MECH_AES_KEY_WRAP_PAD), mine, kek),
                        CKR_KEY_NOT_WRAPPABLE);
                assertRefused(() -> read(p11, s, kek, CKA_VALUE), CKR_ATTRIBUTE_SENSITIVE);
                assertRefused(() -> p11.C_EncryptInit(s, new CK_MECHANISM(CKM_AES_ECB), kek), -1);
                assertRefused(() -> p11.C_DecryptInit(s, new CK_MECHANISM(CKM_AES_ECB), kek), -1);
                assertRefused(() -> p11.C_DecryptInit(s, new CK_MECHANISM(CKM_AES_CBC_PAD, new byte[16]), kek), -1);
                assertRefused(
                        () -> p11.C_SetAttributeValue(s, kek, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_DECRYPT, true)}),
                        CKR_ACTION_PROHIBITED); // CKA_MODIFIABLE=false
                assertRefused(
                        () -> p11.C_CopyObject(s, kek, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_PRIVATE, false)}), -1);
            });
        }
    }

    @Test
    void userPinCannotUnwrapAWrappedKeyIntoAReadableOrFreelyWrappableObject() throws Exception {
        HsmSpec spec = tokens.allocate("dc1-hsm1");
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(spec)) {
            hsm.generateKek();
            WrappedKey blob = hsm.wrap(hsm.generate(new KeySpec(ZONE, KeyRole.KSK, Algorithm.ECDSAP256SHA256)));
            userPin(spec, (p11, s) -> {
                long kek = kek(p11, s);
                CK_MECHANISM kwp = new CK_MECHANISM(Pkcs11Hsm.MECH_AES_KEY_WRAP_PAD);
                assertRefused(
                        () -> p11.C_UnwrapKey(s, kwp, kek, blob.blob(), stolen(false, true)),
                        CKR_TEMPLATE_INCONSISTENT);
                assertRefused(
                        () -> p11.C_UnwrapKey(s, kwp, kek, blob.blob(), stolen(true, false)),
                        CKR_TEMPLATE_INCONSISTENT);
                assertRefused(
                        () -> p11.C_UnwrapKey(
                                s, new CK_MECHANISM(CKM_AES_KEY_WRAP), kek, blob.blob(), stolen(true, true)),
                        -1);
            });
        }
    }

    @Test
    void kekCeremoniesWithoutSoPinFileFailNamingTheHsmAndTheSetting() throws Exception {
        HsmSpec withSo = tokens.allocate("dc1-hsm1");
        try (Pkcs11Hsm noSo = Pkcs11Hsm.open(SoftHsmTokens.withoutSoPin(withSo))) {
            assertThatThrownBy(noSo::generateKek)
                    .isInstanceOf(HsmException.class)
                    .hasMessageContaining("dc1-hsm1")
                    .hasMessageContaining("so-pin-file")
                    .hasMessageContaining("hsm.yaml");
            assertThatThrownBy(noSo::newTransportKey).hasMessageContaining("so-pin-file");
            assertThat(noSo.kekCheckValue()).isEmpty();
        }
        try (Pkcs11Hsm holder = Pkcs11Hsm.open(withSo);
                Pkcs11Hsm other = Pkcs11Hsm.open(tokens.allocate("dc2-hsm1"))) {
            holder.generateKek();
            TransportKey transport = other.newTransportKey();
            try (Pkcs11Hsm holderNoSo = Pkcs11Hsm.open(SoftHsmTokens.withoutSoPin(withSo))) {
                assertThatThrownBy(() -> holderNoSo.exportKek(transport))
                        .hasMessageContaining("dc1-hsm1")
                        .hasMessageContaining("so-pin-file");
            }
        }
    }

    @Test
    void aWrongSoPinFailsTheCeremonyNamingTheFileAndTheHsmKeepsSigning() throws Exception {
        HsmSpec spec = tokens.allocate("dc1-hsm1");
        Path wrongSoPin = spec.soPinFile().orElseThrow().resolveSibling(spec.tokenLabel() + ".wrong-so-pin");
        Files.writeString(wrongSoPin, "0000000000000000\n");
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(spec.withSoPinFile(wrongSoPin))) {
            HsmKey zsk = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
            assertThatThrownBy(hsm::generateKek)
                    .isInstanceOf(HsmException.class)
                    .hasMessageContaining("dc1-hsm1")
                    .hasMessageContaining("wrong security officer PIN")
                    .hasMessageContaining(wrongSoPin.toString());
            assertThat(hsm.kekCheckValue()).isEmpty();
            DnssecKey pub = zsk.publicKey().orElseThrow();
            byte[] nonce = new byte[32];
            Clock clock = Clock.systemUTC();
            assertThat(PossessionProof.verify(
                            pub, nonce, PossessionProof.sign(hsm, zsk.ref(), pub, nonce, clock), clock))
                    .isEmpty();
        }
    }

    @Test
    void enrolmentRefusesAKekWithAnotherCheckValueAndKeepsNothing() throws Exception {
        try (Pkcs11Hsm a = Pkcs11Hsm.open(tokens.allocate("dc1-hsm1"));
                Pkcs11Hsm b = Pkcs11Hsm.open(tokens.allocate("dc2-hsm1"))) {
            byte[] kcv = a.generateKek();
            TransportKey transport = b.newTransportKey();
            byte[] wrong = kcv.clone();
            wrong[2] ^= 0x01;
            assertThatThrownBy(() -> b.importKek(transport, a.exportKek(transport), wrong))
                    .hasMessageContaining("KEK differs")
                    .hasMessageContaining(HexFormat.of().formatHex(wrong));
            assertThat(b.kekCheckValue()).isEmpty();
        }
    }

    @Test
    void keysMadeAndReplicatedByThisVersionPassTheStartCheckAndStillSignAfterACeremony() throws Exception {
        try (Pkcs11Hsm a = Pkcs11Hsm.open(tokens.allocate("dc1-hsm1"));
                Pkcs11Hsm b = Pkcs11Hsm.open(tokens.allocate("dc2-hsm1"))) {
            byte[] kcv = a.generateKek();
            HsmKey zsk = a.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
            TransportKey transport = b.newTransportKey();
            b.importKek(transport, a.exportKek(transport), kcv); // a ceremony after zsk's handle was taken
            b.unwrap(a.wrap(zsk));

            KeyPolicy.requireAll(List.of(a, b));
            DnssecKey pub = zsk.publicKey().orElseThrow();
            byte[] nonce = new byte[32];
            Clock clock = Clock.systemUTC();
            assertThat(PossessionProof.verify(pub, nonce, PossessionProof.sign(a, zsk.ref(), pub, nonce, clock), clock))
                    .isEmpty();
            assertThat(b.kekCheckValue()).hasValueSatisfying(v -> assertThat(v).isEqualTo(kcv));
        }
    }

    @Test
    void startCheckRefusesAPlantedExtractableKeyAndAnOldKekNamingZoneRoleTagHsmAndAttribute() throws Exception {
        HsmSpec spec = tokens.allocate("dc1-hsm1");
        userPin(spec, (p11, s) -> {
            StrayKeys.generateExtractable(
                    p11, s, "tandem:example.test.:ZSK:13:4242", "planted".getBytes(StandardCharsets.US_ASCII));
            // The KEK as the previous version made it: extractable, encrypts, not trusted.
            p11.C_GenerateKey(s, new CK_MECHANISM(CKM_AES_KEY_GEN), new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, true),
                        new CK_ATTRIBUTE(CKA_SENSITIVE, true),
                new CK_ATTRIBUTE(CKA_EXTRACTABLE, true), new CK_ATTRIBUTE(CKA_WRAP, true),
                        new CK_ATTRIBUTE(CKA_UNWRAP, true),
                new CK_ATTRIBUTE(CKA_ENCRYPT, true), new CK_ATTRIBUTE(CKA_DECRYPT, true),
                        new CK_ATTRIBUTE(CKA_VALUE_LEN, 32L),
                new CK_ATTRIBUTE(CKA_LABEL, Pkcs11Hsm.KEK_LABEL.toCharArray())
            });
        });
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(spec)) {
            assertThatThrownBy(() -> KeyPolicy.requireAll(List.of(hsm)))
                    .isInstanceOfSatisfying(
                            KeyPolicyException.class,
                            e -> assertThat(e.violations())
                                    .extracting(v -> v.attribute())
                                    .contains(
                                            "CKA_WRAP_WITH_TRUSTED",
                                            "CKA_TRUSTED",
                                            "CKA_DECRYPT",
                                            "CKA_ENCRYPT",
                                            "CKA_ALLOWED_MECHANISMS"))
                    .hasMessageContaining("HSM dc1-hsm1")
                    .hasMessageContaining("zone example.test. ZSK key tag 4242")
                    .hasMessageContaining("CKA_WRAP_WITH_TRUSTED is false while CKA_EXTRACTABLE is true")
                    .hasMessageContaining("the cluster KEK")
                    .hasMessageContaining("roll the key");
        }
    }

    // -- helpers: what an attacker with the user PIN does, straight through PKCS#11

    private static void userPin(HsmSpec spec, TokenAccess.Work work) {
        TokenAccess.run(spec.library(), spec.tokenLabel(), spec.pinFile(), work);
    }

    private static long ownAesKey(PKCS11 p11, long s) throws PKCS11Exception {
        return p11.C_GenerateKey(s, new CK_MECHANISM(CKM_AES_KEY_GEN), new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_TOKEN, false), new CK_ATTRIBUTE(CKA_WRAP, true), new CK_ATTRIBUTE(CKA_UNWRAP, true),
            new CK_ATTRIBUTE(CKA_SENSITIVE, false), new CK_ATTRIBUTE(CKA_EXTRACTABLE, true),
                    new CK_ATTRIBUTE(CKA_VALUE_LEN, 32L)
        });
    }

    private static CK_ATTRIBUTE[] stolen(boolean sensitive, boolean wrapWithTrusted) {
        return new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY),
            new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_EC),
            new CK_ATTRIBUTE(CKA_TOKEN, false),
            new CK_ATTRIBUTE(CKA_PRIVATE, true),
            new CK_ATTRIBUTE(CKA_SENSITIVE, sensitive),
            new CK_ATTRIBUTE(CKA_EXTRACTABLE, true),
            new CK_ATTRIBUTE(CKA_WRAP_WITH_TRUSTED, wrapWithTrusted),
            new CK_ATTRIBUTE(CKA_DERIVE, false),
            new CK_ATTRIBUTE(CKA_DECRYPT, false),
            new CK_ATTRIBUTE(CKA_SIGN, true)
        };
    }

    private static long kek(PKCS11 p11, long s) throws PKCS11Exception {
        return only(p11, s, new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_SECRET_KEY), new CK_ATTRIBUTE(CKA_LABEL, Pkcs11Hsm.KEK_LABEL.toCharArray())
        });
    }

    private static long only(PKCS11 p11, long s, CK_ATTRIBUTE[] template) throws PKCS11Exception {
        p11.C_FindObjectsInit(s, template);
        try {
            long[] found = p11.C_FindObjects(s, 10);
            assertThat(found).hasSize(1);
            return found[0];
        } finally {
            p11.C_FindObjectsFinal(s);
        }
    }

    private static byte[] read(PKCS11 p11, long s, long h, long type) throws PKCS11Exception {
        CK_ATTRIBUTE[] t = {new CK_ATTRIBUTE(type)};
        p11.C_GetAttributeValue(s, h, t);
        return t[0].getByteArray();
    }

    @FunctionalInterface
    private interface Attack {
        void run() throws PKCS11Exception;
    }

    /** The HSM refuses the attack (with {@code code}, or any PKCS#11 error for -1). */
    private static void assertRefused(Attack attack, long code) {
        assertThatThrownBy(attack::run)
                .as("the HSM should have refused")
                .isInstanceOfSatisfying(PKCS11Exception.class, e -> {
                    if (code >= 0) {
                        assertThat(e.getErrorCode()).as(e.getMessage()).isEqualTo(code);
                    }
                });
    }
}
