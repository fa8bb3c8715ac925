package org.tandem.keysync.hsm;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A handle to one private-key object on one HSM, valid while that {@link Hsm} stays open. Obtained
 * only from {@link Hsm#list}, {@link Hsm#generate} or {@link Hsm#unwrap}.
 *
 * @param hsm the HSM holding the object
 * @param handle the object handle on that HSM (meaningful to that HSM only)
 * @param objectId the object's {@code CKA_ID} as found (a stray object may carry any value)
 */
public record KeyRef(HsmId hsm, long handle, byte[] objectId) {
    public KeyRef {
        Objects.requireNonNull(hsm, "hsm");
        objectId = Objects.requireNonNull(objectId, "objectId").clone();
    }

    @Override
    public byte[] objectId() {
        return objectId.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyRef r && r.hsm.equals(hsm) && r.handle == handle && Arrays.equals(r.objectId, objectId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(hsm, handle, Arrays.hashCode(objectId));
    }

    @Override
    public String toString() {
        return hsm + "#" + handle + "(id " + HexFormat.of().formatHex(objectId) + ")";
    }
}
