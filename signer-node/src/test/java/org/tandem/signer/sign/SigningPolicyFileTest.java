package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.signer.SigningException;
import org.tandem.signer.lifecycle.ParentCheck;
import org.tandem.signer.lifecycle.ParentPolicy;
import org.tandem.signer.lifecycle.RolePolicy;
import org.tandem.signer.lifecycle.RolloverPolicy;

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

    @Test
    void aPolicyWithoutKeysRollsNothing() throws Exception {
        SigningPolicy p = SigningPolicyFile.load(write("validity: 21d\n"));
        assertThat(p.rollover()).isEqualTo(RolloverPolicy.none());
        assertThat(p.rollover().managed()).isFalse();
    }

    @Test
    void readsKskAndZskWithTheirLifetimesAndTheParent() throws Exception {
        SigningPolicy p = SigningPolicyFile.load(write("""
                keys:
                  ksk: {algorithm: 13, lifetime: 365d}
                  zsk: {algorithm: ECDSAP256SHA256, lifetime: P90D}
                propagation-delay: PT12H
                publish-safety: 2h
                retire-safety: 3h
                parent: {ds-ttl: 86400, propagation-delay: 2h, check: resolver, resolver: "192.0.2.53:53"}
                """));
        RolloverPolicy r = p.rollover();
        assertThat(r.managed()).isTrue();
        assertThat(r.role(KeyRole.KSK).orElseThrow())
                .isEqualTo(new RolePolicy(KeyRole.KSK, Algorithm.ECDSAP256SHA256, Duration.ofDays(365)));
        assertThat(r.role(KeyRole.ZSK).orElseThrow().lifetime()).isEqualTo(Duration.ofDays(90));
        assertThat(r.propagationDelay()).isEqualTo(Duration.ofHours(12));
        assertThat(r.publishSafety()).isEqualTo(Duration.ofHours(2));
        assertThat(r.retireSafety()).isEqualTo(Duration.ofHours(3));
        assertThat(r.parent())
                .isEqualTo(new ParentPolicy(
                        Duration.ofDays(1), Duration.ofHours(2), ParentCheck.RESOLVER, Optional.of("192.0.2.53:53")));
        assertThat(p.validity()).isEqualTo(SigningPolicy.DEFAULT_VALIDITY);
    }

    @Test
    void removedKeysAreDeletedByDefaultAndKeptWithDeleteRemovedFalse() throws Exception {
        assertThat(SigningPolicyFile.load(write("keys: {csk: {algorithm: 13, lifetime: 0}}\n"))
                        .rollover()
                        .deleteRemoved())
                .isTrue();
        assertThat(SigningPolicyFile.load(write("keys: {csk: {algorithm: 13, lifetime: 0}, delete-removed: false}\n"))
                        .rollover()
                        .deleteRemoved())
                .isFalse();
        assertThatThrownBy(() -> SigningPolicyFile.load(
                        write("keys: {csk: {algorithm: 13, lifetime: 0}, delete-removed: later}\n")))
                .hasMessageContaining("keys.delete-removed: 'later' is not true or false");
    }

    @Test
    void readsACskThatNeverRolls() throws Exception {
        RolloverPolicy r = SigningPolicyFile.load(write("keys: {csk: {algorithm: 13, lifetime: 0}}\n"))
                .rollover();
        assertThat(r.csk()).isTrue();
        assertThat(r.role(KeyRole.CSK).orElseThrow().rolls()).isFalse();
        assertThat(r.parent()).isEqualTo(ParentPolicy.defaults());
    }

    @Test
    void namesTheFileTheKeyPathAndTheValueOfEveryLifecycleMistake() throws Exception {
        assertRefused(
                "keys: {zsk: {algorithm: 13, lifetime: 90 days}}\n", "keys.zsk.lifetime: '90 days' is not a duration");
        assertRefused(
                "keys: {zsk: {algorithm: 3, lifetime: 90d}, ksk: {algorithm: 3, lifetime: 1d}}\n",
                "keys.ksk.algorithm: unsupported DNSSEC algorithm '3'");
        assertRefused("keys: {zsk: {algorithm: 13, lifetime: 90d, size: 256}}\n", "keys.zsk.size: unknown key");
        assertRefused("keys: {zsk: {algorithm: 13, lifetime: 90d}}\n", "zsk: needs a ksk: beside it");
        assertRefused(
                "keys: {ksk: {algorithm: 13, lifetime: 1d}, zsk: {algorithm: 8, lifetime: 90d}}\n",
                "ksk.algorithm 13 and zsk.algorithm 8 differ");
        assertRefused(
                "keys: {csk: {algorithm: 13, lifetime: 1d}, zsk: {algorithm: 13, lifetime: 90d},"
                        + " ksk: {algorithm: 13, lifetime: 1d}}\n",
                "csk: goes alone");
        assertRefused("keys: {csk: {lifetime: 1d}}\n", "keys.csk.algorithm: missing");
        assertRefused("keys: {csk: {algorithm: 13}}\n", "keys.csk.lifetime: missing");
        assertRefused("keys: {kzk: {algorithm: 13}}\n", "keys.kzk: unknown key");
        assertRefused("keys: [ksk]\n", "keys: expected a mapping");
        assertRefused("retire-safety: -PT1H\n", "retire-safety: '-PT1H' is not a duration");
        assertRefused("parent: {check: dig}\n", "parent.check: 'dig' is not one of none, resolver, operator");
        assertRefused("parent: {check: resolver}\n", "check: resolver needs resolver: HOST[:PORT]");
        assertRefused("parent: {check: resolver, resolver: 'a b'}\n", "parent.resolver: 'a b' is not HOST[:PORT]");
        assertRefused("parent: {ds-ttl: soon}\n", "parent.ds-ttl: 'soon' is not a duration");
    }

    private void assertRefused(String yaml, String message) throws Exception {
        Path f = write(yaml);
        assertThatThrownBy(() -> SigningPolicyFile.load(f))
                .isInstanceOf(SigningException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining(message);
    }
}
