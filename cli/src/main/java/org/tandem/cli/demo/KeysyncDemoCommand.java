package org.tandem.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.tandem.cli.ExitCode;
import org.tandem.cli.lab.DemoPki;
import org.tandem.cli.lab.TokenLab;
import org.tandem.keysync.manifest.EmbeddedZooKeeper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl demo-keysync}: the keysync story on one machine, told with the real commands. Three
 * SoftHSM2 tokens stand for three HSMs in two data centres (as at DENIC), an embedded ZooKeeper
 * holds the manifest. Each step runs {@code signerctl} as a child process, exactly as an operator
 * would type it, so the narrative shows the commands to use in production.
 */
@Command(
        name = "demo-keysync",
        description =
                "Run the keysync demo: three SoftHSM2 tokens, generate once, replicate, prove; then reproduce the "
                        + "DENIC fault (a different key pair under the same key tag), see verify refuse it, and repair "
                        + "it.")
public final class KeysyncDemoCommand implements Callable<Integer> {
    static final String ZONE = "example.test";
    static final List<String> TOKENS = List.of("dc1-hsm1", "dc2-hsm1", "dc2-hsm2");

    @Option(
            names = "--workdir",
            paramLabel = "DIR",
            description = "where everything goes (default: a new temporary directory)")
    Path workdir;

    @Spec
    CommandSpec spec;

    private PrintWriter out;
    private TokenLab lab;
    private Path dir;
    private DemoNarrator n;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        lab = TokenLab.create(workdir != null ? workdir : Files.createTempDirectory("tandem-demo-"), TOKENS);
        dir = lab.dir();
        n = new DemoNarrator(out, spec.commandLine().getErr(), lab);
        n.say("Tandem keysync demo. Everything goes to " + dir);
        n.say("Three SoftHSM2 tokens stand for three HSMs in two data centres: " + String.join(", ", TOKENS) + ".");
        StringBuilder yaml = new StringBuilder(lab.hsmsYaml(TOKENS));
        DemoPki pki = DemoPki.create(dir.resolve("tls"), lab);
        pki.issue("zookeeper", "zookeeper");
        pki.issue("operator", "operator");
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zookeeper"), 0, pki.tls("zookeeper"))) {
            yaml.append("zookeeper: ")
                    .append(zk.connectString())
                    .append("\naudit-log: audit.jsonl\n")
                    .append("zookeeper-tls: {ca: tls/ca.crt, cert: tls/operator.crt, key: tls/operator.key}\n");
            Path config = dir.resolve("hsm.yaml");
            Files.writeString(config, yaml.toString());
            n.say("An embedded ZooKeeper at " + zk.connectString()
                    + " keeps the key manifest; it speaks TLS only and lets in"
                    + " only certificates of the cluster CA (tls/), by role: signerctl uses the operator's. HSM"
                    + " configuration: " + config);

            String c = "--hsm-config=" + config;
            n.heading(
                    "The cluster key-encryption key (KEK): generated inside dc1-hsm1, then carried into the other HSMs "
                            + "wrapped under an RSA key each new HSM makes inside itself. It is never in plaintext "
                            + "outside an HSM.");
            n.expect(0, "kek", "init", c, "--hsm=dc1-hsm1");
            n.expect(0, "kek", "enrol", c, "--from=dc1-hsm1", "--to=dc2-hsm1");
            n.expect(0, "kek", "enrol", c, "--from=dc1-hsm1", "--to=dc2-hsm2");
            n.expect(0, "kek", "status", c);

            n.heading("Generate once: a KSK and a ZSK for " + ZONE + ", on dc1-hsm1 only.");
            n.expect(0, "keys", "generate", c, "--zone=" + ZONE, "--role=ksk");
            n.expect(0, "keys", "generate", c, "--zone=" + ZONE, "--role=zsk");
            n.heading("Before replication, verify refuses: the standby HSMs lack both keys (exit code 1).");
            n.expect(1, "keys", "verify", c, "--zone=" + ZONE);

            n.heading("Replicate: wrap each key under the KEK on dc1-hsm1, unwrap into the others, prove.");
            n.expect(0, "keys", "sync", c, "--zone=" + ZONE);
            n.heading("Verify with proof: every private key on every HSM signs a fresh nonce; checked with the "
                    + "manifest's DNSKEY.");
            n.expect(0, "keys", "verify", c, "--zone=" + ZONE);

            n.heading(
                    "The DENIC fault (May 2026): an outside tool replaces the ZSK on dc2-hsm2 by another key pair with "
                            + "the same label, CKA_ID and key tag.");
            plantDenicKey(config);
            n.expect(1, "keys", "verify", c, "--zone=" + ZONE);
            n.heading("Repair: destroy the stray key and copy the manifest's ZSK back in.");
            n.expect(0, "keys", "sync", c, "--zone=" + ZONE, "--replace-diverged");
            n.expect(0, "keys", "list", c, "--zone=" + ZONE);

            n.heading("Every key operation above is in a hash-chained audit log.");
            n.expect(0, "audit", "verify", "--audit-log=" + dir.resolve("audit.jsonl"));
        }
        out.println();
        n.say("Done. Files: " + dir + " (hsm.yaml, hsm/ tokens and PIN files, audit.jsonl, zookeeper/, logs/).");
        n.say("The ZooKeeper has stopped; to run the commands again against these tokens, start one and set "
                + "'zookeeper:' in hsm.yaml.");
        return ExitCode.OK.code();
    }

    /**
     * The DENIC shape, made by an outside tool (OpenSC's pkcs11-tool), as the rollover agent did:
     * the ZSK objects on dc2-hsm2 are destroyed and a new pair is generated under their label and id.
     */
    private void plantDenicKey(Path config) throws Exception {
        String pin = Files.readString(lab.pinFile("dc2-hsm2")).trim();
        String listing = n.capture("keys", "list", "--hsm-config=" + config, "--zone=" + ZONE, "--json");
        var tree = new ObjectMapper().readTree(listing);
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
        List<String> base = List.of(
                "pkcs11-tool",
                "--module",
                "/usr/lib/softhsm/libsofthsm2.so",
                "--token-label",
                "dc2-hsm2",
                "--login",
                "--pin",
                pin);
        for (String type : List.of("privkey", "pubkey")) {
            List<String> del = new ArrayList<>(base);
            del.addAll(List.of("--delete-object", "--type", type, "--id", id));
            lab.tool(del);
        }
        List<String> gen = new ArrayList<>(base);
        gen.addAll(List.of("--keypairgen", "--key-type", "EC:prime256v1", "--id", id, "--label", label));
        lab.tool(gen);
        n.say("  pkcs11-tool --keypairgen --key-type EC:prime256v1 --id " + id.substring(0, 8) + "... --label '" + label
                + "' on dc2-hsm2");
    }
}
