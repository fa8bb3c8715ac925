package org.tandem.keysync.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.keysync.audit.TestLogs.event;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_CLASS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_EXTRACTABLE;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_LABEL;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_SENSITIVE;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_PRIVATE_KEY;

import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.testing.AuditForger;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.TokenAccess;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;

/** A node's audit log with checkpoints signed inside a real SoftHSM2 token. */
class HsmAuditSignerIT {
    private static final CheckpointPolicy EVERY_4 = new CheckpointPolicy(4, Duration.ofMinutes(1));
    private final SoftHsmTokens tokens = SoftHsmTokens.shared();
    private final Clock clock = Clock.systemUTC();

    @TempDir
    Path dir;

    @Test
    void auditKeyIsMadeOnceInsideTheHsmSensitiveAndNotExtractable() throws Exception {
        HsmSpec spec = tokens.allocate("dc1-hsm1");
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(spec)) {
            HsmAuditSigner first = HsmAuditSigner.open(hsm, "dc1-signer");
            HsmAuditSigner again = HsmAuditSigner.open(hsm, "dc1-signer");
            assertThat(again.publicKey()).isEqualTo(first.publicKey());
            assertThat(hsm.findAuditKey("tandem:audit:dc1-signer")).contains(first.publicKey());
            assertThat(hsm.auditKeyLabels()).containsExactly("tandem:audit:dc1-signer");
        }
        boolean[] flags = new boolean[3];
        TokenAccess.run(spec.library(), spec.tokenLabel(), spec.pinFile(), (p11, s) -> {
            p11.C_FindObjectsInit(s, new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY),
                new CK_ATTRIBUTE(CKA_LABEL, "tandem:audit:dc1-signer".toCharArray())
            });
            long[] found = p11.C_FindObjects(s, 10);
            p11.C_FindObjectsFinal(s);
            CK_ATTRIBUTE[] t = {new CK_ATTRIBUTE(CKA_SENSITIVE), new CK_ATTRIBUTE(CKA_EXTRACTABLE)};
            p11.C_GetAttributeValue(s, found[0], t);
            flags[0] = found.length == 1;
            flags[1] = t[0].getBoolean();
            flags[2] = t[1].getBoolean();
        });
        assertThat(flags).containsExactly(true, true, false);
    }

    @Test
    void rewriteOfANodeLogWithRecomputedHashesFailsAtTheFirstCheckpointTheHsmSigned() throws Exception {
        Path file = dir.resolve("audit-dc1.jsonl");
        List<PublicKey> trusted;
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(tokens.allocate("dc1-hsm1"))) {
            HsmAuditSigner signer = HsmAuditSigner.open(hsm, "dc1-signer");
            trusted = List.of(signer.publicKey());
            AuditLog log = AuditLog.open(file, clock, signer, EVERY_4);
            try (AuditCheckpointTimer timer = AuditCheckpointTimer.start(log)) {
                for (int n = 1; n <= 12; n++) {
                    log.append(event(n));
                }
            }
        }
        CheckpointTrust trust = new CheckpointTrust(trusted, true);
        assertThat(AuditChain.verify(file, trust).defects()).isEmpty();
        List<Integer> checkpoints = AuditForger.checkpointLines(file);
        assertThat(checkpoints).last().isEqualTo(TestLogs.lines(file).size());

        AuditForger.insertAndRechain(file, 3, "forged: KSK deleted by the auditor", "ops@h1 signerctl keys delete");

        assertThat(AuditChain.verify(file).intact())
                .as("the chain alone is fooled")
                .isTrue();
        AuditVerification v = AuditChain.verify(file, trust);
        assertThat(v.intact()).isFalse();
        assertThat(v.defects().get(0).line()).isEqualTo(checkpoints.get(0) + 1);
        assertThat(v.defects().get(0).reason()).contains("signature does not verify");
    }
}
