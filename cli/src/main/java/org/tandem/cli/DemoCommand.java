package org.tandem.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.tandem.keysync.manifest.EmbeddedZooKeeper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl demo}: the keysync story on one machine, told with the real commands. Three
 * SoftHSM2 tokens stand for three HSMs in two data centres (as at DENIC), an embedded ZooKeeper
 * holds the manifest. Each step runs {@code signerctl} as a child process, exactly as an operator
 * would type it, so the narrative shows the commands to use in production.
 */
@Command(name = "demo", description = "Run the keysync demo: three SoftHSM2 tokens, generate once, replicate, prove; "
        + "then reproduce the DENIC fault (a different key pair under the same key tag), see verify refuse it, and repair it.")
final class DemoCommand implements Callable<Integer> {
    static final String ZONE = "example.test";
    static final List<String> TOKENS = List.of("dc1-hsm1", "dc2-hsm1", "dc2-hsm2");

    @Option(names = "--workdir", paramLabel = "DIR", description = "where everything goes (default: a new temporary directory)")
    Path workdir;

    @Spec
    CommandSpec spec;

    private PrintWriter out;
    private TokenLab lab;
    private Path dir;
    private int step;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        lab = TokenLab.create(workdir != null ? workdir : Files.createTempDirectory("tandem-demo-"), TOKENS);
        dir = lab.dir();
        say("Tandem keysync demo. Everything goes to " + dir);
        say("Three SoftHSM2 tokens stand for three HSMs in two data centres: " + String.join(", ", TOKENS) + ".");
        StringBuilder yaml = new StringBuilder(lab.hsmsYaml(TOKENS));
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zookeeper"), 0)) {
            yaml.append("zookeeper: ").append(zk.connectString()).append("\naudit-log: audit.jsonl\n");
            Path config = dir.resolve("hsm.yaml");
            Files.writeString(config, yaml.toString());
            say("An embedded ZooKeeper at " + zk.connectString() + " keeps the key manifest. HSM configuration: " + config);

            String c = "--hsm-config=" + config;
            heading("The cluster key-encryption key (KEK): generated inside dc1-hsm1, then carried into the other HSMs "
                    + "wrapped under an RSA key each new HSM makes inside itself. It is never in plaintext outside an HSM.");
            expect(0, "kek", "init", c, "--hsm=dc1-hsm1");
            expect(0, "kek", "enrol", c, "--from=dc1-hsm1", "--to=dc2-hsm1");
            expect(0, "kek", "enrol", c, "--from=dc1-hsm1", "--to=dc2-hsm2");
            expect(0, "kek", "status", c);

            heading("Generate once: a KSK and a ZSK for " + ZONE + ", on dc1-hsm1 only.");
            expect(0, "keys", "generate", c, "--zone=" + ZONE, "--role=ksk");
            expect(0, "keys", "generate", c, "--zone=" + ZONE, "--role=zsk");
            heading("Before replication, verify refuses: the standby HSMs lack both keys (exit code 1).");
            expect(1, "keys", "verify", c, "--zone=" + ZONE);

            heading("Replicate: wrap each key under the KEK on dc1-hsm1, unwrap into the others, prove.");
            expect(0, "keys", "sync", c, "--zone=" + ZONE);
            heading("Verify with proof: every private key on every HSM signs a fresh nonce; checked with the manifest's DNSKEY.");
            expect(0, "keys", "verify", c, "--zone=" + ZONE);

            heading("The DENIC fault (May 2026): an outside tool replaces the ZSK on dc2-hsm2 by another key pair with the "
                    + "same label, CKA_ID and key tag.");
            plantDenicKey(config);
            expect(1, "keys", "verify", c, "--zone=" + ZONE);
            heading("Repair: destroy the stray key and copy the manifest's ZSK back in.");
            expect(0, "keys", "sync", c, "--zone=" + ZONE, "--replace-diverged");
            expect(0, "keys", "list", c, "--zone=" + ZONE);

            heading("Every key operation above is in a hash-chained audit log.");
            expect(0, "audit", "verify", "--audit-log=" + dir.resolve("audit.jsonl"));
        }
        out.println();
        say("Done. Files: " + dir + " (hsm.yaml, hsm/ tokens and PIN files, audit.jsonl, zookeeper/, logs/).");
        say("The ZooKeeper has stopped; to run the commands again against these tokens, start one and set 'zookeeper:' in hsm.yaml.");
        return ExitCode.OK.code();
    }

    /**
     * The DENIC shape, made by an outside tool (OpenSC's pkcs11-tool), as the rollover agent did:
     * the ZSK objects on dc2-hsm2 are destroyed and a new pair is generated under their label and id.
     */
    private void plantDenicKey(Path config) throws Exception {
        String pin = Files.readString(lab.pinFile("dc2-hsm2")).trim();
        String listing = capture("keys", "list", "--hsm-config=" + config, "--zone=" + ZONE, "--json");
        var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(listing);
        String id = null;
        String label = null;
        for (var hsm : tree.get("hsms")) {
            if (hsm.get("hsm").asText().equals("dc2-hsm2")) {
                for (var k : hsm.get("keys")) {
                    if (k.get("role").asText().equals("ZSK")) {
                        id = k.get("fingerprint").asText();
                        label = k.get("label").asText();
                    }
                }
            }
        }
        if (id == null) {
            throw new IllegalStateException("demo: no ZSK on dc2-hsm2 to replace");
        }
        List<String> base = List.of("pkcs11-tool", "--module", "/usr/lib/softhsm/libsofthsm2.so", "--token-label", "dc2-hsm2",
                "--login", "--pin", pin);
        for (String type : List.of("privkey", "pubkey")) {
            List<String> del = new ArrayList<>(base);
            del.addAll(List.of("--delete-object", "--type", type, "--id", id));
            lab.tool(del);
        }
        List<String> gen = new ArrayList<>(base);
        gen.addAll(List.of("--keypairgen", "--key-type", "EC:prime256v1", "--id", id, "--label", label));
        lab.tool(gen);
        say("  pkcs11-tool --keypairgen --key-type EC:prime256v1 --id " + id.substring(0, 8) + "... --label '" + label
                + "' on dc2-hsm2");
    }

    private void heading(String text) {
        out.println();
        out.printf("== %d. %s%n", ++step, text);
        out.flush();
    }

    private void say(String text) {
        out.println(text);
        out.flush();
    }

    /** Runs {@code signerctl ARGS} as a child process, shows it and its output, checks the exit code. */
    private void expect(int exitCode, String... args) throws IOException, InterruptedException {
        out.println("$ signerctl " + String.join(" ", args).replace(dir + "/", ""));
        out.flush();
        Process p = lab.signerctl(List.of(args)).start();
        Thread errors = pump(p.getErrorStream(), spec.commandLine().getErr());
        pump(p.getInputStream(), out).join();
        errors.join();
        int code = TokenLab.waitFor(p);
        if (code != exitCode) {
            throw new IllegalStateException("demo step 'signerctl " + String.join(" ", args) + "' exited " + code
                    + ", expected " + exitCode + "; see the output above");
        }
        if (code != 0) {
            out.println("(exit code " + code + ", as expected)");
        }
    }

    /** Copies a child's output to our writer as it comes, so the narrative and the tests see it. */
    private static Thread pump(java.io.InputStream in, PrintWriter to) {
        Thread t = new Thread(() -> {
            try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    synchronized (to) {
                        to.println(line);
                        to.flush();
                    }
                }
            } catch (IOException e) {
                synchronized (to) {
                    to.println("(demo: lost the output of a step: " + e.getMessage() + ")");
                }
            }
        }, "demo-output");
        t.start();
        return t;
    }

    private String capture(String... args) throws IOException, InterruptedException {
        Process p = lab.signerctl(List.of(args)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (TokenLab.waitFor(p) != 0) {
            throw new IllegalStateException("signerctl " + String.join(" ", args) + " failed");
        }
        return text;
    }
}
