package org.tandem.cli.keys;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.tandem.cli.ExitCode;
import org.tandem.cli.Output;
import org.tandem.cli.Table;
import org.tandem.cli.host.Session;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.signer.lifecycle.KeyTimeline;
import org.tandem.signer.lifecycle.ManifestParent;
import org.tandem.signer.lifecycle.ManifestTimelines;
import org.tandem.signer.lifecycle.ParentState;
import org.tandem.signer.lifecycle.RolloverFinding;
import org.tandem.signer.lifecycle.RolloverPlan;
import org.tandem.signer.lifecycle.RolloverPlanner;
import org.tandem.signer.lifecycle.TimelineRow;
import org.tandem.signer.lifecycle.ZoneTimings;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.sign.SigningPolicyFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code signerctl keys timeline --zone Z --policy FILE}: each key of the manifest with its phase and
 * its next step from the rollover planner. Reads the manifest only; the publish ledger is not read
 * (publication is dated by the manifest), and the parent's DS is what {@code --ds} says or, without
 * it, assumed to name the signing KSK or CSK.
 */
@Command(
        name = "timeline",
        description = "Each key's role, algorithm, tag, fingerprint, phase and next step with its date, "
                + "from the rollover planner and the zone's signing policy.")
final class TimelineCommand extends KeysCommand.ZoneCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, paramLabel = "FILE", description = "the zone's signing policy")
    Path policy;

    @Option(
            names = "--ds",
            split = ",",
            paramLabel = "FINGERPRINT",
            description = "the keys the parent's DS RRset names (hex fingerprints); default: the signing KSK or CSK")
    List<String> ds;

    @Option(
            names = "--max-zone-ttl",
            defaultValue = "86400",
            paramLabel = "SECONDS",
            description = "the largest TTL in the zone (TTLsig), default ${DEFAULT-VALUE}")
    long maxZoneTtl;

    @Override
    public Integer call() throws Exception {
        form("keys timeline", false);
        SigningPolicy p = SigningPolicyFile.load(policy);
        try (Session s = Session.open(options, "keys timeline")) {
            ZoneKeySet manifest = s.keySync().manifest(zone());
            List<KeyTimeline> keys = ManifestTimelines.of(manifest);
            Instant now = Instant.now();
            // the parent's DS as recorded in the manifest (signerctl keys ds-seen, or the rollover agent
            // with parent.check: none), else as --ds gives it, else assumed
            ParentState recorded = ManifestParent.of(manifest);
            boolean fromManifest = ds == null && recorded.dsSince().isPresent();
            boolean assumed = ds == null && !fromManifest;
            Set<Fingerprint> named = fromManifest
                    ? recorded.ds()
                    : assumed
                            ? keys.stream()
                                    .filter(k -> k.secureEntryPoint() && k.signing() && k.inDnskeySet())
                                    .map(KeyTimeline::fingerprint)
                                    .collect(Collectors.toSet())
                            : ds.stream().map(Fingerprint::parse).collect(Collectors.toSet());
            ParentState parent = fromManifest
                    ? recorded
                    : new ParentState(named, Optional.of(now), recorded.cds(), recorded.cdsSince());
            String source = fromManifest ? "recorded" : assumed ? "assumed" : "given";
            ZoneTimings timings = new ZoneTimings(
                    Duration.ofSeconds(p.dnskeyTtl()),
                    Duration.ofSeconds(maxZoneTtl),
                    p.validity().minus(p.refresh()));
            RolloverPlan plan = new RolloverPlanner(p.rollover(), timings).plan(keys, List.of(), parent, now);
            List<TimelineRow> rows = TimelineRow.of(keys, plan, parent);
            String dsText = named.isEmpty()
                    ? "none"
                    : named.stream().map(Fingerprint::shortHex).sorted().collect(Collectors.joining(", "));
            if (options.json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("zone", zone().toString());
                m.put("manifest_version", manifest.version());
                m.put("rolled_by_policy", p.rollover().managed());
                m.put("parent_ds", named.stream().map(Fingerprint::hex).sorted().toList());
                m.put("parent_ds_source", source);
                m.put("parent_ds_since", parent.dsSince().map(Instant::toString).orElse(""));
                m.put(
                        "cds",
                        parent.cds().stream().map(Fingerprint::hex).sorted().toList());
                m.put("keys", rows.stream().map(TimelineRow::json).toList());
                m.put(
                        "findings",
                        plan.findings().stream()
                                .map(f -> Map.of("kind", f.kind().name(), "message", f.message()))
                                .toList());
                Output.json(out(), m);
                return ExitCode.OK.code();
            }
            out().printf("zone %s, manifest version %d: %d key(s)%n", zone(), manifest.version(), keys.size());
            if (!p.rollover().managed()) {
                out().printf("the policy %s has no keys: nothing is rolled%n", policy);
            }
            out().println();
            Table t = new Table("ROLE", "ALG", "TAG", "FINGERPRINT", "PHASE", "DS", "NEXT");
            for (TimelineRow r : rows) {
                KeyTimeline k = r.key();
                t.row(
                        k.role(),
                        k.algorithm().number(),
                        k.tag().value(),
                        k.fingerprint().hex(),
                        k.phase(),
                        r.inDs() ? "yes" : "-",
                        r.nextText());
            }
            t.print(out());
            out().printf(
                            "%nparent DS (%s): %s%n",
                            fromManifest
                                    ? "recorded since " + parent.dsSince().orElseThrow() + ", signerctl keys ds-seen"
                                    : assumed ? "assumed: the signing KSK/CSK" : "given",
                            dsText);
            if (!parent.cds().isEmpty()) {
                out().printf(
                                "CDS/CDNSKEY ask for: %s (since %s)%n",
                                parent.cds().stream()
                                        .map(Fingerprint::shortHex)
                                        .sorted()
                                        .collect(Collectors.joining(", ")),
                                parent.cdsSince().orElseThrow());
            }
            for (RolloverFinding f : plan.findings()) {
                out().printf("%s: %s%n", f.kind(), f.message());
            }
            out().flush();
            return ExitCode.OK.code();
        }
    }
}
