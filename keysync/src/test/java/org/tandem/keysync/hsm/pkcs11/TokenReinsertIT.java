package org.tandem.keysync.hsm.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.HsmUnavailableException;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.proof.PossessionProof;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.SoftHsmTokens.RemovedToken;
import org.xbill.DNS.RRSIGRecord;

/**
 * A SoftHSM2 token removed and put back under a running process (INV-K6): the adapter notices the
 * absence, refuses to reopen while the token is away, and after it is back opens it again in the
 * same JVM by re-initialising the library; the keys are found and proven again.
 */
class TokenReinsertIT {
    private static final ZoneName ZONE = ZoneName.of("reinsert.test");
    private final SoftHsmTokens tokens = SoftHsmTokens.shared();
    private final Clock clock = Clock.systemUTC();

    @Test
    void removedTokenIsReportedAbsentAndReopenedInTheSameJvmAfterItIsPutBack() throws Exception {
        HsmSpec spec = tokens.allocate("dc1-hsm1");
        HsmSpec otherSpec = tokens.allocate("dc1-hsm2");
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(spec);
                Pkcs11Hsm other = Pkcs11Hsm.open(otherSpec)) {
            HsmKey zsk = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
            HsmKey otherKey = other.generate(new KeySpec(ZONE, KeyRole.KSK, Algorithm.ECDSAP256SHA256));
            DnssecKey pub = zsk.publicKey().orElseThrow();
            assertThat(hsm.absence()).isEmpty();

            RemovedToken removed = tokens.remove(spec.tokenLabel());
            try {
                assertThat(hsm.absence())
                        .hasValueSatisfying(why -> assertThat(why).contains("C_GetTokenInfo"));
                assertThat(hsm.list(ZONE)).isEmpty();
                assertThatThrownBy(hsm::reopen)
                        .isInstanceOf(HsmUnavailableException.class)
                        .hasMessageContaining("'" + spec.tokenLabel() + "' not found");
                // The failed reopen re-initialised the library: the other token's HSM opens new sessions itself.
                assertThat(other.list(ZONE)).extracting(HsmKey::publicKey).containsExactly(otherKey.publicKey());
                assertThat(other.absence()).isEmpty();
            } finally {
                removed.putBack();
            }
            // SoftHSM2 does not rescan its token directory: the token stays absent until re-initialised.
            assertThat(hsm.absence()).isPresent();

            hsm.reopen();

            assertThat(hsm.absence()).isEmpty();
            List<HsmKey> keys = hsm.list(ZONE);
            assertThat(keys).extracting(k -> k.publicKey().orElseThrow()).containsExactly(pub);
            for (HsmKey k : List.of(keys.get(0), zsk)) { // the handle from before the removal too (by CKA_ID)
                byte[] nonce = new byte[32];
                nonce[0] = 7;
                RRSIGRecord proof = PossessionProof.sign(hsm, k.ref(), pub, nonce, clock);
                assertThat(PossessionProof.verify(pub, nonce, proof, clock)).isEmpty();
            }
            assertThat(other.list(ZONE)).hasSize(1);
        }
    }

    @Test
    void spellingsOfTheLibraryPathDifferForEveryReinitialisationAndNameTheSameFile() {
        Path library = Path.of("/usr/lib/softhsm/libsofthsm2.so");
        Set<String> seen = new HashSet<>();
        for (long n = 1; n <= 5000; n++) {
            String s = Pkcs11Library.spelling(library, n);
            assertThat(seen.add(s)).as("spelling %d: %s", n, s).isTrue();
            assertThat(Path.of(s).normalize()).isEqualTo(library);
            assertThat(s).isNotEqualTo(library.toString());
        }
        assertThat(Pkcs11Library.spelling(library, 5000).length())
                .isLessThan(library.toString().length() + 30);
    }
}
