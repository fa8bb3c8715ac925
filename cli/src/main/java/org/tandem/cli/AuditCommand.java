package org.tandem.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tandem.keysync.audit.AuditChain;
import org.tandem.keysync.audit.AuditDefect;
import org.tandem.keysync.audit.AuditVerification;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signerctl audit verify}: checks the audit log's hash chain. */
@Command(name = "audit", description = "The hash-chained audit log of every key operation.",
        subcommands = AuditCommand.Verify.class)
final class AuditCommand {
    @Command(name = "verify", description = "Check the hash chain: exit 0 only when no line was edited, removed, inserted "
            + "or reordered (and, with --head, none was cut off the end).")
    static final class Verify implements Callable<Integer> {
        @Option(names = "--audit-log", required = true, paramLabel = "FILE", description = "the audit log")
        Path file;

        @Option(names = "--head", paramLabel = "SEQ:HASH", description = "a head you recorded earlier (seq:hash); "
                + "detects lines cut off the end")
        String head;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            AuditVerification v;
            if (head != null) {
                String[] parts = head.split(":", 2);
                if (parts.length != 2) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--head must be SEQ:HASH");
                }
                v = AuditChain.verify(file, Long.parseLong(parts[0]), parts[1]);
            } else {
                v = AuditChain.verify(file);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("file", file.toString());
                m.put("intact", v.intact());
                m.put("lines", v.lines());
                m.put("head", v.lines() + ":" + v.headHash());
                m.put("defects", v.defects().stream().map(d -> Map.of("line", d.line(), "reason", d.reason())).toList());
                Output.json(out, m);
            } else {
                for (AuditDefect d : v.defects()) {
                    out.printf("%s:%d: %s%n", file, d.line(), d.reason());
                }
                out.printf("%s: %s, %d line(s), head %d:%s%n", file, v.intact() ? "intact" : "BROKEN", v.lines(), v.lines(),
                        v.headHash());
            }
            out.flush();
            return v.intact() ? ExitCode.OK.code() : ExitCode.AUDIT_CORRUPT.code();
        }
    }
}
