package org.tandem.keysync.grpc;

import com.google.protobuf.ByteString;
import org.tandem.keysync.hsm.WrappedKey;
import org.tandem.keysync.key.KeyProtos;

/** Converts wrapped keys between the HSM port and the wire; checks what the wire claims. */
final class WrappedKeys {
    private WrappedKeys() {}

    static org.tandem.proto.keysync.v1.WrappedKey toProto(WrappedKey w) {
        return org.tandem.proto.keysync.v1.WrappedKey.newBuilder()
                .setKey(KeyProtos.toProto(w.key()))
                .setMechanism(w.mechanism())
                .setBlob(ByteString.copyFrom(w.blob()))
                .setKekCheckValue(ByteString.copyFrom(w.kekCheckValue()))
                .build();
    }

    /**
     * Rebuilds the wrapped key; the public key is rebuilt from the descriptor's zone, role,
     * algorithm and public key, and a descriptor whose flags, key tag or fingerprint disagree is
     * refused.
     *
     * @throws IllegalArgumentException when the descriptor does not hold together, its public key
     *     does not decode, or the blob or
     *     the KEK check value is missing
     */
    static WrappedKey fromProto(org.tandem.proto.keysync.v1.WrappedKey w) {
        if (!w.hasKey()) {
            throw new IllegalArgumentException("wrapped key without a key descriptor");
        }
        var key = KeyProtos.fromProto(w.getKey());
        try {
            key.jcaPublicKey();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (w.getBlob().isEmpty()) {
            throw new IllegalArgumentException("wrapped " + key.describe() + " has an empty blob");
        }
        if (w.getKekCheckValue().isEmpty()) {
            throw new IllegalArgumentException("wrapped " + key.describe() + " carries no KEK check value");
        }
        return new WrappedKey(
                key,
                w.getMechanism(),
                w.getBlob().toByteArray(),
                w.getKekCheckValue().toByteArray());
    }
}
