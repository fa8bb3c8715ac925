package org.tandem.cli.audit;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tandem.cli.ExitCode;
import org.tandem.cli.Output;
import org.tandem.keysync.audit.AuditChain;
import org.tandem.keysync.audit.AuditCheckpoint;
import org.tandem.keysync.audit.AuditDefect;
import org.tandem.keysync.audit.AuditVerification;
import org.tandem.keysync.audit.CheckpointTrust;
import org.tandem.keysync.audit.HsmAuditSigner;
import org.tandem.keysync.hsm.HsmConfig;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code signerctl audit verify|key}: checks an audit log's chain and signed checkpoints; exports the audit key. */
@Command(
        name = "audit",
        description = "The hash-chained, checkpointed audit log of every key operation and order.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.Key.class})
public final class AuditCommand {
    @Command(
            name = "verify",
            description = "Check the hash chain and, with --public-key or --hsm-config, every signed checkpoint: exit "
                    + "0 only when no line was edited, removed, inserted or reordered, not even with the hashes "
                    + "recomputed (and, with --head, none was cut off the end).")
    static final class Verify implements Callable<Integer> {
        @Option(names = "--audit-log", required = true, paramLabel = "FILE", description = "the audit log")
        Path file;

        @Option(
                names = "--head",
                paramLabel = "SEQ:HASH",
                description = "a head you recorded earlier (seq:hash); " + "detects lines cut off the end")
        String head;

        @Option(
                names = "--public-key",
                paramLabel = "FILE",
                description = "a trusted audit key: a PEM public key "
                        + "(signerctl audit key) or certificate (the coordinator's TLS certificate); repeatable")
        List<Path> publicKeys = new ArrayList<>();

        @Option(
                names = "--hsm-config",
                paramLabel = "FILE",
                description = "trust the audit keys (tandem:audit:*) "
                        + "held by the HSMs of this hsm.yaml (or only --node's)")
        Path hsmConfig;

        @Option(
                names = "--node",
                paramLabel = "NAME",
                description = "with --hsm-config: trust only this node's " + "audit key")
        String node;

        @Option(
                names = "--strict",
                description = "lines after the last signed checkpoint are an error, not a "
                        + "warning (for the log of a writer that was stopped cleanly)")
        boolean strict;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            List<PublicKey> trusted = trustedKeys();
            if (strict && trusted.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--strict needs --public-key or --hsm-config");
            }
            CheckpointTrust trust = trusted.isEmpty() ? null : new CheckpointTrust(trusted, strict);
            AuditVerification v;
            if (head != null) {
                String[] parts = head.split(":", 2);
                if (parts.length != 2) {
                    throw new ParameterException(spec.commandLine(), "--head must be SEQ:HASH");
                }
                long seq;
                try {
                    seq = Long.parseLong(parts[0]);
                } catch (NumberFormatException e) {
                    throw new ParameterException(spec.commandLine(), "--head must be SEQ:HASH, SEQ a number");
                }
                v = trust == null
                        ? AuditChain.verify(file, seq, parts[1])
                        : AuditChain.verify(file, seq, parts[1], trust);
            } else {
                v = trust == null ? AuditChain.verify(file) : AuditChain.verify(file, trust);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("file", file.toString());
                m.put("intact", v.intact());
                m.put("lines", v.lines());
                m.put("head", v.lines() + ":" + v.headHash());
                m.put("checkpoints_checked", trust != null);
                m.put("signed_checkpoints", v.signedCheckpoints());
                m.put("last_signed_checkpoint", v.lastSignedCheckpoint());
                m.put(
                        "defects",
                        v.defects().stream()
                                .map(d -> Map.of("line", d.line(), "reason", d.reason()))
                                .toList());
                m.put("warnings", v.warnings());
                Output.json(out, m);
            } else {
                for (AuditDefect d : v.defects()) {
                    out.printf("%s:%d: %s%n", file, d.line(), d.reason());
                }
                for (String w : v.warnings()) {
                    out.printf("%s: warning: %s%n", file, w);
                }
                out.printf(
                        "%s: %s, %d line(s), head %d:%s, %s%n",
                        file,
                        v.intact() ? "intact" : "BROKEN",
                        v.lines(),
                        v.lines(),
                        v.headHash(),
                        trust == null
                                ? "checkpoints not checked (no --public-key or --hsm-config): a rewrite with "
                                        + "recomputed hashes would pass"
                                : v.signedCheckpoints() + " signed checkpoint(s)"
                                        + (v.lastSignedCheckpoint() == 0
                                                ? ""
                                                : ", the last at line " + v.lastSignedCheckpoint()));
            }
            out.flush();
            return v.intact() ? ExitCode.OK.code() : ExitCode.AUDIT_CORRUPT.code();
        }

        private List<PublicKey> trustedKeys() throws Exception {
            List<PublicKey> keys = new ArrayList<>();
            for (Path p : publicKeys) {
                try {
                    keys.add(AuditCheckpoint.publicKeyFromPem(Files.readString(p, StandardCharsets.US_ASCII)));
                } catch (IllegalArgumentException | IOException e) {
                    throw new ParameterException(spec.commandLine(), "--public-key " + p + ": " + e.getMessage());
                }
            }
            if (node != null && hsmConfig == null) {
                throw new ParameterException(spec.commandLine(), "--node needs --hsm-config");
            }
            if (hsmConfig != null) {
                HsmConfig config = HsmConfig.load(hsmConfig);
                for (HsmSpec s : config.hsms()) {
                    try (Pkcs11Hsm hsm = Pkcs11Hsm.open(s)) {
                        List<String> labels =
                                node == null ? hsm.auditKeyLabels() : List.of(HsmAuditSigner.labelFor(node));
                        for (String label : labels) {
                            hsm.findAuditKey(label).ifPresent(keys::add);
                        }
                    }
                }
                if (keys.isEmpty()) {
                    throw new ParameterException(
                            spec.commandLine(),
                            "the HSMs of " + hsmConfig + " hold no audit key"
                                    + (node == null ? " (tandem:audit:*)" : " " + HsmAuditSigner.labelFor(node)));
                }
            }
            return keys;
        }
    }

    @Command(
            name = "key",
            description = "Print a node's audit-signing public key (PEM), generating the key pair in the first HSM of "
                    + "hsm.yaml if it holds none (the node also does so at its first start). Keep the PEM off the "
                    + "node: audit verify --public-key FILE then trusts neither the node nor its HSM.")
    static final class Key implements Callable<Integer> {
        @Option(names = "--hsm-config", required = true, paramLabel = "FILE", description = "the node's hsm.yaml")
        Path hsmConfig;

        @Option(names = "--node", required = true, paramLabel = "NAME", description = "the node's name (node.yaml)")
        String node;

        @Option(names = "--out", paramLabel = "FILE", description = "write the PEM here instead of stdout")
        Path outFile;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            HsmConfig config = HsmConfig.load(hsmConfig);
            String pem;
            try (Pkcs11Hsm hsm = Pkcs11Hsm.open(config.hsms().get(0))) {
                HsmAuditSigner signer = HsmAuditSigner.open(hsm, node);
                pem = AuditCheckpoint.toPem(signer.publicKey());
                spec.commandLine().getErr().printf("%s%n", signer);
            }
            if (outFile != null) {
                Files.writeString(outFile, pem, StandardCharsets.US_ASCII);
            } else {
                spec.commandLine().getOut().print(pem);
                spec.commandLine().getOut().flush();
            }
            return ExitCode.OK.code();
        }
    }
}
