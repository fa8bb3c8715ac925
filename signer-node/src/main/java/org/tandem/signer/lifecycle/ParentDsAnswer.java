package org.tandem.signer.lifecycle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;

/**
 * The zone's DS RRset as each name server of the parent served it.
 *
 * @param zone the child zone
 * @param servers per server ({@code ns1.example. 192.0.2.1}), the DS records it answered with (empty:
 *     none, an unsigned delegation), in the order asked
 * @param failures the servers (or the steps before them) that gave no usable answer, with why; any
 *     failure means the parent's state is not known
 */
public record ParentDsAnswer(ZoneName zone, Map<String, List<DSRecord>> servers, List<String> failures) {
    public ParentDsAnswer {
        Objects.requireNonNull(zone, "zone");
        servers = Collections.unmodifiableMap(new LinkedHashMap<>(servers));
        failures = List.copyOf(failures);
    }

    static ParentDsAnswer failed(ZoneName zone, String why) {
        return new ParentDsAnswer(zone, Map.of(), List.of(why));
    }

    /**
     * The keys every server's DS RRset names, when all servers answered and agree; empty otherwise. A DS
     * of digest type SHA-256 names the key whose fingerprint it is; one of another digest type names the
     * key of {@code known} it digests; a DS that names none of them counts as an unknown key, so the set
     * cannot equal a wanted one.
     */
    public Optional<Set<Fingerprint>> agreed(Collection<DnssecKey> known) {
        if (!failures.isEmpty() || servers.isEmpty()) {
            return Optional.empty();
        }
        Set<Set<Fingerprint>> distinct = new LinkedHashSet<>();
        for (List<DSRecord> ds : servers.values()) {
            distinct.add(keys(ds, known));
        }
        return distinct.size() == 1 ? Optional.of(distinct.iterator().next()) : Optional.empty();
    }

    /** One line for the log and the rollover's waiting list: what each server serves, and the failures. */
    public String describe(Collection<DnssecKey> known) {
        List<String> parts = new ArrayList<>();
        servers.forEach((server, ds) -> parts.add(server + " serves DS "
                + (ds.isEmpty()
                        ? "none"
                        : keys(ds, known).stream()
                                .map(Fingerprint::shortHex)
                                .sorted()
                                .toList())));
        parts.addAll(failures);
        return String.join("; ", parts);
    }

    private Set<Fingerprint> keys(List<DSRecord> ds, Collection<DnssecKey> known) {
        return ds.stream().map(d -> key(d, known)).collect(Collectors.toSet());
    }

    private Fingerprint key(DSRecord ds, Collection<DnssecKey> known) {
        if (ds.getDigestID() == DNSSEC.Digest.SHA256 && ds.getDigest().length == 32) {
            return Fingerprint.of(ds.getDigest());
        }
        for (DnssecKey k : known) {
            DSRecord mine = new DSRecord(zone.name(), DClass.IN, 0, ds.getDigestID(), k.dnskey(0));
            if (mine.getFootprint() == ds.getFootprint() && Arrays.equals(mine.getDigest(), ds.getDigest())) {
                return k.fingerprint();
            }
        }
        // no key of the manifest: a stand-in that equals no key's fingerprint (a hash over the digest type too)
        MessageDigest sha256 = sha256();
        sha256.update((byte) ds.getDigestID());
        sha256.update(ds.getDigest());
        return Fingerprint.of(sha256.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
