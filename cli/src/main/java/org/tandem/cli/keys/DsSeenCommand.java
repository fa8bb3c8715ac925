package org.tandem.cli.keys;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.tandem.cli.ExitCode;
import org.tandem.cli.Output;
import org.tandem.cli.SignerctlException;
import org.tandem.cli.host.Session;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.signer.lifecycle.ManifestParent;
import org.tandem.signer.lifecycle.ParentState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code signerctl keys ds-seen --zone Z --key FINGERPRINT[,...]}: the operator confirms that the
 * parent's DS RRset now names exactly these keys (like OpenDNSSEC's {@code ds-seen}). Recorded in the
 * zone's manifest (replicated through ZooKeeper), where the rollover agent's planner reads the parent's
 * state: a KSK or CSK rollover with {@code parent.check: operator} waits for it.
 */
@Command(
        name = "ds-seen",
        description = "Confirm that the parent's DS RRset now names exactly these keys (KSK or CSK); the rollover "
                + "agent continues a rollover waiting for the parent (parent.check: operator).")
final class DsSeenCommand extends KeysCommand.ZoneCommand implements Callable<Integer> {
    @Option(
            names = "--key",
            required = true,
            split = ",",
            paramLabel = "FINGERPRINT",
            description = "fingerprint (hex, or a unique prefix of at least 8 digits) of each key the DS RRset names")
    List<String> keys;

    @Override
    public Integer call() throws Exception {
        form("keys ds-seen", false);
        try (Session s = Session.open(options, "keys ds-seen")) {
            ZoneKeySet manifest = s.keySync().manifest(zone());
            if (!manifest.exists()) {
                throw new SignerctlException(ExitCode.USAGE, "zone " + zone() + " has no manifest");
            }
            List<ZoneKeySet.Entry> named = new ArrayList<>();
            for (String k : keys) {
                named.add(find(manifest, k));
            }
            Set<Fingerprint> ds = named.stream().map(e -> e.key().fingerprint()).collect(Collectors.toSet());
            Instant now = Instant.now();
            ZoneKeySet next = ManifestParent.dsSeen(manifest, ds, now);
            boolean changed = next != manifest;
            if (changed) {
                s.keySync().update(manifest, next, "ds-seen");
            }
            ParentState parent = ManifestParent.of(next);
            if (options.json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("zone", zone().toString());
                m.put("ds", ds.stream().map(Fingerprint::hex).sorted().toList());
                m.put("since", parent.dsSince().map(Instant::toString).orElse(""));
                m.put("changed", changed);
                Output.json(out(), m);
            } else {
                out().printf(
                                "zone %s: the parent's DS RRset names %s %s%n",
                                zone(),
                                named.stream()
                                        .map(e -> e.key().role() + " " + e.key().keyTag() + " fp "
                                                + e.key().fingerprint().shortHex())
                                        .collect(Collectors.joining(", ")),
                                changed
                                        ? "since " + now
                                        : "(already recorded, since "
                                                + parent.dsSince().orElseThrow() + ")");
            }
            out().flush();
            return ExitCode.OK.code();
        }
    }

    /** The manifest's KSK or CSK whose fingerprint is {@code text} or starts with it. */
    private ZoneKeySet.Entry find(ZoneKeySet manifest, String text) throws SignerctlException {
        String hex = text.trim().toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{8,64}")) {
            throw new SignerctlException(
                    ExitCode.USAGE,
                    "--key " + text + ": a fingerprint is 64 hex digits (a unique prefix of 8 or more)");
        }
        List<ZoneKeySet.Entry> match = manifest.entries().stream()
                .filter(e -> e.key().fingerprint().hex().startsWith(hex))
                .toList();
        if (match.size() != 1) {
            throw new SignerctlException(
                    ExitCode.USAGE,
                    "--key " + text + ": " + (match.isEmpty() ? "no key" : match.size() + " keys") + " of zone "
                            + zone() + " (manifest version " + manifest.version() + ") match");
        }
        ZoneKeySet.Entry e = match.get(0);
        if (e.key().role() == KeyRole.ZSK) {
            throw new SignerctlException(
                    ExitCode.USAGE, "--key " + text + ": " + e.key().describe() + " is a ZSK; a DS names a KSK or CSK");
        }
        return e;
    }
}
