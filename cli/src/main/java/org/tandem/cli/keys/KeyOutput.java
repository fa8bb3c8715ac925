package org.tandem.cli.keys;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.tandem.cli.Table;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeyCheck;
import org.tandem.keysync.proof.KeySetReport;

/** How the --hsm-config forms of the key commands render keysync's results: JSON maps and the verify table. */
final class KeyOutput {
    private KeyOutput() {}

    static Map<String, Object> check(KeyCheck c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("zone", c.zone().toString());
        m.put("hsm", c.hsm().name());
        m.put("role", c.role().name());
        m.put("key_tag", c.keyTag().value());
        m.put("fingerprint", c.fingerprint().map(Fingerprint::hex).orElse(null));
        m.put("found_fingerprint", c.found().map(Fingerprint::hex).orElse(null));
        m.put("status", c.status().display());
        m.put("detail", c.detail());
        m.put("fix", c.fix());
        return m;
    }

    static Map<String, Object> report(KeySetReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("zone", r.zone().toString());
        m.put("manifest_version", r.manifestVersion());
        m.put("key_synced", r.keySynced());
        m.put("hsms", r.hsms().stream().map(h -> h.name()).toList());
        m.put("checks", r.checks().stream().map(KeyOutput::check).toList());
        return m;
    }

    static Map<String, Object> hsmKey(HsmKey k, ZoneKeySet manifest) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hsm", k.hsm().name());
        m.put("role", k.role().name());
        m.put("algorithm", k.algorithm().number());
        m.put("key_tag", k.claimedTag().value());
        m.put("fingerprint", k.fingerprint().map(Fingerprint::hex).orElse(null));
        m.put("state", state(k, manifest));
        m.put("label", k.label());
        m.put("problem", k.problem().orElse(null));
        return m;
    }

    static String state(HsmKey k, ZoneKeySet manifest) {
        Optional<ZoneKeySet.Entry> e = k.fingerprint().flatMap(manifest::find);
        return e.map(x -> x.state().name().toLowerCase(Locale.ROOT)).orElse("not-in-manifest");
    }

    /** The verify/sync table and the verdict, for people. */
    static void printReport(PrintWriter out, KeySetReport r) {
        Table t = new Table("HSM", "ROLE", "TAG", "FINGERPRINT", "STATUS", "DETAIL");
        for (KeyCheck c : r.checks()) {
            t.row(
                    c.hsm(),
                    c.role(),
                    c.keyTag(),
                    c.fingerprint().map(Fingerprint::shortHex).orElse("-"),
                    c.status().display(),
                    c.detail().isEmpty() ? "" : c.detail());
        }
        t.print(out);
        out.println();
        if (r.keySynced()) {
            long keys =
                    r.checks().stream().map(KeyCheck::fingerprint).distinct().count();
            out.printf(
                    "zone %s: key-synced: %d key(s) present and proven on all %d HSM(s) (manifest version %d)%n",
                    r.zone(), keys, r.hsms().size(), r.manifestVersion());
        } else {
            List<KeyCheck> problems = r.problems();
            out.printf("zone %s: NOT key-synced: %d problem(s)%n", r.zone(), problems.size());
            for (KeyCheck c : problems) {
                out.println("  - " + c.describe());
                out.println("    fix: " + c.fix());
            }
        }
        out.flush();
    }
}
