package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.tandem.signer.zone.UnsignedZone;

/**
 * Measures (logs, never asserts) the signing rate on a SoftHSM2 token: a TLD-like zone of 20,000
 * delegations (two out-of-zone NS each, one in five with a DS), NSEC3 opt-out, ECDSA P-256, with 1
 * and 2 threads, beside the token's raw rate for the same thread count. The signed zone must still
 * pass the outside validators.
 */
class SigningRateIT {
    private static final ZoneName ZONE = ZoneName.of("rate.test.");
    private static final int DELEGATIONS = 20_000;

    @TempDir
    Path dir;

    static UnsignedZone tldLike(int n) {
        Random random = new Random(2026);
        StringBuilder b = new StringBuilder(n * 160);
        b.append("$ORIGIN rate.test.\n$TTL 86400\n@ IN SOA ns1.nic.example. hostmaster.nic.example. 1 1800 900 "
                        + "604800 3600\n")
                .append("@ IN NS ns1.nic.example.\n@ IN NS ns2.nic.example.\n");
        byte[] digest = new byte[32];
        for (int i = 0; i < n; i++) {
            String d = String.format("d%06d", i);
            b.append(d).append(" IN NS ns1.").append(d).append(".example.net.\n");
            b.append(d).append(" IN NS ns2.").append(d).append(".example.org.\n");
            if (i % 5 == 0) {
                random.nextBytes(digest);
                b.append(d)
                        .append(" IN DS ")
                        .append(1 + random.nextInt(65535))
                        .append(" 13 2 ")
                        .append(HexFormat.of().formatHex(digest))
                        .append('\n');
            }
        }
        return TestZones.parse("rate.test.", b.toString());
    }

    @Test
    void logsTheSigningRateWithOneAndTwoThreads() throws Exception {
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(SoftHsmTokens.shared().allocate("rate-hsm"))) {
            HsmKey ksk = hsm.generate(new KeySpec(ZONE, KeyRole.KSK, Algorithm.ECDSAP256SHA256));
            HsmKey zsk = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
            List<SigningKey> keys = List.of(
                    new SigningKey(ksk.publicKey().orElseThrow(), hsm, ksk.ref()),
                    new SigningKey(zsk.publicKey().orElseThrow(), hsm, zsk.ref()));
            UnsignedZone zone = tldLike(DELEGATIONS);
            SigningPolicy policy = SigningPolicy.defaults().withNsec3(Nsec3Parameters.DEFAULT.withOptOut(true));

            StringBuilder report = new StringBuilder("== signing rate, SoftHSM2 token keys (ECDSA P-256), "
                    + DELEGATIONS + " delegations, NSEC3 opt-out; "
                    + Runtime.getRuntime().availableProcessors()
                    + " CPUs, load average before: " + loadAverage() + "\n");
            new ZoneSigner().sign(zone, keys, policy.withThreads(2), Instant.now(), 1); // warm-up
            SignedZone last = null;
            for (int threads : new int[] {1, 2}) {
                double raw = rawRate(hsm, zsk, threads, 8000);
                SignedZone signed = new ZoneSigner().sign(zone, keys, policy.withThreads(threads), Instant.now(), 1);
                report.append(String.format(
                        "threads=%d: %d signatures in %d ms = %.0f sig/s (token raw rate %.0f sig/s, "
                                + "%.0f%%); %d records%n",
                        threads,
                        signed.signatures(),
                        signed.elapsed().toMillis(),
                        signed.signaturesPerSecond(),
                        raw,
                        100 * signed.signaturesPerSecond() / raw,
                        signed.records().size()));
                last = signed;
            }
            report.append("load average after: ").append(loadAverage()).append('\n');
            System.out.println(report);

            OutsideValidators.require();
            Path file = OutsideValidators.write(dir.resolve("rate.zone"), last.records());
            List<OutsideValidators.Verdict> verdicts = OutsideValidators.all(ZONE.toString(), file);
            verdicts.forEach(System.out::println);
            assertThat(verdicts)
                    .allSatisfy(v -> assertThat(v.exitCode()).as(v.toString()).isZero());
        }
    }

    /** The 1/5/15-minute load averages, so that a rate measured on a busy machine says so. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** Raw C_Sign rate through the port, 200-byte inputs, on {@code threads} threads. */
    private static double rawRate(Pkcs11Hsm hsm, HsmKey key, int threads, int count) throws Exception {
        byte[] data = new byte[200];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < count / threads; i++) {
                        hsm.sign(key.ref(), data);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            return count / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdown();
        }
    }
}
