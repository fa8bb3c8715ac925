package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TokenAccess;
import org.tandem.keysync.testing.ZooKeeperFixture;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_MECHANISM;

/** A signer node refuses to start on an HSM holding a DNSSEC key the user PIN could take out. */
class KeyPolicyStartIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    @TempDir
    Path dir;

    @Test
    void nodeRefusesToStartOnAnExtractableKeyWithoutWrapWithTrustedNamingZoneRoleTagHsmAndAttribute() throws Exception {
        HsmSpec spec = SoftHsmTokens.shared().allocate("dc1-hsm1");
        // A key made the way the previous version made them: extractable, no CKA_WRAP_WITH_TRUSTED.
        TokenAccess.run(spec.library(), spec.tokenLabel(), spec.pinFile(), (p11, s) -> {
            char[] label = "tandem:example.test.:KSK:13:31337".toCharArray();
            byte[] id = "old-ksk".getBytes(StandardCharsets.US_ASCII);
            p11.C_GenerateKeyPair(
                    s,
                    new CK_MECHANISM(CKM_EC_KEY_PAIR_GEN),
                    new CK_ATTRIBUTE[] {
                        new CK_ATTRIBUTE(CKA_TOKEN, true),
                        new CK_ATTRIBUTE(CKA_EC_PARAMS, HexFormat.of().parseHex("06082a8648ce3d030107")),
                        new CK_ATTRIBUTE(CKA_LABEL, label),
                        new CK_ATTRIBUTE(CKA_ID, id)
                    },
                    new CK_ATTRIBUTE[] {
                        new CK_ATTRIBUTE(CKA_TOKEN, true),
                        new CK_ATTRIBUTE(CKA_PRIVATE, true),
                        new CK_ATTRIBUTE(CKA_SENSITIVE, true),
                        new CK_ATTRIBUTE(CKA_EXTRACTABLE, true),
                        new CK_ATTRIBUTE(CKA_SIGN, true),
                        new CK_ATTRIBUTE(CKA_LABEL, label),
                        new CK_ATTRIBUTE(CKA_ID, id)
                    });
        });
        NodeTestFiles.minimalZone(dir);
        Path hsmYaml = dir.resolve("hsm.yaml");
        NodeTestFiles.hsmYaml(
                hsmYaml, "dc1-hsm1", spec, dir.resolve("audit.jsonl"), ZK.connectString(), "/key-policy-start-it");
        TlsMaterial tls =
                TestPki.create(dir.resolve("pki"), "key-policy-start-it CA").issue("dc1-signer1", "node");
        Path config = NodeYaml.node("dc1-signer1", "dc1")
                .hsmConfig(hsmYaml)
                .plaintextZooKeeper(ZK.connectString(), Duration.ofSeconds(10), "/key-policy-start-it")
                .tls(tls)
                .write(dir.resolve("node.yaml"));

        assertThatThrownBy(() -> SignerNodeDaemon.start(NodeConfig.load(config), Clock.systemUTC())
                        .close())
                .isInstanceOfSatisfying(
                        NodeStartException.class, e -> assertThat(e.node()).isEqualTo("dc1-signer1"))
                .hasMessageContaining("HSM key attributes")
                .hasMessageContaining("HSM dc1-hsm1")
                .hasMessageContaining("zone example.test. KSK key tag 31337")
                .hasMessageContaining("CKA_WRAP_WITH_TRUSTED")
                .hasMessageContaining("roll the key");
    }
}
