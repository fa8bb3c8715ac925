package org.tandem.coordinator.view;

import java.util.Objects;
import org.tandem.proto.keysync.v1.KeyDescriptor;
import org.tandem.proto.keysync.v1.KeyRole;
import org.tandem.proto.keysync.v1.KeyState;
import org.xbill.DNS.TextParseException;

/**
 * One key of a zone's manifest with what the coordinator computed from its public key: fingerprint
 * (identity) and key tag.
 */
public record ManifestKey(
        KeyRole role,
        int keyTag,
        int algorithm,
        String fingerprint,
        KeyState state,
        String generatedOn,
        KeyDescriptor descriptor) {
    public ManifestKey {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(generatedOn, "generatedOn");
        Objects.requireNonNull(descriptor, "descriptor");
    }

    /** Neither REMOVED nor DELETED: resolvers should know it, every HSM must hold it. */
    public boolean live() {
        return state != KeyState.REMOVED && state != KeyState.DELETED;
    }

    /**
     * Out of the zone (REMOVED, or DELETED: every node destroys its copy): a copy still on an HSM is a known
     * key, not a stray one.
     */
    public boolean gone() {
        return !live();
    }

    /**
     * Live, neither RETIRED nor GENERATED: a leader signs with it. A GENERATED key is neither
     * published nor signed with until every node holds it, proven (the leader then makes it PUBLISHED).
     */
    public boolean signing() {
        return live() && state != KeyState.RETIRED && state != KeyState.GENERATED;
    }

    /** In the DNSKEY RRset the leader publishes: PUBLISHED, ACTIVE, RETIRED. */
    public boolean inDnskeySet() {
        return state == KeyState.PUBLISHED || state == KeyState.ACTIVE || state == KeyState.RETIRED;
    }

    /** "ZSK 12345 fp 0123456789abcdef". */
    public String describe() {
        return role.name() + " " + keyTag + " fp " + KeyFacts.shortHex(fingerprint);
    }

    /** Reads a manifest entry, computing fingerprint and tag from the public key. */
    public static ManifestKey of(org.tandem.proto.keysync.v1.ManifestKey k) {
        KeyDescriptor d = k.getKey();
        try {
            return new ManifestKey(
                    d.getRole(),
                    KeyFacts.keyTag(d),
                    d.getAlgorithm(),
                    KeyFacts.fingerprint(d),
                    k.getState(),
                    k.getGeneratedOn(),
                    d);
        } catch (TextParseException e) {
            throw new IllegalArgumentException(
                    "manifest key of zone '" + d.getZone() + "' has an unusable zone name", e);
        }
    }
}
