package org.tandem.signer.gate;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * Timing of the gate on a TLD-like zone (not a test; nothing is asserted). Generates {@code tld.}
 * with N delegations, two out-of-zone NS each, one in five with a DS (the docs/benchmarks.md benchmark
 * shape), signs it with BIND's {@code dnssec-signzone} (ECDSA P-256, NSEC3 opt-out, no salt, no
 * extra iterations, or NSEC with {@code nsec}), then times parsing and the gate.
 *
 * <p>Run from signer-node after {@code mvn test-compile}: {@code java -cp
 * target/test-classes:target/classes:$(cat cp.txt) org.tandem.signer.gate.GateBenchmark 20000
 * [nsec3|nsec] [threads] [accp|jdk] [rounds]}, where {@code cp.txt} comes from {@code mvn
 * dependency:build-classpath -Dmdep.outputFile=cp.txt -Dmdep.includeScope=test}.
 */
public final class GateBenchmark {
    private GateBenchmark() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        boolean nsec3 = args.length <= 1 || args[1].equals("nsec3");
        int threads = args.length > 2
                ? Integer.parseInt(args[2])
                : Runtime.getRuntime().availableProcessors();
        boolean jdk = args.length > 3 && args[3].equals("jdk");
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        Path dir = Files.createTempDirectory("gate-bench");
        Path zone = dir.resolve("tld.zone");
        StringBuilder sb = new StringBuilder(n * 120);
        sb.append("$ORIGIN tld.\n$TTL 86400\n");
        sb.append("@ SOA ns1.nic.tld. hostmaster.nic.tld. 2026112501 1800 900 604800 3600\n");
        sb.append("@ NS a.nic.net.\n@ NS b.nic.net.\n");
        for (int i = 0; i < n; i++) {
            sb.append('d').append(i).append(" NS ns1.host").append(i % 997).append(".net.\n");
            sb.append('d').append(i).append(" NS ns2.host").append(i % 991).append(".net.\n");
            if (i % 5 == 0) {
                sb.append('d')
                        .append(i)
                        .append(" DS ")
                        .append(10000 + i % 50000)
                        .append(" 13 2 ")
                        .append(String.format(Locale.ROOT, "%064x", (long) i * 2654435761L))
                        .append('\n');
            }
        }
        Files.writeString(zone, sb.toString());
        String ksk = run(dir, "dnssec-keygen", "-q", "-a", "ECDSAP256SHA256", "-f", "KSK", "tld.");
        String zsk = run(dir, "dnssec-keygen", "-q", "-a", "ECDSAP256SHA256", "tld.");
        Files.writeString(zone, "$INCLUDE " + ksk + ".key\n$INCLUDE " + zsk + ".key\n", StandardOpenOption.APPEND);
        List<String> sign = new ArrayList<>(List.of(
                "dnssec-signzone",
                "-P",
                "-n",
                "2",
                "-o",
                "tld.",
                "-s",
                "20261101000000",
                "-e",
                "20270101000000",
                "-f",
                "tld.signed"));
        if (nsec3) {
            sign.addAll(List.of("-3", "-", "-H", "0", "-A"));
        }
        sign.addAll(List.of("tld.zone", ksk, zsk));
        long t0 = System.nanoTime();
        run(dir, sign.toArray(String[]::new));
        System.out.printf(Locale.ROOT, "dnssec-signzone: %.2f s%n", (System.nanoTime() - t0) / 1e9);

        Name origin = Name.fromConstantString("tld.");
        for (int round = 1; round <= rounds; round++) {
            long p0 = System.nanoTime();
            List<Record> records = new ArrayList<>();
            try (Master m = new Master(dir.resolve("tld.signed").toString(), origin)) {
                Record r;
                while ((r = m.nextRecord()) != null) {
                    records.add(r);
                }
            }
            long p1 = System.nanoTime();
            System.gc(); // the parser's garbage is not the gate's work
            GatePolicy policy = GatePolicy.defaults().withThreads(threads);
            GateCrypto crypto = jdk ? GateCrypto.jdk() : GateCrypto.preferred();
            ValidationGate gate = new ValidationGate(policy, crypto);
            long cpu0 = processCpuNanos();
            GateVerdict v = gate.verify(origin, records, Instant.parse("2026-11-25T00:00:00Z"));
            long cpu = processCpuNanos() - cpu0;
            double gateSeconds = v.elapsed().toNanos() / 1e9;
            double rawCpuPerVerify = rawVerifyCpuNanos(crypto, 2000);
            double gateCpuPerSignature = (double) cpu / v.signaturesVerified();
            System.out.printf(
                    Locale.ROOT,
                    "round %d: %d delegations (%s), %d records parsed in %.2f s; gate %s in %.3f s wall, %.3f s CPU:"
                            + " %d RRsets, %d signatures, %.0f signatures/s wall with %d threads%n"
                            + "  CPU per signature: gate %.1f us, bare %s verify %.1f us (ratio %.2f);"
                            + " at 2 idle cores the gate would check %.0f signatures/s%n",
                    round,
                    n,
                    nsec3 ? "NSEC3 opt-out" : "NSEC",
                    records.size(),
                    (p1 - p0) / 1e9,
                    v.passed() ? "passed" : "REFUSED",
                    gateSeconds,
                    cpu / 1e9,
                    v.rrsetsChecked(),
                    v.signaturesVerified(),
                    v.signaturesVerified() / gateSeconds,
                    threads,
                    gateCpuPerSignature / 1e3,
                    jdk ? "SunEC" : "ACCP",
                    rawCpuPerVerify / 1e3,
                    gateCpuPerSignature / rawCpuPerVerify,
                    2e9 / gateCpuPerSignature);
            if (!v.passed()) {
                System.out.println(v.summary());
            }
            phases(origin, records, crypto);
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    /** Single-threaded CPU time of each phase, to show where the time goes. */
    private static void phases(Name origin, List<Record> records, GateCrypto crypto) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long t0 = mx.getCurrentThreadCpuTime();
        ZoneIndex index = ZoneIndex.build(origin, records, new FailureLog());
        long t1 = mx.getCurrentThreadCpuTime();
        List<DNSKEYRecord> keys = new ArrayList<>();
        for (Record r : index.records(index.apex, Type.DNSKEY)) {
            keys.add((DNSKEYRecord) r);
        }
        SignatureCheck check = new SignatureCheck(
                index,
                ZoneKeys.read(origin, keys, crypto, new FailureLog()),
                crypto,
                Instant.parse("2026-11-25T00:00:00Z"),
                Duration.ofDays(1));
        SignatureCheck.Result r = check.check(0, index.owners.size());
        long t2 = mx.getCurrentThreadCpuTime();
        DenialCheck.check(index, (SOARecord) index.records(index.apex, Type.SOA).get(0), new FailureLog());
        long t3 = mx.getCurrentThreadCpuTime();
        System.out.printf(
                Locale.ROOT,
                "  phases, one thread, CPU: index %.3f s, signatures %.3f s (%d, %.1f us each), denial %.3f s%n",
                (t1 - t0) / 1e9,
                (t2 - t1) / 1e9,
                r.signatures,
                (t2 - t1) / 1e3 / r.signatures,
                (t3 - t2) / 1e9);
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * CPU time of one bare P-256 verification through the same provider, one thread, no gate: each
     * of {@code count} distinct signatures over distinct 120-byte messages verified once (verifying
     * one signature over and over is about 15 % cheaper, and not what a zone asks for).
     */
    private static double rawVerifyCpuNanos(GateCrypto crypto, int count) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initSign(kp.getPrivate());
        Random random = new Random(1);
        byte[][] data = new byte[count][120];
        byte[][] sigs = new byte[count][];
        for (int i = 0; i < count; i++) {
            random.nextBytes(data[i]);
            s.update(data[i]);
            sigs[i] = s.sign();
        }
        ECPublicKey ec = (ECPublicKey) kp.getPublic();
        byte[] key = new byte[64];
        copyUnsigned(ec.getW().getAffineX(), key, 0);
        copyUnsigned(ec.getW().getAffineY(), key, 32);
        PublicKey pk = crypto.decode(GateCrypto.Algorithm.ECDSAP256SHA256, key);
        GateCrypto.Verifier v = crypto.verifier();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long t0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < count; i++) {
            if (!v.verify(GateCrypto.Algorithm.ECDSAP256SHA256, pk, data[i], data[i].length, sigs[i])) {
                throw new IllegalStateException("bare verification failed");
            }
        }
        return (double) (mx.getCurrentThreadCpuTime() - t0) / count;
    }

    private static void copyUnsigned(BigInteger v, byte[] to, int offset) {
        byte[] b = v.toByteArray();
        int n = Math.min(32, b.length);
        System.arraycopy(b, b.length - n, to, offset + 32 - n, n);
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        String[] lines = out.trim().split("\n");
        return lines[lines.length - 1].trim();
    }
}
