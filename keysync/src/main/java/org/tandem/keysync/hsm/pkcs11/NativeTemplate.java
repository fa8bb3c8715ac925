package org.tandem.keysync.hsm.pkcs11;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * Attribute values the JDK's PKCS#11 wrapper cannot pass itself, as the raw bytes of the C
 * structures: a {@code CK_MECHANISM_TYPE} array ({@code CKA_ALLOWED_MECHANISMS}) and a {@code
 * CK_ATTRIBUTE} array ({@code CKA_UNWRAP_TEMPLATE}, whose values live in memory allocated here once,
 * for the life of the JVM). Only for 64-bit Unix (LP64: {@code CK_ULONG} and pointers are 8 bytes,
 * no structure packing); elsewhere the KEK ceremonies refuse to run.
 */
final class NativeTemplate {
    private static final int ULONG = 8;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /**
     * What the cluster KEK may unwrap: exactly these attributes (SoftHSM2 compares all but class,
     * key type, token and private), so that no key unwrapped under it is readable or wrappable
     * under an untrusted key. {@code Pkcs11Hsm.unwrap} gives exactly these. (SoftHSM2 refuses
     * CKA_MODIFIABLE in an unwrap template, so it is not here.)
     */
    static final byte[] UNWRAPPED = booleans(
            new long[] {CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED, CKA_DERIVE, CKA_DECRYPT},
            new boolean[] {true, true, true, false, false});

    private NativeTemplate() {}

    /** A {@code CK_MECHANISM_TYPE[]} as its bytes. */
    static byte[] mechanisms(long... mechanisms) {
        requireLp64();
        ByteBuffer b = ByteBuffer.allocate(ULONG * mechanisms.length).order(ORDER);
        for (long m : mechanisms) {
            b.putLong(m);
        }
        return b.array();
    }

    /** The mechanisms in a {@code CKA_ALLOWED_MECHANISMS} value as the JDK returned it (bytes or longs). */
    static long[] readMechanisms(Object value) {
        if (value instanceof long[] longs) {
            return longs.clone();
        }
        if (!(value instanceof byte[] bytes) || bytes.length % ULONG != 0) {
            return new long[0];
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ORDER);
        long[] out = new long[bytes.length / ULONG];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getLong();
        }
        return out;
    }

    /** A {@code CK_ATTRIBUTE[]} of {@code CK_BBOOL} attributes as its bytes; the values stay allocated. */
    private static byte[] booleans(long[] types, boolean[] values) {
        if (!lp64()) {
            return new byte[0]; // requireLp64() refuses every use
        }
        long memory = allocate(types.length);
        ByteBuffer b = ByteBuffer.allocate(3 * ULONG * types.length).order(ORDER);
        for (int i = 0; i < types.length; i++) {
            putByte(memory + i, (byte) (values[i] ? 1 : 0));
            b.putLong(types[i]).putLong(memory + i).putLong(1);
        }
        return b.array();
    }

    private static boolean lp64() {
        return "64".equals(System.getProperty("sun.arch.data.model"))
                && !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }

    private static void requireLp64() {
        if (!lp64()) {
            throw new IllegalStateException("the KEK attributes need a 64-bit Unix JVM (CK_ULONG of 8 bytes); this is "
                    + System.getProperty("os.name") + " with a " + System.getProperty("sun.arch.data.model")
                    + "-bit JVM");
        }
    }

    private static long allocate(int bytes) {
        try {
            return (long) unsafeMethod("allocateMemory", long.class).invoke(unsafe(), (long) bytes);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot allocate memory for a PKCS#11 attribute template: " + e, e);
        }
    }

    private static void putByte(long address, byte value) {
        try {
            unsafeMethod("putByte", long.class, byte.class).invoke(unsafe(), address, value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot fill a PKCS#11 attribute template: " + e, e);
        }
    }

    private static Object unsafe() throws ReflectiveOperationException {
        Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
        f.setAccessible(true);
        return f.get(null);
    }

    private static Method unsafeMethod(String name, Class<?>... parameters) throws ReflectiveOperationException {
        return Class.forName("sun.misc.Unsafe").getMethod(name, parameters);
    }
}
