package org.tandem.signer.lifecycle;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.tandem.signer.lifecycle.RolloverAction.Kind;

/**
 * One line of {@code signerctl keys timeline}: a key, its phase, whether the parent's DS names it, and
 * its next step from the plan with the date it is due.
 *
 * @param key the key
 * @param inDs whether the parent's DS RRset names it
 * @param next the next step of the plan that concerns the key, if any
 */
public record TimelineRow(KeyTimeline key, boolean inDs, Optional<RolloverAction> next) {
    public TimelineRow {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(next, "next");
    }

    /** One row per key, in the order given, each with its next step from {@code plan}. */
    public static List<TimelineRow> of(List<KeyTimeline> keys, RolloverPlan plan, ParentState parent) {
        List<TimelineRow> rows = new ArrayList<>();
        for (KeyTimeline k : keys) {
            rows.add(new TimelineRow(k, parent.ds().contains(k.fingerprint()), plan.next(k.fingerprint())));
        }
        return rows;
    }

    /** {@code publish DNSKEY at 2026-03-01T00:00:00Z}, or {@code -}. */
    public String nextText() {
        return next.map(a -> verb(a.kind()) + " at " + a.due()).orElse("-");
    }

    /** The row as JSON fields, for {@code --json}. */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", key.role().name());
        m.put("algorithm", key.algorithm().number());
        m.put("key_tag", key.tag().value());
        m.put("fingerprint", key.fingerprint().hex());
        m.put("state", key.state().name().toLowerCase(Locale.ROOT));
        m.put("phase", key.phase());
        m.put("created", key.created().toString());
        m.put("published", key.published().map(Instant::toString).orElse(null));
        m.put("active", key.active().map(Instant::toString).orElse(null));
        m.put("retired", key.retired().map(Instant::toString).orElse(null));
        m.put("removed", key.removed().map(Instant::toString).orElse(null));
        m.put("in_parent_ds", inDs);
        m.put(
                "next_step",
                next.map(a -> a.kind().name().toLowerCase(Locale.ROOT)).orElse(null));
        m.put("next_due", next.map(a -> a.due().toString()).orElse(null));
        m.put("next_reason", next.map(RolloverAction::reason).orElse(null));
        return m;
    }

    private static String verb(Kind kind) {
        return switch (kind) {
            case GENERATE -> "generate";
            case PUBLISH_DNSKEY -> "publish DNSKEY";
            case START_SIGNING -> "start signing";
            case STOP_SIGNING -> "stop signing";
            case REMOVE_DNSKEY -> "remove DNSKEY";
            case PUBLISH_CDS -> "publish CDS";
            case WITHDRAW_CDS -> "withdraw CDS";
            case AWAIT_PARENT -> "await parent DS";
            case DELETE_KEY -> "delete from every HSM";
        };
    }
}
