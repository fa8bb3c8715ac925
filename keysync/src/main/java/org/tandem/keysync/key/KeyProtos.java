package org.tandem.keysync.key;

import com.google.protobuf.ByteString;
import org.tandem.proto.keysync.v1.KeyDescriptor;

/** Converts between the key domain and the wire contract; checks what the wire claims. */
public final class KeyProtos {
    private KeyProtos() {}

    public static KeyDescriptor toProto(DnssecKey key) {
        return KeyDescriptor.newBuilder()
                .setZone(key.zone().toString())
                .setRole(toProto(key.role()))
                .setAlgorithm(key.algorithm().number())
                .setFlags(key.flags())
                .setKeyTag(key.keyTag().value())
                .setPublicKey(ByteString.copyFrom(key.publicKey()))
                .setFingerprint(ByteString.copyFrom(key.fingerprint().bytes()))
                .build();
    }

    /**
     * Rebuilds the key from zone, role, algorithm and public key, and refuses a descriptor whose
     * flags, key tag or fingerprint do not match what those imply.
     */
    public static DnssecKey fromProto(KeyDescriptor d) {
        DnssecKey key = DnssecKey.of(
                ZoneName.of(d.getZone()),
                fromProto(d.getRole()),
                Algorithm.of(d.getAlgorithm()),
                d.getPublicKey().toByteArray());
        if (!d.getFingerprint().isEmpty()
                && !key.fingerprint().equals(Fingerprint.of(d.getFingerprint().toByteArray()))) {
            throw new IllegalArgumentException("descriptor of " + key.describe() + " claims fingerprint "
                    + Fingerprint.of(d.getFingerprint().toByteArray()).hex() + " but its public key gives "
                    + key.fingerprint().hex());
        }
        if (d.getKeyTag() != key.keyTag().value() || d.getFlags() != key.flags()) {
            throw new IllegalArgumentException(
                    "descriptor of " + key.describe() + " claims key tag " + d.getKeyTag() + " flags " + d.getFlags());
        }
        return key;
    }

    public static org.tandem.proto.keysync.v1.KeyRole toProto(KeyRole role) {
        return switch (role) {
            case KSK -> org.tandem.proto.keysync.v1.KeyRole.KSK;
            case ZSK -> org.tandem.proto.keysync.v1.KeyRole.ZSK;
            case CSK -> org.tandem.proto.keysync.v1.KeyRole.CSK;
        };
    }

    public static KeyRole fromProto(org.tandem.proto.keysync.v1.KeyRole role) {
        return switch (role) {
            case KSK -> KeyRole.KSK;
            case ZSK -> KeyRole.ZSK;
            case CSK -> KeyRole.CSK;
            default -> throw new IllegalArgumentException("key role not set or unknown: " + role);
        };
    }

    public static org.tandem.proto.keysync.v1.KeyState toProto(KeyState state) {
        return org.tandem.proto.keysync.v1.KeyState.valueOf(state.name());
    }

    public static KeyState fromProto(org.tandem.proto.keysync.v1.KeyState state) {
        if (state == org.tandem.proto.keysync.v1.KeyState.KEY_STATE_UNSPECIFIED
                || state == org.tandem.proto.keysync.v1.KeyState.UNRECOGNIZED) {
            throw new IllegalArgumentException("key state not set or unknown: " + state);
        }
        return KeyState.valueOf(state.name());
    }
}
