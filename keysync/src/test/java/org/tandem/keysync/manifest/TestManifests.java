package org.tandem.keysync.manifest;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.tandem.proto.keysync.v1.KeyDescriptor;
import org.tandem.proto.keysync.v1.KeyManifest;
import org.tandem.proto.keysync.v1.KeyRole;
import org.tandem.proto.keysync.v1.KeyState;
import org.tandem.proto.keysync.v1.ManifestKey;

/** Fixed manifests for the store tests; the store does not interpret the keys, so fixed bytes do. */
final class TestManifests {
    /** 2026-01-01T00:00:00Z. */
    static final long UPDATED_EPOCH_MILLIS = 1_767_225_600_000L;

    private TestManifests() {}

    /** A manifest of {@code zone} with one active KSK and one published ZSK, written by {@code by}. */
    static KeyManifest manifest(String zone, String by) {
        return KeyManifest.newBuilder()
                .setZone(zone)
                .addKeys(key(zone, KeyRole.KSK, 257, KeyState.ACTIVE, 1))
                .addKeys(key(zone, KeyRole.ZSK, 256, KeyState.PUBLISHED, 2))
                .setUpdatedEpochMillis(UPDATED_EPOCH_MILLIS)
                .setUpdatedBy(by)
                .build();
    }

    private static ManifestKey key(String zone, KeyRole role, int flags, KeyState state, int seed) {
        byte[] publicKey = new byte[64];
        for (int i = 0; i < publicKey.length; i++) {
            publicKey[i] = (byte) (seed * 31 + i);
        }
        return ManifestKey.newBuilder()
                .setKey(KeyDescriptor.newBuilder()
                        .setZone(zone)
                        .setRole(role)
                        .setAlgorithm(13)
                        .setFlags(flags)
                        .setKeyTag(10_000 + seed)
                        .setPublicKey(ByteString.copyFrom(publicKey))
                        .setFingerprint(ByteString.copyFrom(sha256(zone + seed))))
                .setState(state)
                .setCreatedEpochSeconds(UPDATED_EPOCH_MILLIS / 1000 - 86_400L * seed)
                .setGeneratedOn("tokA")
                .build();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
