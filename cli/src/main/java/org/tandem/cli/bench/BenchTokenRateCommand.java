package org.tandem.cli.bench;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import com.sun.management.OperatingSystemMXBean;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.tandem.cli.ExitCode;
import org.tandem.cli.Output;
import org.tandem.cli.host.HostOptions;
import org.tandem.cli.host.Session;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl bench-token-rate} (hidden; for {@code bench/sign-vs-peers}): the crypto floor of
 * a signing run. Measures the raw signing rate of the zone's ZSK on the first configured HSM through
 * the same port the signer uses ({@link Pkcs11Hsm#sign}, one C_SignInit + C_Sign per signature, SHA-256
 * in the JVM), with {@code --threads} threads on 200-byte inputs, and the rate at which the gate's
 * verifier (ACCP, ECDSA P-256 in P1363 form, one {@code Signature} per thread) verifies those
 * signatures with the same number of threads; also the process CPU time per operation, for the CPU
 * floor.
 */
@Command(
        name = "bench-token-rate",
        hidden = true,
        description = "Measure the token's raw signing rate and the gate verifier's rate.")
public final class BenchTokenRateCommand implements Callable<Integer> {
    private static final byte[] P256_SPKI =
            HexFormat.of().parseHex("3059301306072a8648ce3d020106082a8648ce3d030107034200");

    @Mixin
    HostOptions options;

    @Option(names = "--zone", required = true, description = "zone whose ZSK signs")
    String zone;

    @Option(names = "--threads", defaultValue = "2", description = "threads (as the signer uses)")
    int threads;

    @Option(names = "--count", defaultValue = "20000", description = "signatures (and verifications) to time")
    int count;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (Session s = Session.open(options, "bench-token-rate")) {
            Pkcs11Hsm hsm = s.hsms().get(0);
            HsmKey zsk = hsm.list(ZoneName.of(zone)).stream()
                    .filter(k -> k.role() == KeyRole.ZSK && k.algorithm() == Algorithm.ECDSAP256SHA256)
                    .findFirst()
                    .orElseThrow(
                            () -> new IllegalArgumentException("no ECDSA P-256 ZSK of " + zone + " on " + hsm.id()));
            byte[][] data = new byte[1024][200];
            Random random = new Random(13);
            for (byte[] d : data) {
                random.nextBytes(d);
            }
            byte[][] sigs = new byte[data.length][];
            for (int i = 0; i < 3000; i++) { // warm-up: JIT, sessions (its CPU must not count per signature)
                sigs[i % data.length] = hsm.sign(zsk.ref(), data[i % data.length]);
            }
            long cpu0 = cpuNanos();
            double signRate = rate(count, i -> sigs[i % data.length] = hsm.sign(zsk.ref(), data[i % data.length]));
            double cpuPerSign = (cpuNanos() - cpu0) / 1e3 / count;

            byte[] xy = zsk.publicKey().orElseThrow().publicKey();
            byte[] spki = Arrays.copyOf(P256_SPKI, P256_SPKI.length + 1 + xy.length);
            spki[P256_SPKI.length] = 0x04;
            System.arraycopy(xy, 0, spki, P256_SPKI.length + 1, xy.length);
            AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
            boolean native_ = accp.getLoadingError() == null;
            Provider p = native_ ? accp : Security.getProvider("SunEC");
            PublicKey pub = KeyFactory.getInstance("EC", p).generatePublic(new X509EncodedKeySpec(spki));
            ThreadLocal<Signature> verifier = ThreadLocal.withInitial(() -> {
                try {
                    return Signature.getInstance("SHA256withECDSAinP1363Format", p);
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            });
            Op verify = i -> {
                Signature v = verifier.get();
                v.initVerify(pub);
                v.update(data[i % data.length]);
                if (!v.verify(sigs[i % data.length])) {
                    throw new IllegalStateException("token signature " + i + " does not verify");
                }
            };
            for (int i = 0; i < 5000; i++) {
                verify.run(i % data.length);
            }
            long cpu1 = cpuNanos();
            double verifyRate = rate(count, verify);
            double cpuPerVerify = (cpuNanos() - cpu1) / 1e3 / count;

            PrintWriter out = spec.commandLine().getOut();
            if (options.json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("hsm", hsm.id().name());
                m.put("threads", threads);
                m.put("count", count);
                m.put("sign_per_second", Math.round(signRate));
                m.put("verify_per_second", Math.round(verifyRate));
                m.put("verify_provider", p.getName());
                m.put("cpu_us_per_sign", Math.round(cpuPerSign * 10) / 10.0);
                m.put("cpu_us_per_verify", Math.round(cpuPerVerify * 10) / 10.0);
                Output.json(out, m);
            } else {
                out.printf(
                        "token %s, %d thread(s): %.0f sign/s (ECDSA P-256 ZSK, %.1f CPU-us each); gate verifier %s: "
                                + "%.0f verify/s (%.1f CPU-us each)%n",
                        hsm.id(), threads, signRate, cpuPerSign, p.getName(), verifyRate, cpuPerVerify);
            }
            out.flush();
            return ExitCode.OK.code();
        }
    }

    /** CPU time of this whole process (all threads, the JVM's own included). */
    private static long cpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    @FunctionalInterface
    private interface Op {
        void run(int i) throws Exception;
    }

    /** Operations per second of {@code count} operations spread over the threads. */
    private double rate(int total, Op op) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            int per = total / threads;
            for (int t = 0; t < threads; t++) {
                int base = t * per;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < per; i++) {
                        op.run(base + i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            return per * threads / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdown();
        }
    }
}
