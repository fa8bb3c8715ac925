package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.StrayKeys;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TokenAccess;
import org.tandem.keysync.testing.ZooKeeperFixture;

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
            StrayKeys.generateExtractable(
                    p11, s, "tandem:example.test.:KSK:13:31337", "old-ksk".getBytes(StandardCharsets.US_ASCII));
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
