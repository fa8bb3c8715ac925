package org.tandem.keysync.hsm.pkcs11;

import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_OS_LOCKING_OK;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmUnavailableException;
import sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * Loads a vendor's PKCS#11 library once per JVM (the JDK keeps one instance per library path,
 * shared with any SunPKCS11 provider for the same library) and finds tokens by label.
 *
 * <p>Re-initialisation (docs/adr/0007-token-reinsert-by-reinitialising-pkcs11.md): after a token
 * came back, {@link #reinitialise} runs {@code C_Finalize} then {@code C_Initialize} on the library,
 * the PKCS#11 way to make a library read its slots and tokens again. It ends every session of every
 * token of that library in this JVM: each {@link Pkcs11Hsm} compares the library's {@link
 * #generation} with its own and opens its sessions again before its next call. Calls into the library
 * hold the {@link #lock} for reading; re-initialisation holds it for writing, because PKCS#11 leaves
 * {@code C_Finalize} undefined while other threads are inside the library.
 */
final class Pkcs11Library {
    private static final Logger LOG = LoggerFactory.getLogger(Pkcs11Library.class);
    private static final long CKR_CRYPTOKI_NOT_INITIALIZED = 0x190L;
    private static final Map<String, ReentrantReadWriteLock> LOCKS = new ConcurrentHashMap<>();
    private static final Map<String, ReentrantReadWriteLock> OBJECTS = new ConcurrentHashMap<>();
    private static final Map<String, Long> GENERATIONS = new ConcurrentHashMap<>();

    private Pkcs11Library() {}

    /** Held for reading by every call into the library, for writing by {@link #reinitialise}. */
    static ReentrantReadWriteLock lock(Path library) {
        return LOCKS.computeIfAbsent(library.toString(), k -> new ReentrantReadWriteLock());
    }

    /**
     * The token objects of the library's tokens in this JVM: held for reading by every session call,
     * for writing by every call that creates, changes or destroys token objects. SoftHSM2 2.6 (the lab
     * HSM) fails such a write now and then, with {@code CKR_GENERAL_ERROR} or {@code
     * CKR_TEMPLATE_INCONSISTENT}, when another session of the process searches the same token's objects
     * at that moment. Key generation, import and deletion are rare; signing waits only while one runs.
     * Taken before a session is taken from a pool, so that no thread holds a session while it waits.
     */
    static ReentrantReadWriteLock objects(Path library) {
        return OBJECTS.computeIfAbsent(library.toString(), k -> new ReentrantReadWriteLock());
    }

    /** How many times the library was re-initialised in this JVM (0 before the first time). */
    static long generation(Path library) {
        return GENERATIONS.getOrDefault(library.toString(), 0L);
    }

    /**
     * {@code C_Finalize}, then {@code C_Initialize} with the flags of {@link #load}: the library
     * forgets every session and login of this process and reads its slots and tokens again.
     *
     * <p>JDK 17's wrapper keeps {@code C_Initialize} package-private and calls it only when it first
     * loads a library path ({@code PKCS11.getInstance} caches its instances by the path string). A new
     * wrapper instance for the same file under another spelling of its path ({@link #spelling}: {@code
     * dir/./name}, {@code dir/.//name}, ...) calls it: the operating system's loader gives back the
     * module already loaded (the same file), so the wrapper returned by {@link #load} works again
     * afterwards. Each re-initialisation leaves one small wrapper object in the JDK's cache.
     *
     * @return the new {@link #generation}
     * @throws HsmUnavailableException the library failed to initialise again (the message names the
     *     PKCS#11 error); the next attempt starts with {@code C_Finalize} again
     */
    static long reinitialise(HsmId hsm, Path library, PKCS11 p11) throws HsmUnavailableException {
        ReentrantReadWriteLock lock = lock(library);
        lock.writeLock().lock();
        try {
            long next = generation(library) + 1;
            try {
                p11.C_Finalize(null);
            } catch (PKCS11Exception e) {
                if (e.getErrorCode() != CKR_CRYPTOKI_NOT_INITIALIZED) {
                    LOG.warn(
                            "hsm={} library={} C_Finalize: {} (initialising again anyway)",
                            hsm,
                            library,
                            e.getMessage());
                }
            }
            // Counted before C_Initialize: a failed attempt has finalized the library, and every
            // session of this generation is gone either way.
            GENERATIONS.put(library.toString(), next);
            CK_C_INITIALIZE_ARGS args = new CK_C_INITIALIZE_ARGS();
            args.flags = CKF_OS_LOCKING_OK;
            try {
                PKCS11.getInstance(spelling(library, next), "C_GetFunctionList", args, false);
            } catch (IOException e) {
                throw new HsmUnavailableException(
                        hsm, "cannot load PKCS#11 library " + library + " again: " + e.getMessage(), e);
            } catch (PKCS11Exception e) {
                throw new HsmUnavailableException(
                        hsm, "PKCS#11 library " + library + " failed to initialise again: " + e.getMessage(), e);
            }
            LOG.info("hsm={} library={} event=pkcs11-reinitialised generation={}", hsm, library, next);
            return next;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * The initialised library. {@code CKF_OS_LOCKING_OK} lets sessions run in parallel; without it
     * the JDK would serialise every call to the library through one lock.
     */
    static PKCS11 load(HsmId hsm, Path library) throws HsmUnavailableException {
        if (!Files.isRegularFile(library)) {
            throw new HsmUnavailableException(
                    hsm,
                    "PKCS#11 library " + library + " not found"
                            + (library.toString().contains("softhsm")
                                    ? " (install it: apt-get install softhsm2)"
                                    : ""));
        }
        CK_C_INITIALIZE_ARGS args = new CK_C_INITIALIZE_ARGS();
        args.flags = CKF_OS_LOCKING_OK;
        try {
            return PKCS11.getInstance(library.toString(), "C_GetFunctionList", args, false);
        } catch (IOException e) {
            throw new HsmUnavailableException(hsm, "cannot load PKCS#11 library " + library + ": " + e.getMessage(), e);
        } catch (PKCS11Exception e) {
            throw new HsmUnavailableException(
                    hsm, "PKCS#11 library " + library + " failed to initialise: " + e.getMessage(), e);
        }
    }

    /**
     * The library's path spelt for re-initialisation {@code n} (n >= 1), unique for each n and short:
     * the binary digits of n, most significant first, as {@code ./} for 1 and {@code /} for 0,
     * between the directory and the file name ({@code dir/./name}, {@code dir/.//name}, {@code
     * dir/././name}, ...). Never the path itself.
     */
    static String spelling(Path library, long n) {
        if (n < 1) {
            throw new IllegalArgumentException("re-initialisation " + n + " < 1");
        }
        StringBuilder b =
                new StringBuilder().append(library.toAbsolutePath().getParent()).append('/');
        for (char digit : Long.toBinaryString(n).toCharArray()) {
            b.append(digit == '1' ? "./" : "/");
        }
        return b.append(library.getFileName()).toString();
    }

    /** Slot id of the token with that label; the error lists the labels that are present. */
    static long slotOf(HsmId hsm, PKCS11 p11, Path library, String tokenLabel) throws HsmUnavailableException {
        Map<String, Long> found = new LinkedHashMap<>();
        List<String> broken = new ArrayList<>();
        long[] slots;
        try {
            slots = p11.C_GetSlotList(true);
        } catch (PKCS11Exception e) {
            throw new HsmUnavailableException(hsm, "cannot list tokens of " + library + ": " + e.getMessage(), e);
        }
        for (long slot : slots) {
            String label;
            try {
                label = new String(p11.C_GetTokenInfo(slot).label).trim();
            } catch (PKCS11Exception e) {
                // Another token of the same library went away (SoftHSM2: its directory was removed);
                // that must not make this HSM unreachable too.
                broken.add("slot " + slot + ": " + e.getMessage());
                continue;
            }
            if (label.equals(tokenLabel)) {
                return slot;
            }
            if (!label.isEmpty()) {
                found.put(label, slot);
            }
        }
        throw new HsmUnavailableException(
                hsm,
                "token '" + tokenLabel + "' not found in " + library
                        + (found.isEmpty()
                                ? " (no initialised token present)"
                                : " (present: " + String.join(", ", found.keySet()) + ")")
                        + (broken.isEmpty() ? "" : " (unreadable: " + String.join(", ", broken) + ")")
                        + "; a token added or put back after the library was initialised is seen only after it is "
                        + "initialised again (the node does that while the token is absent)");
    }
}
