package org.tandem.cli.keys;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.tandem.cli.ExitCode;
import org.tandem.cli.Output;
import org.tandem.cli.SignerctlCommand;
import org.tandem.cli.SignerctlException;
import org.tandem.cli.Table;
import org.tandem.cli.cluster.ClusterKeyCommands;
import org.tandem.cli.cluster.ClusterOptions;
import org.tandem.cli.host.Session;
import org.tandem.keysync.HsmListing;
import org.tandem.keysync.SyncResult;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyProtos;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeySetReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl keys ...}: the key commands, on this host's HSMs ({@code --hsm-config}) or, for
 * generate, sync and verify, across the cluster's nodes through the coordinator ({@code --config}).
 */
@Command(
        name = "keys",
        description = "Generate, replicate and verify a zone's keys across the configured HSMs.",
        subcommands = {
            KeysCommand.Generate.class,
            KeysCommand.ListKeys.class,
            KeysCommand.Sync.class,
            KeysCommand.Verify.class,
            KeysCommand.Delete.class,
            TimelineCommand.class,
            DsSeenCommand.class
        })
public final class KeysCommand implements Callable<Integer> {
    @Option(
            names = "--cluster",
            description = "every key of the cluster from the coordinator: role, tag, fingerprint, "
                    + "state, next event, published since, presence and proof on every node's HSM")
    boolean cluster;

    @Option(names = "--zone", paramLabel = "ZONE", description = "with --cluster: one zone (default: every zone)")
    String clusterZone;

    @Mixin
    ClusterOptions clusterOptions;

    @ParentCommand
    SignerctlCommand root;

    @Spec
    CommandSpec keysSpec;

    /** {@code keys --cluster}; without --cluster, {@code keys} needs a subcommand. */
    @Override
    public Integer call() {
        if (!cluster) {
            throw new ParameterException(
                    keysSpec.commandLine(),
                    "keys: give a subcommand (generate, list, sync, verify, delete, timeline, ds-seen) or --cluster");
        }
        return ClusterKeyCommands.clusterKeys(
                clusterOptions.file(root),
                clusterZone,
                clusterOptions.json(),
                keysSpec.commandLine().getOut());
    }

    abstract static class ZoneCommand {
        @Mixin
        KeyCommandOptions options;

        @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "zone apex, e.g. example.com")
        String zone;

        @Spec
        CommandSpec spec;

        ZoneName zone() {
            return ZoneName.of(zone);
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        KeyCommandOptions.Form form(String command, boolean clusterForm) {
            return options.form(spec, command, clusterForm);
        }
    }

    @Command(
            name = "generate",
            description = "Generate a key once, on one HSM, and add it to the zone's manifest. Copy it to the other "
                    + "HSMs with 'keys sync'. With --config: inside an HSM of the node --on, through the coordinator; "
                    + "it is published only after every node holds it, proven.")
    static final class Generate extends ZoneCommand implements Callable<Integer> {
        @Option(names = "--role", required = true, paramLabel = "ksk|zsk|csk", description = "key role")
        String role;

        @Option(
                names = "--algorithm",
                defaultValue = "13",
                paramLabel = "ALG",
                description =
                        "DNSSEC algorithm: 13 ECDSAP256SHA256 (default), 14 ECDSAP384SHA384, 8 RSASHA256, 15 ED25519")
        String algorithm;

        @Option(
                names = "--hsm",
                paramLabel = "NAME",
                description = "HSM to generate on (default: the first in the configuration)")
        String hsm;

        @Option(names = "--on", paramLabel = "NODE", description = "with --config: the node whose HSM generates it")
        String on;

        @Override
        public Integer call() throws Exception {
            KeyRole r = KeyRole.parse(role);
            Algorithm a = Algorithm.parse(algorithm);
            KeyCommandOptions.Form form = form("keys generate", true);
            if (form == KeyCommandOptions.Form.CLUSTER) {
                if (on == null) {
                    throw SignerctlException.usage(
                            "keys generate --config: give --on NODE, the node whose HSM generates" + " the key");
                }
                return ClusterKeyCommands.keysGenerate(
                        options.clusterFile(spec),
                        zone().toString(),
                        KeyProtos.toProto(r),
                        a.number(),
                        on,
                        hsm,
                        options.json(),
                        out());
            }
            KeyCommandOptions.refuse(on != null, "keys generate", "--on", form);
            try (Session s = Session.open(options, "keys generate")) {
                HsmId on = s.hsmId(hsm);
                DnssecKey key = s.keySync().generate(zone(), r, a, on);
                if (options.json()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("zone", key.zone().toString());
                    m.put("hsm", on.name());
                    m.put("role", key.role().name());
                    m.put("algorithm", key.algorithm().number());
                    m.put("key_tag", key.keyTag().value());
                    m.put("fingerprint", key.fingerprint().hex());
                    m.put("dnskey", key.dnskey(3600).toString());
                    m.put("state", "generated");
                    Output.json(out(), m);
                } else {
                    out().printf(
                                    "generated %s on %s%n  fingerprint %s%n  %s%n",
                                    key.describe(), on, key.fingerprint().hex(), key.dnskey(3600));
                    out().printf(
                                    "next: copy it to the other HSMs and prove it: signerctl keys sync --hsm-config %s "
                                            + "--zone %s%n",
                                    options.hsmConfig(), key.zone());
                }
                return ExitCode.OK.code();
            }
        }
    }

    @Command(name = "list", description = "List the zone's keys on every configured HSM, with their manifest state.")
    static final class ListKeys extends ZoneCommand implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            form("keys list", false);
            try (Session s = Session.open(options, "keys list")) {
                ZoneKeySet manifest = s.keySync().manifest(zone());
                List<HsmListing> listings = s.keySync().list(zone());
                if (options.json()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("zone", zone().toString());
                    m.put("manifest_version", manifest.version());
                    m.put(
                            "manifest",
                            manifest.entries().stream()
                                    .map(e -> {
                                        Map<String, Object> k = new LinkedHashMap<>();
                                        k.put("role", e.key().role().name());
                                        k.put("algorithm", e.key().algorithm().number());
                                        k.put("key_tag", e.key().keyTag().value());
                                        k.put(
                                                "fingerprint",
                                                e.key().fingerprint().hex());
                                        k.put("state", e.state().name().toLowerCase(Locale.ROOT));
                                        k.put("generated_on", e.generatedOn());
                                        k.put("created", e.created().toString());
                                        return k;
                                    })
                                    .toList());
                    List<Map<String, Object>> hsms = new ArrayList<>();
                    for (HsmListing l : listings) {
                        Map<String, Object> h = new LinkedHashMap<>();
                        h.put("hsm", l.hsm().name());
                        h.put("error", l.error().orElse(null));
                        h.put(
                                "keys",
                                l.keys().stream()
                                        .map(k -> KeyOutput.hsmKey(k, manifest))
                                        .toList());
                        hsms.add(h);
                    }
                    m.put("hsms", hsms);
                    Output.json(out(), m);
                    return ExitCode.OK.code();
                }
                out().printf(
                                "zone %s, manifest version %d: %d key(s)%n%n",
                                zone(), manifest.version(), manifest.entries().size());
                Table t = new Table("HSM", "ROLE", "ALG", "TAG", "FINGERPRINT", "STATE", "LABEL");
                for (HsmListing l : listings) {
                    if (l.error().isPresent()) {
                        t.row(l.hsm(), "-", "-", "-", "-", "error", l.error().get());
                    }
                    for (HsmKey k : l.keys()) {
                        t.row(
                                l.hsm(),
                                k.role(),
                                k.algorithm().number(),
                                k.claimedTag(),
                                k.fingerprint()
                                        .map(Fingerprint::hex)
                                        .orElse("(" + k.problem().orElse("?") + ")"),
                                KeyOutput.state(k, manifest),
                                k.label());
                    }
                    if (l.keys().isEmpty() && l.error().isEmpty()) {
                        t.row(l.hsm(), "-", "-", "-", "(no keys of this zone)", "-", "-");
                    }
                }
                t.print(out());
                out().flush();
                return ExitCode.OK.code();
            }
        }
    }

    @Command(
            name = "sync",
            description = "Copy every manifest key an HSM lacks from an HSM that holds it (wrapped under the cluster "
                    + "KEK), prove it, and verify. Exit 0 only when key-synced afterwards. With --config: between the "
                    + "nodes, through the coordinator, which verifies every proof itself.")
    static final class Sync extends ZoneCommand implements Callable<Integer> {
        @Option(
                names = "--from",
                paramLabel = "NAME",
                description = "source HSM (default: any HSM where the key is proven)")
        String from;

        @Option(
                names = "--replace-diverged",
                description = "destroy objects that claim a manifest key but hold another key "
                        + "pair, and replace them with the manifest's key (the DENIC repair)")
        boolean replaceDiverged;

        @Override
        public Integer call() throws Exception {
            KeyCommandOptions.Form form = form("keys sync", true);
            if (form == KeyCommandOptions.Form.CLUSTER) {
                KeyCommandOptions.refuse(from != null, "keys sync", "--from", form);
                KeyCommandOptions.refuse(replaceDiverged, "keys sync", "--replace-diverged", form);
                return ClusterKeyCommands.keysSync(options.clusterFile(spec), zone().toString(), options.json(), out());
            }
            try (Session s = Session.open(options, "keys sync")) {
                Optional<HsmId> source = from == null
                        ? Optional.empty()
                        : Optional.of(s.config().hsm(from).name());
                SyncResult result = s.keySync().sync(zone(), source, replaceDiverged);
                if (options.json()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("actions", result.actions());
                    m.put(
                            "refused",
                            result.refused().stream().map(KeyOutput::check).toList());
                    m.put("after", KeyOutput.report(result.after()));
                    Output.json(out(), m);
                } else {
                    for (String a : result.actions()) {
                        out().println(a);
                    }
                    if (result.actions().isEmpty()) {
                        out().println("nothing to copy");
                    }
                    for (var c : result.refused()) {
                        out().println("not repaired: " + c.describe());
                        out().println("  fix: " + c.fix());
                    }
                    out().println();
                    KeyOutput.printReport(out(), result.after());
                }
                return result.after().keySynced() ? ExitCode.OK.code() : ExitCode.NOT_SYNCED.code();
            }
        }
    }

    @Command(
            name = "verify",
            description = "Prove that every HSM holds exactly the manifest's keys: compare fingerprints and have every "
                    + "private key sign a fresh nonce. Exit 0 only when key-synced. With --config: every node's HSMs, "
                    + "over a nonce signerctl draws, through the coordinator.")
    static final class Verify extends ZoneCommand implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            if (form("keys verify", true) == KeyCommandOptions.Form.CLUSTER) {
                return ClusterKeyCommands.keysVerify(
                        options.clusterFile(spec), zone().toString(), options.json(), out());
            }
            try (Session s = Session.open(options, "keys verify")) {
                KeySetReport report = s.keySync().verify(zone());
                if (options.json()) {
                    Output.json(out(), KeyOutput.report(report));
                } else {
                    KeyOutput.printReport(out(), report);
                }
                return report.keySynced() ? ExitCode.OK.code() : ExitCode.NOT_SYNCED.code();
            }
        }
    }

    @Command(
            name = "delete",
            description = "Destroy a key that is not live in the manifest (e.g. an unexpected extra key) "
                    + "on one HSM. Live keys are refused: they leave only through a rollover.")
    static final class Delete extends ZoneCommand implements Callable<Integer> {
        @Option(names = "--hsm", required = true, paramLabel = "NAME", description = "HSM to delete from")
        String hsm;

        @Option(
                names = "--fingerprint",
                required = true,
                paramLabel = "HEX",
                description = "the key's fingerprint (64 hex digits)")
        String fingerprint;

        @Override
        public Integer call() throws Exception {
            Fingerprint fp = Fingerprint.parse(fingerprint);
            form("keys delete", false);
            try (Session s = Session.open(options, "keys delete")) {
                HsmId on = s.config().hsm(hsm).name();
                s.keySync().delete(zone(), on, fp);
                if (options.json()) {
                    Output.json(out(), Map.of("deleted", fp.hex(), "hsm", on.name(), "zone", zone().toString()));
                } else {
                    out().printf("destroyed key %s of %s on %s%n", fp.hex(), zone(), on);
                }
                return ExitCode.OK.code();
            }
        }
    }
}
