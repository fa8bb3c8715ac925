package org.tandem.signer.gate;

import java.util.Arrays;

/** A growable byte buffer reused by one thread for signing inputs and digests. Not thread-safe. */
final class WireBuffer {
    private byte[] buf = new byte[512];
    private int len;

    void reset() {
        len = 0;
    }

    int length() {
        return len;
    }

    byte[] array() {
        return buf;
    }

    void u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
    }

    void u16(int v) {
        ensure(2);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    void u32(long v) {
        ensure(4);
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    void bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
