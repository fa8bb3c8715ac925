package org.tandem.signer.sign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tandem.keysync.testing.Prerequisites;
import org.xbill.DNS.Record;

/** The real outside validators (ldns, BIND, Knot), run as processes on a zone file. */
final class OutsideValidators {
    /** One validator's verdict. */
    record Verdict(String command, int exitCode, String output) {
        @Override
        public String toString() {
            return "$ " + command + "\n" + output.strip() + "\n[exit " + exitCode + "]";
        }
    }

    private static final long TIMEOUT_SECONDS = 120;

    private OutsideValidators() {}

    static void require() {
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        Prerequisites.requireTool("dnssec-verify", "bind9utils");
        Prerequisites.requireTool("kzonecheck", "knot-dnssecutils");
    }

    static Path write(Path file, List<Record> records) throws IOException {
        StringBuilder b = new StringBuilder(records.size() * 120);
        for (Record r : records) {
            b.append(r).append('\n');
        }
        Files.writeString(file, b, StandardCharsets.UTF_8);
        return file;
    }

    /** ldns-verify-zone, dnssec-verify -x (the KSK signs only the DNSKEY RRset), kzonecheck -d on. */
    static List<Verdict> all(String origin, Path file) throws IOException, InterruptedException {
        return all(origin, file, true);
    }

    /**
     * As {@link #all(String, Path)}; {@code withLdns} false leaves ldns-verify-zone out. ldns 1.8.3
     * loops forever on an NSEC3 zone with a ZONEMD and glue below a zone cut (reproduced on
     * ldns-signzone's own output: {@code ldns-signzone -n -z 1:1} of a zone with {@code sub NS ns.sub},
     * {@code ns.sub A}), so NSEC3 zones with ZONEMD are judged by BIND and Knot alone.
     */
    static List<Verdict> all(String origin, Path file, boolean withLdns) throws IOException, InterruptedException {
        List<Verdict> v = new ArrayList<>();
        if (withLdns) {
            v.add(run(List.of("ldns-verify-zone", file.toString())));
        }
        v.add(run(List.of("dnssec-verify", "-o", origin, "-x", file.toString())));
        v.add(run(List.of("kzonecheck", "-o", origin, "-d", "on", file.toString())));
        return v;
    }

    static Verdict run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("validator", ".out");
        try {
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return new Verdict(
                        String.join(" ", command),
                        -1,
                        Files.readString(out, StandardCharsets.UTF_8) + "\n(killed: no verdict after " + TIMEOUT_SECONDS
                                + " s)");
            }
            return new Verdict(String.join(" ", command), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
