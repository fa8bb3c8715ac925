package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.signer.SigningException;

class SigningPolicyFileTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve("policy.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void readsEveryKeyAndKeepsDefaultsForTheRest() throws Exception {
        SigningPolicy p = SigningPolicyFile.load(write("""
                validity: 21d
                refresh: 10d
                jitter: 36h
                denial: nsec3
                opt-out: true
                serial: dateserial
                zonemd: true
                threads: 3
                """));
        assertThat(p.validity()).isEqualTo(Duration.ofDays(21));
        assertThat(p.jitter()).isEqualTo(Duration.ofHours(36));
        assertThat(p.inceptionOffset()).isEqualTo(SigningPolicy.DEFAULT_INCEPTION_OFFSET);
        assertThat(p.denial()).isEqualTo(Denial.NSEC3);
        assertThat(p.nsec3().optOut()).isTrue();
        assertThat(p.nsec3().iterations()).isZero();
        assertThat(p.serial()).isEqualTo(SerialPolicy.DATESERIAL);
        assertThat(p.zonemd()).isTrue();
        assertThat(p.threads()).isEqualTo(3);
        assertThat(SigningPolicyFile.load(write(""))).isEqualTo(SigningPolicy.defaults());
    }

    @Test
    void namesTheFileAndTheKeyOfEveryMistake() throws Exception {
        assertThatThrownBy(() -> SigningPolicyFile.load(write("validty: 14d\n")))
                .isInstanceOf(SigningException.class)
                .hasMessageContaining("validty: unknown key");
        assertThatThrownBy(() -> SigningPolicyFile.load(write("validity: two weeks\n")))
                .hasMessageContaining("validity: 'two weeks' is not a duration");
        assertThatThrownBy(() -> SigningPolicyFile.load(write("opt-out: true\n")))
                .hasMessageContaining("opt-out: needs denial: nsec3");
        Path f = write("validity: 1d\njitter: 2d\n");
        assertThatThrownBy(() -> SigningPolicyFile.load(f)).hasMessageContaining(f.toString());
    }
}
