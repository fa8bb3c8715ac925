package org.tandem.keysync.hsm.pkcs11;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.proof.PossessionProof;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.xbill.DNS.RRSIGRecord;

/**
 * A key's objects taken off the token and put back under a running process (a restored backup of the
 * token's files, as the chaos harness heals a planted key): SoftHSM2 then calls the handle the process
 * holds invalid ({@code CKR_OBJECT_HANDLE_INVALID}) and gives the objects new handles. The adapter finds
 * the key again by its {@code CKA_ID} and signs with it, every time, instead of failing for good with the
 * handle it cached.
 */
class ReplacedKeyObjectsIT {
    private static final ZoneName ZONE = ZoneName.of("replaced.test");
    private final SoftHsmTokens tokens = SoftHsmTokens.shared();
    private final Clock clock = Clock.systemUTC();

    @Test
    void aKeyWhoseObjectsWereReplacedUnderTheProcessIsFoundAgainByItsCkaIdAndSignsAgain() throws Exception {
        HsmSpec spec = tokens.allocate("dc2-hsm1");
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(spec)) {
            HsmKey zsk = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
            DnssecKey pub = zsk.publicKey().orElseThrow();
            assertThat(proofProblem(hsm, zsk, pub)).isEmpty();
            Path tokenDir = directoryOf(spec.tokenLabel());

            // twice: the first time the handle from generate() is void, the second time the one found by CKA_ID
            for (int round = 1; round <= 2; round++) {
                Path backup = Files.createTempDirectory(tokens.directory(), "backup-");
                copyFiles(tokenDir, backup);
                // another process deletes the key (as an operator's pkcs11-tool, or the chaos harness, would)
                for (String type : List.of("privkey", "pubkey")) {
                    pkcs11Tool(
                            spec,
                            "--delete-object",
                            "--type",
                            type,
                            "--id",
                            pub.fingerprint().hex());
                }
                assertThatThrownBy(() -> proofProblem(hsm, zsk, pub))
                        .as("round %d: the key is off the token", round)
                        .isInstanceOf(HsmException.class)
                        .hasMessageContaining("0 private keys have CKA_ID "
                                + pub.fingerprint().hex())
                        .hasMessageContaining(hsm.id().toString());

                deleteObjectFiles(tokenDir);
                copyFiles(backup, tokenDir); // the backup of the token's files restored

                assertThat(proofProblem(hsm, zsk, pub))
                        .as("round %d: back on the token", round)
                        .isEmpty();
            }
            assertThat(hsm.list(ZONE))
                    .extracting(k -> k.publicKey().orElseThrow())
                    .containsExactly(pub);
        }
    }

    private Optional<String> proofProblem(Pkcs11Hsm hsm, HsmKey key, DnssecKey pub) throws Exception {
        byte[] nonce = new byte[32];
        nonce[3] = 9;
        RRSIGRecord proof = PossessionProof.sign(hsm, key.ref(), pub, nonce, clock);
        return PossessionProof.verify(pub, nonce, proof, clock);
    }

    /** The token's directory: the one whose {@code token.object} holds the label, padded as SoftHSM2 keeps it. */
    private Path directoryOf(String label) throws Exception {
        byte[] padded = String.format("%-32s", label).getBytes(StandardCharsets.UTF_8);
        try (var dirs = Files.list(tokens.directory().resolve("tokens"))) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                Path object = d.resolve("token.object");
                if (Files.isReadable(object)
                        && new String(Files.readAllBytes(object), StandardCharsets.ISO_8859_1)
                                .contains(new String(padded, StandardCharsets.ISO_8859_1))) {
                    return d;
                }
            }
        }
        throw new IllegalStateException("no token directory holds " + label);
    }

    private static void deleteObjectFiles(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
    }

    private void pkcs11Tool(HsmSpec spec, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                "pkcs11-tool",
                "--module",
                spec.library().toString(),
                "--token-label",
                spec.tokenLabel(),
                "--login",
                "--pin",
                Files.readString(tokens.pinFile(spec.tokenLabel())).strip()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(tokens.environment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("pkcs11-tool %s: %s", List.of(args), out).isZero();
    }

    private static void copyFiles(Path from, Path to) throws Exception {
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), REPLACE_EXISTING);
            }
        }
    }
}
