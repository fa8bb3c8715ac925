package org.tandem.keysync.hsm.pkcs11;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.HsmUnavailableException;
import org.tandem.keysync.hsm.KeyPolicyViolation;
import org.tandem.keysync.hsm.KeyRef;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.TransportKey;
import org.tandem.keysync.hsm.WrappedKey;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyTag;
import org.tandem.keysync.key.ZoneName;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_MECHANISM;
import sun.security.pkcs11.wrapper.CK_RSA_PKCS_OAEP_PARAMS;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * An HSM reached over PKCS#11 (any vendor library by path; SoftHSM2 in development and tests).
 *
 * <p>Objects: every DNSSEC key is a persistent private-key object and a public-key object with the
 * same {@code CKA_ID} (the key's fingerprint) and {@code CKA_LABEL} ({@code
 * tandem:<zone>:<ROLE>:<alg>:<tag>}), identical on every HSM. The cluster KEK is an AES-256 secret
 * key labelled {@value #KEK_LABEL}.
 *
 * <p>Key attribute policy (docs/security/hsm.md): no key leaves the HSM with the user PIN alone.
 * DNSSEC private keys are sensitive and {@code CKA_WRAP_WITH_TRUSTED}: only a {@code CKA_TRUSTED}
 * key can wrap them, and only the security officer (SO) can make a key trusted. The KEK is
 * trusted, wrap-with-trusted, wraps and unwraps with {@value #MECH_AES_KEY_WRAP_PAD} only
 * ({@code CKA_ALLOWED_MECHANISMS}), never encrypts or decrypts, is not modifiable, carries its check
 * value ({@code CKA_CHECK_VALUE}, read, never computed with C_Encrypt) and an unwrap template: what
 * it unwraps is sensitive and wrap-with-trusted. The KEK ceremonies log the SO in for their trusted
 * objects (PIN from {@link HsmSpec#soPinFile()}); with SoftHSM2 the SO sees no private objects, so
 * the KEK is made trusted as a public session object and copied by the user into a private,
 * non-modifiable token object.
 *
 * <p>Thread-safety: safe for concurrent use; each operation borrows one of {@link HsmSpec#sessions()}
 * sessions, so that many signatures run in parallel. Close releases the sessions.
 *
 * <p>Token removed and put back (INV-K6, docs/adr/0007-token-reinsert-by-reinitialising-pkcs11.md):
 * {@link #absence()} asks the token whether it is still there; {@link #reopen()} finds it again by
 * label, re-initialising the PKCS#11 library ({@code C_Finalize}, {@code C_Initialize}) when the
 * library does not show it otherwise, and opens and logs in new sessions. Key handles from before are
 * then resolved by {@code CKA_ID}; the caller proves the keys again before it signs for a zone.
 */
public final class Pkcs11Hsm implements Hsm {
    private static final Logger LOG = LoggerFactory.getLogger(Pkcs11Hsm.class);

    static final String LABEL_PREFIX = "tandem:";
    static final String PENDING_PREFIX = "tandem-pending:";
    public static final String KEK_LABEL = "tandem-kek";
    private static final byte[] KEK_ID = KEK_LABEL.getBytes(StandardCharsets.US_ASCII);

    /** PKCS#11 2.40 CKM_AES_KEY_WRAP_PAD; SoftHSM2 implements RFC 5649 under it. */
    public static final long MECH_AES_KEY_WRAP_PAD = 0x210AL;

    // PKCS#11 error codes that mean the token or session is gone (INV-K6: re-initialise, re-prove).
    private static final long CKR_DEVICE_ERROR = 0x30L;
    private static final long CKR_DEVICE_REMOVED = 0x32L;
    private static final long CKR_SESSION_CLOSED = 0xB0L;
    private static final long CKR_SESSION_HANDLE_INVALID = 0xB3L;
    private static final long CKR_TOKEN_NOT_PRESENT = 0xE0L;
    private static final long CKR_USER_ALREADY_LOGGED_IN = 0x100L;
    private static final long CKR_PIN_INCORRECT = 0xA0L;
    private static final long CKR_PIN_LOCKED = 0xA4L;
    private static final long CKR_CRYPTOKI_NOT_INITIALIZED = 0x190L;
    private static final long CKR_OBJECT_HANDLE_INVALID = 0x82L;
    private static final long CKR_KEY_HANDLE_INVALID = 0x60L;
    private static final long CKR_ATTRIBUTE_VALUE_INVALID = 0x13L;
    private static final long CKR_SESSION_READ_ONLY_EXISTS = 0xB7L;
    private static final long CKR_USER_ANOTHER_ALREADY_LOGGED_IN = 0x104L;
    private static final long CKR_USER_NOT_LOGGED_IN = 0x101L;
    private static final long CKR_KEY_NOT_WRAPPABLE = 0x69L;

    private static final byte[] P256_OID = HexFormat.of().parseHex("06082a8648ce3d030107");
    private static final byte[] P384_OID = HexFormat.of().parseHex("06052b81040022");
    /** RFC 8410 id-Ed25519 (1.3.101.112), the CKA_EC_PARAMS of an Ed25519 key (PKCS#11 3.0 §2.3.5). */
    private static final byte[] ED25519_OID = HexFormat.of().parseHex("06032b6570");
    // PKCS#11 3.0 EdDSA constants (named here: the JDK wrapper's constant table may predate them).
    static final long KEY_TYPE_EC_EDWARDS = 0x40L;
    static final long MECH_EC_EDWARDS_KEY_PAIR_GEN = 0x1055L;
    static final long MECH_EDDSA = 0x1057L;
    /** {@link #signingDigest} marker for an EdDSA key: the token signs the whole message. */
    private static final String EDDSA = "EdDSA";

    private static final Duration SESSION_WAIT = Duration.ofSeconds(60);

    private final HsmSpec spec;
    private final PKCS11 p11;
    /** The sessions of the library generation they were opened in; replaced by {@link #reopen()}. */
    private volatile Pool pool;
    /** Serialises {@link #reopen()} and re-attaching after another HSM re-initialised the library. */
    private final Object reopening = new Object();

    private final SecureRandom random = new SecureRandom();
    /**
     * Per private-key handle: the digest for CKM_ECDSA, {@value #EDDSA} for CKM_EDDSA, or "" for RSA (saves two
     * attribute reads per signature).
     */
    private final ConcurrentHashMap<Long, String> signingDigest = new ConcurrentHashMap<>();
    /**
     * After a KEK ceremony logged the user out (PKCS#11: every handle to a private object is then
     * invalid), the private-key handle of each key by its CKA_ID, found again on first use.
     */
    private final ConcurrentHashMap<String, Long> relocated = new ConcurrentHashMap<>();
    /** Private-key handles handed out (list, generate, unwrap) since the last KEK ceremony: valid as they are. */
    private final Set<Long> issuedSinceLogin = ConcurrentHashMap.newKeySet();

    private volatile boolean reloggedIn;
    /**
     * Set when the sessions were opened again (the library re-initialised): every handle from
     * before is void and a new one may carry the same number, so every key is resolved by CKA_ID.
     */
    private volatile boolean byIdOnly;

    private volatile boolean closed;

    /** Sessions opened on {@code slot} while the library was at {@code generation}. */
    private record Pool(long slot, long generation, BlockingQueue<Long> free, List<Long> all) {
        Pool(long slot, long generation, List<Long> sessions) {
            this(slot, generation, new ArrayBlockingQueue<>(sessions.size(), false, sessions), List.copyOf(sessions));
        }
    }

    private Pkcs11Hsm(HsmSpec spec, PKCS11 p11, Pool pool) {
        this.spec = spec;
        this.p11 = p11;
        this.pool = pool;
    }

    /**
     * Loads the library, finds the token by label, opens the sessions and logs in with the PIN
     * from the PIN file. Changes nothing on the token.
     *
     * @throws HsmUnavailableException library missing, token missing, PIN file missing or
     *     unreadable, wrong PIN, locked PIN
     */
    public static Pkcs11Hsm open(HsmSpec spec) throws HsmException {
        PKCS11 p11 = Pkcs11Library.load(spec.name(), spec.library());
        return new Pkcs11Hsm(spec, p11, openPool(spec, p11));
    }

    /** Finds the token by label, opens the sessions and logs in, under the library's read lock. */
    private static Pool openPool(HsmSpec spec, PKCS11 p11) throws HsmException {
        var lock = Pkcs11Library.lock(spec.library()).readLock();
        lock.lock();
        try {
            long generation = Pkcs11Library.generation(spec.library());
            long slot = Pkcs11Library.slotOf(spec.name(), p11, spec.library(), spec.tokenLabel());
            return new Pool(slot, generation, openSessions(spec, p11, slot));
        } finally {
            lock.unlock();
        }
    }

    private static List<Long> openSessions(HsmSpec spec, PKCS11 p11, long slot) throws HsmException {
        HsmId id = spec.name();
        char[] pin = PinFile.read(id, spec.pinFile());
        List<Long> opened = new ArrayList<>();
        try {
            for (int i = 0; i < spec.sessions(); i++) {
                opened.add(p11.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, null, null));
            }
            try {
                p11.C_Login(opened.get(0), CKU_USER, pin);
            } catch (PKCS11Exception e) {
                if (e.getErrorCode() == CKR_PIN_INCORRECT) {
                    throw new HsmUnavailableException(
                            id,
                            "wrong PIN for token '" + spec.tokenLabel() + "' (PIN file " + spec.pinFile()
                                    + "); nothing was changed. Repeated wrong PINs lock the token.");
                }
                if (e.getErrorCode() == CKR_PIN_LOCKED) {
                    throw new HsmUnavailableException(
                            id,
                            "the user PIN of token '" + spec.tokenLabel()
                                    + "' is locked; the security officer must reset it");
                }
                if (e.getErrorCode() != CKR_USER_ALREADY_LOGGED_IN) {
                    throw e;
                }
            }
            LOG.debug("hsm={} token={} slot={} sessions={}", id, spec.tokenLabel(), slot, opened.size());
            return opened;
        } catch (PKCS11Exception e) {
            closeQuietly(p11, opened);
            throw new HsmUnavailableException(
                    id, "cannot open token '" + spec.tokenLabel() + "': " + e.getMessage(), e);
        } catch (HsmException e) {
            closeQuietly(p11, opened);
            throw e;
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    @Override
    public HsmId id() {
        return spec.name();
    }

    public HsmSpec spec() {
        return spec;
    }

    @Override
    public List<HsmKey> list(ZoneName zone) throws HsmException {
        String prefix = LABEL_PREFIX + zone + ":";
        return withSession("list keys of " + zone, s -> {
            List<HsmKey> keys = new ArrayList<>();
            for (long h : find(s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY)})) {
                String label = label(s, h);
                if (label.startsWith(prefix)) {
                    parseKey(s, h, label, zone).ifPresent(keys::add);
                }
            }
            return keys;
        });
    }

    private Optional<HsmKey> parseKey(long s, long h, String label, ZoneName zone) throws PKCS11Exception {
        String[] parts = label.substring(LABEL_PREFIX.length() + zone.toString().length() + 1)
                .split(":");
        KeyRole role;
        Algorithm alg;
        KeyTag tag;
        try {
            role = KeyRole.valueOf(parts[0]);
            alg = Algorithm.of(Integer.parseInt(parts[1]));
            tag = new KeyTag(Integer.parseInt(parts[2]));
        } catch (RuntimeException e) {
            LOG.warn("hsm={} zone={} ignoring object with unparseable label '{}'", id(), zone, label);
            return Optional.empty();
        }
        byte[] ckaId = bytesAttr(s, h, CKA_ID);
        KeyRef ref = new KeyRef(id(), h, ckaId);
        issuedSinceLogin.add(h);
        long[] pubs = find(
                s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY), new CK_ATTRIBUTE(CKA_ID, ckaId)});
        if (pubs.length != 1) {
            String problem = pubs.length == 0
                    ? "no public-key object with the same CKA_ID"
                    : pubs.length + " public-key objects share its CKA_ID";
            return Optional.of(new HsmKey(ref, label, zone, role, alg, tag, Optional.empty(), Optional.of(problem)));
        }
        try {
            DnssecKey pub = DnssecKey.of(zone, role, alg, readPublicKey(s, pubs[0], alg));
            return Optional.of(new HsmKey(ref, label, zone, role, alg, tag, Optional.of(pub), Optional.empty()));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            String problem = "public-key object unreadable: " + e.getMessage();
            return Optional.of(new HsmKey(ref, label, zone, role, alg, tag, Optional.empty(), Optional.of(problem)));
        }
    }

    private byte[] readPublicKey(long s, long pub, Algorithm alg) throws PKCS11Exception, GeneralSecurityException {
        if (alg.isEddsa()) {
            byte[] point = unwrapOctetString(bytesAttr(s, pub, CKA_EC_POINT));
            if (point.length != 32) {
                throw new GeneralSecurityException("Ed25519 public key is " + point.length + " bytes, not 32");
            }
            return point; // RFC 8080 §3: the 32-byte public key as it is
        }
        if (alg.isEcdsa()) {
            byte[] point = unwrapOctetString(bytesAttr(s, pub, CKA_EC_POINT));
            int coordinate = alg.bits() / 8;
            if (point.length != 1 + 2 * coordinate || point[0] != 0x04) {
                throw new GeneralSecurityException("EC point is not an uncompressed " + alg.bits() + "-bit point");
            }
            return Arrays.copyOfRange(point, 1, point.length); // RFC 6605 §4: X | Y
        }
        CK_ATTRIBUTE[] t = {new CK_ATTRIBUTE(CKA_MODULUS), new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT)};
        p11.C_GetAttributeValue(s, pub, t);
        PublicKey key = KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(
                        new BigInteger(1, t[0].getByteArray()), new BigInteger(1, t[1].getByteArray())));
        return DnssecKey.of(ZoneName.of("."), KeyRole.ZSK, alg, key).publicKey();
    }

    @Override
    public HsmKey generate(KeySpec spec) throws HsmException {
        String what =
                "generate " + spec.role() + " (algorithm " + spec.algorithm().number() + ") for " + spec.zone();
        return withObjectWrites(what, s -> {
            byte[] tempId = new byte[16];
            random.nextBytes(tempId);
            char[] pending = (PENDING_PREFIX + spec.zone()).toCharArray();
            long[] pair;
            Algorithm alg = spec.algorithm();
            if (alg.isEcdsa()) {
                CK_ATTRIBUTE[] pub = {
                    new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, false),
                    new CK_ATTRIBUTE(CKA_VERIFY, true),
                            new CK_ATTRIBUTE(CKA_EC_PARAMS, alg.bits() == 256 ? P256_OID : P384_OID),
                    new CK_ATTRIBUTE(CKA_LABEL, pending), new CK_ATTRIBUTE(CKA_ID, tempId)
                };
                pair = p11.C_GenerateKeyPair(
                        s, new CK_MECHANISM(CKM_EC_KEY_PAIR_GEN), pub, privateTemplate(pending, tempId));
            } else if (alg.isEddsa()) {
                CK_ATTRIBUTE[] pub = {
                    new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, false),
                    new CK_ATTRIBUTE(CKA_VERIFY, true), new CK_ATTRIBUTE(CKA_EC_PARAMS, ED25519_OID),
                    new CK_ATTRIBUTE(CKA_LABEL, pending), new CK_ATTRIBUTE(CKA_ID, tempId)
                };
                pair = p11.C_GenerateKeyPair(
                        s, new CK_MECHANISM(MECH_EC_EDWARDS_KEY_PAIR_GEN), pub, privateTemplate(pending, tempId));
            } else {
                CK_ATTRIBUTE[] pub = {
                    new CK_ATTRIBUTE(CKA_TOKEN, true),
                    new CK_ATTRIBUTE(CKA_PRIVATE, false),
                    new CK_ATTRIBUTE(CKA_VERIFY, true),
                    new CK_ATTRIBUTE(CKA_MODULUS_BITS, (long) alg.bits()),
                    new CK_ATTRIBUTE(
                            CKA_PUBLIC_EXPONENT, BigInteger.valueOf(65537).toByteArray()),
                    new CK_ATTRIBUTE(CKA_LABEL, pending),
                    new CK_ATTRIBUTE(CKA_ID, tempId)
                };
                pair = p11.C_GenerateKeyPair(
                        s, new CK_MECHANISM(CKM_RSA_PKCS_KEY_PAIR_GEN), pub, privateTemplate(pending, tempId));
            }
            DnssecKey key;
            try {
                key = DnssecKey.of(spec.zone(), spec.role(), alg, readPublicKey(s, pair[0], alg));
            } catch (GeneralSecurityException e) {
                destroyQuietly(s, pair);
                throw new PKCS11Exception(CKR_DEVICE_ERROR, ": generated public key unreadable: " + e.getMessage());
            }
            CK_ATTRIBUTE[] identity = {
                new CK_ATTRIBUTE(CKA_LABEL, labelOf(key).toCharArray()),
                new CK_ATTRIBUTE(CKA_ID, key.fingerprint().bytes())
            };
            p11.C_SetAttributeValue(s, pair[0], identity);
            p11.C_SetAttributeValue(s, pair[1], identity);
            issuedSinceLogin.add(pair[1]);
            return new HsmKey(
                    new KeyRef(id(), pair[1], key.fingerprint().bytes()),
                    labelOf(key),
                    spec.zone(),
                    spec.role(),
                    alg,
                    key.keyTag(),
                    Optional.of(key),
                    Optional.empty());
        });
    }

    /** The label every HSM gives this key. */
    static String labelOf(DnssecKey key) {
        return LABEL_PREFIX + key.zone() + ":" + key.role() + ":"
                + key.algorithm().number() + ":" + key.keyTag().value();
    }

    private static CK_ATTRIBUTE[] privateTemplate(char[] label, byte[] id) {
        // Sensitive: the value never leaves in plaintext. Extractable, but only under a trusted
        // key (CKA_WRAP_WITH_TRUSTED; the cluster KEK is the only one): so that it can be wrapped
        // for the other HSMs (generate once, replicate) and under nothing the user PIN can make.
        return new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_TOKEN, true),
            new CK_ATTRIBUTE(CKA_PRIVATE, true),
            new CK_ATTRIBUTE(CKA_SENSITIVE, true),
            new CK_ATTRIBUTE(CKA_EXTRACTABLE, true),
            new CK_ATTRIBUTE(CKA_WRAP_WITH_TRUSTED, true),
            new CK_ATTRIBUTE(CKA_DERIVE, false),
            new CK_ATTRIBUTE(CKA_DECRYPT, false),
            new CK_ATTRIBUTE(CKA_SIGN, true),
            new CK_ATTRIBUTE(CKA_LABEL, label),
            new CK_ATTRIBUTE(CKA_ID, id)
        };
    }

    @Override
    public byte[] sign(KeyRef key, byte[] data) throws HsmException {
        checkOwn(key);
        return withSession(
                "sign with key " + key,
                s -> withKey(s, key, handle -> {
                    String digestName = signingDigest.get(handle);
                    if (digestName == null) {
                        CK_ATTRIBUTE[] t = {new CK_ATTRIBUTE(CKA_KEY_TYPE)};
                        p11.C_GetAttributeValue(s, handle, t);
                        long type = t[0].getLong();
                        digestName = type == CKK_EC ? ecDigest(s, handle) : type == KEY_TYPE_EC_EDWARDS ? EDDSA : "";
                        signingDigest.put(handle, digestName);
                    }
                    if (digestName.equals(EDDSA)) {
                        p11.C_SignInit(s, new CK_MECHANISM(MECH_EDDSA), handle); // RFC 8080 §4: pure Ed25519
                        return p11.C_Sign(s, data);
                    }
                    if (!digestName.isEmpty()) {
                        byte[] digest = digest(data, digestName);
                        p11.C_SignInit(s, new CK_MECHANISM(CKM_ECDSA), handle);
                        return p11.C_Sign(s, digest);
                    }
                    p11.C_SignInit(s, new CK_MECHANISM(CKM_SHA256_RSA_PKCS), handle);
                    return p11.C_Sign(s, data);
                }));
    }

    private String ecDigest(long s, long handle) throws PKCS11Exception {
        byte[] params = bytesAttr(s, handle, CKA_EC_PARAMS);
        return Arrays.equals(params, P384_OID) ? "SHA-384" : "SHA-256";
    }

    private static byte[] digest(byte[] data, String alg) {
        try {
            return MessageDigest.getInstance(alg).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(alg + " missing from the JDK", e);
        }
    }

    @Override
    public WrappedKey wrap(HsmKey key) throws HsmException {
        checkOwn(key.ref());
        DnssecKey pub = key.publicKey()
                .orElseThrow(() -> new HsmException(
                        id(),
                        "cannot wrap " + key.describe() + ": " + key.problem().orElse("no public key")));
        return withSession("wrap " + pub.describe(), s -> {
            long kek = kekHandle(s).orElseThrow(() -> noKek());
            byte[] blob;
            try {
                blob = withKey(s, key.ref(), h -> p11.C_WrapKey(s, new CK_MECHANISM(MECH_AES_KEY_WRAP_PAD), kek, h));
            } catch (PKCS11Exception e) {
                if (e.getErrorCode() == CKR_KEY_NOT_WRAPPABLE && pub.algorithm().isEddsa()) {
                    throw new PKCS11Exception(
                            CKR_KEY_NOT_WRAPPABLE,
                            ": this token cannot wrap Edwards-curve (Ed25519) private keys "
                                    + "(SoftHSM2 up to 2.6.1 cannot), so the key cannot reach the other HSMs and "
                                    + "is never published; use algorithm 13 or 14 with this HSM");
                }
                throw e;
            }
            return new WrappedKey(pub, MECH_AES_KEY_WRAP_PAD, blob, checkValue(s, kek));
        });
    }

    @Override
    public HsmKey unwrap(WrappedKey wrapped) throws HsmException {
        DnssecKey key = wrapped.key();
        if (wrapped.mechanism() != MECH_AES_KEY_WRAP_PAD) {
            throw new HsmException(
                    id(),
                    "cannot unwrap " + key.describe() + ": wrapped with mechanism 0x"
                            + Long.toHexString(wrapped.mechanism()) + "; the cluster KEK unwraps only with 0x"
                            + Long.toHexString(MECH_AES_KEY_WRAP_PAD) + " (RFC 5649 AES key wrap with padding)");
        }
        return withObjectWrites("unwrap " + key.describe(), s -> {
            long kek = kekHandle(s).orElseThrow(() -> noKek());
            byte[] kcv = checkValue(s, kek);
            if (!Arrays.equals(kcv, wrapped.kekCheckValue())) {
                throw new PKCS11Exception(
                        CKR_DEVICE_ERROR,
                        ": KEK differs: this HSM's check value is "
                                + HexFormat.of().formatHex(kcv) + ", the key was wrapped under "
                                + HexFormat.of().formatHex(wrapped.kekCheckValue())
                                + " (enrol this HSM with the cluster KEK: signerctl kek enrol)");
            }
            byte[] ckaId = key.fingerprint().bytes();
            if (find(s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_ID, ckaId)}).length > 0) {
                throw new PKCS11Exception(
                        CKR_DEVICE_ERROR,
                        ": an object with CKA_ID " + key.fingerprint().hex()
                                + " already exists; refusing to add a second one");
            }
            char[] label = labelOf(key).toCharArray();
            // Exactly the KEK's unwrap template (NativeTemplate.UNWRAPPED), plus class, type, storage and identity:
            // the template a generated key gets, with the class and type that generation implies.
            CK_ATTRIBUTE[] generated = privateTemplate(label, ckaId);
            CK_ATTRIBUTE[] priv = new CK_ATTRIBUTE[generated.length + 2];
            priv[0] = new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY);
            priv[1] = new CK_ATTRIBUTE(CKA_KEY_TYPE, keyType(key.algorithm()));
            System.arraycopy(generated, 0, priv, 2, generated.length);
            long privHandle = p11.C_UnwrapKey(s, new CK_MECHANISM(MECH_AES_KEY_WRAP_PAD), kek, wrapped.blob(), priv);
            try {
                p11.C_CreateObject(s, publicTemplate(key, label, ckaId));
            } catch (PKCS11Exception e) {
                destroyQuietly(s, new long[] {privHandle});
                throw e;
            }
            issuedSinceLogin.add(privHandle);
            return new HsmKey(
                    new KeyRef(id(), privHandle, ckaId),
                    labelOf(key),
                    key.zone(),
                    key.role(),
                    key.algorithm(),
                    key.keyTag(),
                    Optional.of(key),
                    Optional.empty());
        });
    }

    private static long keyType(Algorithm alg) {
        return alg.isEddsa() ? KEY_TYPE_EC_EDWARDS : alg.isEcdsa() ? CKK_EC : CKK_RSA;
    }

    private static CK_ATTRIBUTE[] publicTemplate(DnssecKey key, char[] label, byte[] ckaId) {
        List<CK_ATTRIBUTE> t = new ArrayList<>(List.of(
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY), new CK_ATTRIBUTE(CKA_TOKEN, true),
                new CK_ATTRIBUTE(CKA_PRIVATE, false), new CK_ATTRIBUTE(CKA_VERIFY, true),
                new CK_ATTRIBUTE(CKA_LABEL, label), new CK_ATTRIBUTE(CKA_ID, ckaId)));
        if (key.algorithm().isEddsa()) {
            t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, KEY_TYPE_EC_EDWARDS));
            t.add(new CK_ATTRIBUTE(CKA_EC_PARAMS, ED25519_OID));
            t.add(new CK_ATTRIBUTE(CKA_EC_POINT, octetString(key.publicKey())));
        } else if (key.algorithm().isEcdsa()) {
            byte[] xy = key.publicKey();
            byte[] point = new byte[xy.length + 1];
            point[0] = 0x04;
            System.arraycopy(xy, 0, point, 1, xy.length);
            t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_EC));
            t.add(new CK_ATTRIBUTE(CKA_EC_PARAMS, key.algorithm().bits() == 256 ? P256_OID : P384_OID));
            t.add(new CK_ATTRIBUTE(CKA_EC_POINT, octetString(point)));
        } else {
            RSAPublicKey rsa = (RSAPublicKey) key.jcaPublicKey();
            t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_RSA));
            t.add(new CK_ATTRIBUTE(CKA_MODULUS, unsigned(rsa.getModulus())));
            t.add(new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT, unsigned(rsa.getPublicExponent())));
        }
        return t.toArray(CK_ATTRIBUTE[]::new);
    }

    @Override
    public void delete(KeyRef key) throws HsmException {
        checkOwn(key);
        withObjectWrites("delete key " + key, s -> {
            long handle = handleOf(s, key);
            String label = label(s, handle);
            for (long pub : find(s, new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY),
                new CK_ATTRIBUTE(CKA_ID, key.objectId()),
                new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())
            })) {
                p11.C_DestroyObject(s, pub);
            }
            p11.C_DestroyObject(s, handle);
            signingDigest.remove(handle);
            relocated.remove(HexFormat.of().formatHex(key.objectId()));
            return null;
        });
    }

    @Override
    public Optional<byte[]> kekCheckValue() throws HsmException {
        return withSession("read the KEK", s -> {
            Optional<Long> kek = kekHandle(s);
            return kek.isPresent() ? Optional.of(checkValue(s, kek.get())) : Optional.<byte[]>empty();
        });
    }

    /**
     * Generates the KEK inside: the SO makes it (trusted) as a session object, the user copies it
     * into the private, non-modifiable token object that stays. Needs {@code so-pin-file}.
     */
    @Override
    public byte[] generateKek() throws HsmException {
        Pins pins = ceremonyPins("kek init");
        try {
            return withAllSessions("generate the cluster KEK", s -> {
                refuseSecondKek(s);
                long made = asSecurityOfficer(
                        s, pins, () -> p11.C_GenerateKey(s, new CK_MECHANISM(CKM_AES_KEY_GEN), kekTemplate(true)));
                return checkValue(s, keepKek(s, made));
            });
        } finally {
            pins.clear();
        }
    }

    private void refuseSecondKek(long s) throws PKCS11Exception {
        Optional<Long> existing = kekHandle(s);
        if (existing.isPresent()) {
            throw new PKCS11Exception(
                    CKR_DEVICE_ERROR,
                    ": already holds a cluster KEK (check value "
                            + HexFormat.of().formatHex(checkValue(s, existing.get()))
                            + "); a token holds one KEK only");
        }
    }

    /**
     * The KEK as the SO makes it (a public session object, so that SoftHSM2's SO may create it
     * trusted): sensitive; extractable only under a trusted key (a transport key the SO marked);
     * wraps and unwraps with RFC 5649 only, never encrypts or decrypts; what it unwraps must be
     * sensitive and wrap-with-trusted. {@link #keepKek} makes the private, non-modifiable token copy.
     */
    private static CK_ATTRIBUTE[] kekTemplate(boolean generate) {
        List<CK_ATTRIBUTE> t = new ArrayList<>(List.of(
                new CK_ATTRIBUTE(CKA_TOKEN, false),
                new CK_ATTRIBUTE(CKA_PRIVATE, false),
                new CK_ATTRIBUTE(CKA_SENSITIVE, true),
                new CK_ATTRIBUTE(CKA_EXTRACTABLE, true),
                new CK_ATTRIBUTE(CKA_WRAP_WITH_TRUSTED, true),
                new CK_ATTRIBUTE(CKA_TRUSTED, true),
                new CK_ATTRIBUTE(CKA_WRAP, true),
                new CK_ATTRIBUTE(CKA_UNWRAP, true),
                new CK_ATTRIBUTE(CKA_ENCRYPT, false),
                new CK_ATTRIBUTE(CKA_DECRYPT, false),
                new CK_ATTRIBUTE(CKA_SIGN, false),
                new CK_ATTRIBUTE(CKA_VERIFY, false),
                new CK_ATTRIBUTE(CKA_DERIVE, false),
                new CK_ATTRIBUTE(CKA_ALLOWED_MECHANISMS, NativeTemplate.mechanisms(MECH_AES_KEY_WRAP_PAD)),
                new CK_ATTRIBUTE(CKA_UNWRAP_TEMPLATE, NativeTemplate.UNWRAPPED),
                new CK_ATTRIBUTE(CKA_LABEL, KEK_LABEL.toCharArray()),
                new CK_ATTRIBUTE(CKA_ID, KEK_ID)));
        if (generate) {
            t.add(new CK_ATTRIBUTE(CKA_VALUE_LEN, 32L));
        } else {
            t.add(new CK_ATTRIBUTE(CKA_CLASS, CKO_SECRET_KEY));
            t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_AES));
        }
        return t.toArray(CK_ATTRIBUTE[]::new);
    }

    /** Copies the SO's session KEK into the private, non-modifiable token object; destroys the session one. */
    private long keepKek(long s, long made) throws PKCS11Exception {
        try {
            return p11.C_CopyObject(s, made, new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(CKA_TOKEN, true),
                new CK_ATTRIBUTE(CKA_PRIVATE, true),
                new CK_ATTRIBUTE(CKA_MODIFIABLE, false)
            });
        } finally {
            destroyQuietly(s, new long[] {made});
        }
    }

    /**
     * A fresh RSA-3072 key-transport key pair. Both halves are public session objects (the SO
     * unwraps the KEK with the private half in {@link #importKek}, and a logout destroys private
     * session objects); the private half is sensitive, never extractable, unwraps with RSA-OAEP only.
     * Needs {@code so-pin-file} (checked here, so that the ceremony fails before it starts).
     */
    @Override
    public TransportKey newTransportKey() throws HsmException {
        ceremonyPins("kek enrol").clear();
        return withObjectWrites("generate a key-transport key", s -> {
            refuseSecondKek(s);
            CK_ATTRIBUTE[] pub = {
                new CK_ATTRIBUTE(CKA_TOKEN, false),
                new CK_ATTRIBUTE(CKA_PRIVATE, false),
                new CK_ATTRIBUTE(CKA_WRAP, true),
                new CK_ATTRIBUTE(CKA_ENCRYPT, false),
                new CK_ATTRIBUTE(CKA_MODULUS_BITS, 3072L),
                new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT, BigInteger.valueOf(65537).toByteArray())
            };
            CK_ATTRIBUTE[] priv = {
                new CK_ATTRIBUTE(CKA_TOKEN, false),
                new CK_ATTRIBUTE(CKA_PRIVATE, false),
                new CK_ATTRIBUTE(CKA_SENSITIVE, true),
                new CK_ATTRIBUTE(CKA_EXTRACTABLE, false),
                new CK_ATTRIBUTE(CKA_UNWRAP, true),
                new CK_ATTRIBUTE(CKA_DECRYPT, false),
                new CK_ATTRIBUTE(CKA_SIGN, false),
                new CK_ATTRIBUTE(CKA_ALLOWED_MECHANISMS, NativeTemplate.mechanisms(CKM_RSA_PKCS_OAEP))
            };
            long[] pair = p11.C_GenerateKeyPair(s, new CK_MECHANISM(CKM_RSA_PKCS_KEY_PAIR_GEN), pub, priv);
            CK_ATTRIBUTE[] t = {new CK_ATTRIBUTE(CKA_MODULUS), new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT)};
            p11.C_GetAttributeValue(s, pair[0], t);
            p11.C_DestroyObject(s, pair[0]);
            return new TransportKey(
                    id(), pair[1], new BigInteger(1, t[0].getByteArray()), new BigInteger(1, t[1].getByteArray()));
        });
    }

    /**
     * Wraps the KEK under the other HSM's transport key, which the SO first imports here as a
     * trusted public key (the KEK is wrap-with-trusted: nothing else can wrap it). Needs {@code
     * so-pin-file}: the user PIN alone cannot take the KEK out.
     */
    @Override
    public byte[] exportKek(TransportKey transportKey) throws HsmException {
        Pins pins = ceremonyPins("kek enrol (export)");
        try {
            return withAllSessions("wrap the KEK for " + transportKey.hsm(), s -> {
                if (kekHandle(s).isEmpty()) {
                    throw noKek();
                }
                CK_ATTRIBUTE[] pub = {
                    new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY),
                    new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_RSA),
                    new CK_ATTRIBUTE(CKA_TOKEN, false),
                    new CK_ATTRIBUTE(CKA_PRIVATE, false),
                    new CK_ATTRIBUTE(CKA_TRUSTED, true),
                    new CK_ATTRIBUTE(CKA_WRAP, true),
                    new CK_ATTRIBUTE(CKA_ENCRYPT, false),
                    new CK_ATTRIBUTE(CKA_VERIFY, false),
                    new CK_ATTRIBUTE(CKA_MODULUS, unsigned(transportKey.modulus())),
                    new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT, unsigned(transportKey.publicExponent()))
                };
                long handle = asSecurityOfficer(s, pins, () -> p11.C_CreateObject(s, pub));
                try {
                    long kek = kekHandle(s).orElseThrow(() -> noKek());
                    return p11.C_WrapKey(s, oaep(), handle, kek);
                } finally {
                    destroyQuietly(s, new long[] {handle});
                }
            });
        } finally {
            pins.clear();
        }
    }

    /**
     * The SO unwraps the KEK (trusted, as a session object) and sets the holder's check value on
     * it, which the HSM compares with the key itself; the user copies it into the token object.
     */
    @Override
    public byte[] importKek(TransportKey transportKey, byte[] wrappedKek, byte[] expectedCheckValue)
            throws HsmException {
        if (!transportKey.hsm().equals(id())) {
            throw new HsmException(id(), "transport key belongs to " + transportKey.hsm());
        }
        if (!transportKey.hasPrivateHalf()) {
            throw new HsmException(
                    id(),
                    "the transport key has no private half here; unwrap the KEK with the key"
                            + " newTransportKey() returned");
        }
        Pins pins = ceremonyPins("kek enrol");
        try {
            return withAllSessions("unwrap the cluster KEK", s -> {
                long made;
                try {
                    refuseSecondKek(s);
                    made = asSecurityOfficer(s, pins, () -> {
                        long k = p11.C_UnwrapKey(s, oaep(), transportKey.handle(), wrappedKek, kekTemplate(false));
                        try {
                            p11.C_SetAttributeValue(
                                    s, k, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_CHECK_VALUE, expectedCheckValue)});
                        } catch (PKCS11Exception e) {
                            destroyQuietly(s, new long[] {k});
                            if (e.getErrorCode() == CKR_ATTRIBUTE_VALUE_INVALID) {
                                throw new PKCS11Exception(
                                        CKR_DEVICE_ERROR,
                                        ": KEK differs: the KEK unwrapped does not have"
                                                + " the holder's check value "
                                                + HexFormat.of().formatHex(expectedCheckValue)
                                                + "; nothing was kept");
                            }
                            throw e;
                        }
                        return k;
                    });
                } finally {
                    destroyQuietly(s, new long[] {transportKey.handle()});
                }
                return checkValue(s, keepKek(s, made));
            });
        } finally {
            pins.clear();
        }
    }

    @Override
    public void destroyTransportKey(TransportKey transportKey) throws HsmException {
        if (!transportKey.hsm().equals(id())) {
            throw new HsmException(id(), "transport key belongs to " + transportKey.hsm());
        }
        if (!transportKey.hasPrivateHalf()) {
            return;
        }
        withObjectWrites("destroy a key-transport key", s -> {
            CK_ATTRIBUTE[] t = {new CK_ATTRIBUTE(CKA_CLASS), new CK_ATTRIBUTE(CKA_TOKEN), new CK_ATTRIBUTE(CKA_MODULUS)
            };
            try {
                p11.C_GetAttributeValue(s, transportKey.handle(), t);
            } catch (PKCS11Exception e) {
                if (e.getErrorCode() == CKR_OBJECT_HANDLE_INVALID) {
                    return null; // gone already (unwrapped, or the session ended)
                }
                throw e;
            }
            // The handle may have been reused for another object since: destroy only this very key.
            boolean same = t[0].getLong() == CKO_PRIVATE_KEY
                    && !bool(t[1])
                    && new BigInteger(1, t[2].getByteArray()).equals(transportKey.modulus());
            if (same) {
                p11.C_DestroyObject(s, transportKey.handle());
            } else {
                LOG.warn("hsm={} handle={} is no longer the transport key; left alone", id(), transportKey.handle());
            }
            return null;
        });
    }

    @Override
    public void destroyKek(byte[] checkValue) throws HsmException {
        withObjectWrites("destroy the cluster KEK", s -> {
            long kek = kekHandle(s).orElseThrow(() -> noKek());
            byte[] actual = checkValue(s, kek);
            if (!Arrays.equals(actual, checkValue)) {
                throw new PKCS11Exception(
                        CKR_DEVICE_ERROR,
                        ": holds the KEK with check value "
                                + HexFormat.of().formatHex(actual) + ", not "
                                + HexFormat.of().formatHex(checkValue)
                                + "; not destroyed");
            }
            p11.C_DestroyObject(s, kek);
            return null;
        });
    }

    /** RSA-OAEP with SHA-1/MGF1-SHA-1: the only parameters SoftHSM 2.6 accepts for OAEP wrapping. */
    private static CK_MECHANISM oaep() {
        CK_MECHANISM m = new CK_MECHANISM(CKM_RSA_PKCS_OAEP);
        CK_RSA_PKCS_OAEP_PARAMS p = new CK_RSA_PKCS_OAEP_PARAMS();
        p.hashAlg = CKM_SHA_1;
        p.mgf = CKG_MGF1_SHA1;
        p.source = CKZ_DATA_SPECIFIED;
        p.pSourceData = null;
        m.pParameter = p;
        return m;
    }

    private Optional<Long> kekHandle(long s) throws PKCS11Exception {
        long[] found = find(s, new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_SECRET_KEY), new CK_ATTRIBUTE(CKA_LABEL, KEK_LABEL.toCharArray())
        });
        if (found.length > 1) {
            throw new PKCS11Exception(
                    CKR_DEVICE_ERROR,
                    found.length + " secret keys are labelled " + KEK_LABEL
                            + "; remove the extra ones by hand (pkcs11-tool --delete-object) after checking their "
                            + "check values");
        }
        return found.length == 0 ? Optional.empty() : Optional.of(found[0]);
    }

    /**
     * The KEK's check value (first 3 bytes of AES-ECB(KEK, 16 zero bytes)) as the HSM stored it in
     * {@code CKA_CHECK_VALUE} when the KEK was made or enrolled; never computed here (the KEK
     * cannot encrypt).
     */
    private byte[] checkValue(long s, long kek) throws PKCS11Exception {
        byte[] kcv = bytesAttr(s, kek, CKA_CHECK_VALUE);
        if (kcv.length != 3) {
            throw new PKCS11Exception(
                    CKR_DEVICE_ERROR,
                    ": the cluster KEK carries no check value (CKA_CHECK_VALUE has "
                            + kcv.length
                            + " bytes): it was made before the key attribute policy; make a new cluster KEK"
                            + " (docs/security/hsm.md)");
        }
        return kcv;
    }

    /** The user and SO PINs a KEK ceremony needs (the user logs in again after the SO). */
    private record Pins(char[] user, char[] so) {
        void clear() {
            Arrays.fill(user, '\0');
            Arrays.fill(so, '\0');
        }
    }

    private Pins ceremonyPins(String ceremony) throws HsmException {
        if (spec.soPinFile().isEmpty()) {
            throw new HsmException(
                    id(),
                    ceremony + " needs the security officer of token '" + spec.tokenLabel()
                            + "' (the SO marks the KEK and the key-transport keys trusted; the user PIN alone cannot):"
                            + " set so-pin-file for HSM " + id()
                            + " in the HSM configuration (hsm.yaml); nothing was changed");
        }
        char[] so = PinFile.read(id(), spec.soPinFile().get());
        try {
            return new Pins(PinFile.read(id(), spec.pinFile()), so);
        } catch (HsmException e) {
            Arrays.fill(so, '\0');
            throw e;
        }
    }

    @FunctionalInterface
    private interface Step<T> {
        T run() throws PKCS11Exception;
    }

    /**
     * Runs {@code step} with the SO logged in, then logs the user in again. The caller holds every
     * session ({@link #withAllSessions}): login is per token and application, so nothing else of
     * this HSM runs meanwhile. PKCS#11 invalidates every handle to a private object at logout:
     * keys are found again by CKA_ID afterwards ({@link #handleOf}).
     */
    private <T> T asSecurityOfficer(long s, Pins pins, Step<T> step) throws PKCS11Exception {
        p11.C_Logout(s);
        reloggedIn = true;
        relocated.clear();
        issuedSinceLogin.clear();
        signingDigest.clear();
        try {
            try {
                p11.C_Login(s, CKU_SO, pins.so());
            } catch (PKCS11Exception e) {
                throw soLoginFailed(e);
            }
            try {
                return step.run();
            } finally {
                p11.C_Logout(s);
            }
        } finally {
            p11.C_Login(s, CKU_USER, pins.user());
        }
    }

    private PKCS11Exception soLoginFailed(PKCS11Exception e) {
        long code = e.getErrorCode();
        String why = code == CKR_PIN_INCORRECT
                ? "wrong security officer PIN (so-pin-file " + spec.soPinFile().orElseThrow()
                        + "); repeated wrong SO PINs lock the token"
                : code == CKR_PIN_LOCKED
                        ? "the security officer PIN is locked"
                        : code == CKR_SESSION_READ_ONLY_EXISTS
                                ? "a read-only session to the token is open in this process (the SO"
                                        + " cannot log in then); close it and retry"
                                : code == CKR_USER_ANOTHER_ALREADY_LOGGED_IN
                                        ? "another process or session still has the user logged in"
                                        : "security officer login failed: " + e.getMessage();
        return new PKCS11Exception(code, why);
    }

    /**
     * {@link #withSession} for a call that creates, changes or destroys token objects: it runs alone among
     * the calls into the PKCS#11 library's tokens in this JVM ({@link Pkcs11Library#objects}).
     */
    private <T> T withObjectWrites(String what, SessionWork<T> work) throws HsmException {
        return holding(Pkcs11Library.objects(spec.library()).writeLock(), () -> withSession(what, work));
    }

    @FunctionalInterface
    private interface HsmCall<T> {
        T call() throws HsmException;
    }

    /** Runs {@code call} on this open HSM while holding {@code lock} (one of {@link Pkcs11Library#objects}). */
    private <T> T holding(Lock lock, HsmCall<T> call) throws HsmException {
        if (closed) {
            throw new IllegalStateException("HSM " + id() + " is closed");
        }
        lock.lock();
        try {
            return call.call();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code work} while holding every session of this HSM (a KEK ceremony, which writes token
     * objects: it holds {@link Pkcs11Library#objects} for writing).
     */
    private <T> T withAllSessions(String what, SessionWork<T> work) throws HsmException {
        return holding(Pkcs11Library.objects(spec.library()).writeLock(), () -> withAllSessionsWriting(what, work));
    }

    private <T> T withAllSessionsWriting(String what, SessionWork<T> work) throws HsmException {
        Pool p = current();
        List<Long> held = new ArrayList<>();
        var lock = Pkcs11Library.lock(spec.library()).readLock();
        try {
            long deadline = System.nanoTime() + SESSION_WAIT.toNanos();
            while (held.size() < p.all().size()) {
                Long s = p.free().poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (s == null) {
                    throw new HsmException(
                            id(), what + ": sessions still busy after " + SESSION_WAIT.toSeconds() + " s");
                }
                held.add(s);
            }
            lock.lock();
            try {
                return work.run(held.get(0));
            } finally {
                lock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HsmException(id(), what + ": interrupted while waiting for the sessions", e);
        } catch (PKCS11Exception e) {
            throw translate(what, e);
        } finally {
            p.free().addAll(held);
        }
    }

    @FunctionalInterface
    private interface KeyWork<T> {
        T run(long privateKeyHandle) throws PKCS11Exception;
    }

    /**
     * Runs {@code work} on the key's private-key handle; when the token calls that handle invalid (its
     * objects were replaced under this process: a restored backup, another process re-creating them), finds
     * the key by its {@code CKA_ID} once more and runs {@code work} again on what it finds. A key that is
     * gone, or present twice, fails with the count and the CKA_ID.
     */
    private <T> T withKey(long s, KeyRef key, KeyWork<T> work) throws PKCS11Exception {
        long handle = handleOf(s, key);
        try {
            return work.run(handle);
        } catch (PKCS11Exception e) {
            if (e.getErrorCode() != CKR_OBJECT_HANDLE_INVALID && e.getErrorCode() != CKR_KEY_HANDLE_INVALID) {
                throw e;
            }
            signingDigest.remove(handle);
            long again = findByCkaId(s, key);
            LOG.warn(
                    "hsm={} token={} key={} event=key-handle-refound old={} new={} reason=\"{}\"",
                    id(),
                    spec.tokenLabel(),
                    key,
                    handle,
                    again,
                    e.getMessage());
            return work.run(again);
        }
    }

    /**
     * The key's private-key handle now: the one last found by its CKA_ID if it had to be found (after a KEK
     * ceremony logged the user out, the sessions were opened again, or the handle was refused); otherwise as
     * referenced. (SoftHSM2 never reuses a handle number; an HSM that does could make an old reference
     * collide with one handed out since.)
     */
    private long handleOf(long s, KeyRef key) throws PKCS11Exception {
        if (!relocated.isEmpty()) {
            Long known = relocated.get(HexFormat.of().formatHex(key.objectId()));
            if (known != null) {
                return known;
            }
        }
        if (!byIdOnly && (!reloggedIn || issuedSinceLogin.contains(key.handle()))) {
            return key.handle();
        }
        return findByCkaId(s, key);
    }

    /** Finds the key's private key by its CKA_ID and remembers the handle for {@link #handleOf}. */
    private long findByCkaId(long s, KeyRef key) throws PKCS11Exception {
        String ckaId = HexFormat.of().formatHex(key.objectId());
        long[] found = find(s, new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY), new CK_ATTRIBUTE(CKA_ID, key.objectId())
        });
        if (found.length != 1) {
            relocated.remove(ckaId);
            throw new PKCS11Exception(
                    CKR_KEY_HANDLE_INVALID,
                    ": " + found.length + " private keys have CKA_ID " + ckaId + " (key " + key
                            + "); list the keys again");
        }
        relocated.put(ckaId, found[0]);
        return found[0];
    }

    /**
     * Every DNSSEC private key (labelled {@code tandem:}) and the KEK checked against the key
     * attribute policy; keys made before it lack CKA_WRAP_WITH_TRUSTED and are named here.
     */
    @Override
    public List<KeyPolicyViolation> keyPolicyViolations() throws HsmException {
        return withSession("check the key attributes", s -> {
            List<KeyPolicyViolation> out = new ArrayList<>();
            for (long h : find(s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY)})) {
                String label = label(s, h);
                if (!label.startsWith(LABEL_PREFIX)) {
                    continue;
                }
                String what = describeLabel(label);
                CK_ATTRIBUTE[] t = {
                    new CK_ATTRIBUTE(CKA_SENSITIVE),
                    new CK_ATTRIBUTE(CKA_EXTRACTABLE),
                    new CK_ATTRIBUTE(CKA_WRAP_WITH_TRUSTED)
                };
                p11.C_GetAttributeValue(s, h, t);
                if (!bool(t[0])) {
                    out.add(new KeyPolicyViolation(
                            id(),
                            what,
                            "CKA_SENSITIVE",
                            "is false: its value can be read in"
                                    + " plaintext; roll the key (a new key is made compliant) and destroy this one"));
                }
                if (bool(t[1]) && !bool(t[2])) {
                    out.add(new KeyPolicyViolation(
                            id(),
                            what,
                            "CKA_WRAP_WITH_TRUSTED",
                            "is false while CKA_EXTRACTABLE is true: the user PIN can wrap it under a key of its own "
                                    + "and take it out; roll the key (a new key is made with CKA_WRAP_WITH_TRUSTED) "
                                    + "and destroy this one"));
                }
            }
            Optional<Long> kek = kekHandle(s);
            if (kek.isPresent()) {
                kekViolations(s, kek.get(), out);
            }
            return out;
        });
    }

    private void kekViolations(long s, long kek, List<KeyPolicyViolation> out) throws PKCS11Exception {
        String what = "the cluster KEK (" + KEK_LABEL + ")";
        String remake = "; the KEK was made before the key attribute policy: make a new cluster KEK with the SO"
                + " (signerctl kek init / kek enrol) and re-replicate the keys (docs/security/hsm.md)";
        CK_ATTRIBUTE[] t = {
            new CK_ATTRIBUTE(CKA_SENSITIVE),
            new CK_ATTRIBUTE(CKA_EXTRACTABLE),
            new CK_ATTRIBUTE(CKA_WRAP_WITH_TRUSTED),
            new CK_ATTRIBUTE(CKA_TRUSTED),
            new CK_ATTRIBUTE(CKA_ENCRYPT),
            new CK_ATTRIBUTE(CKA_DECRYPT),
            new CK_ATTRIBUTE(CKA_MODIFIABLE)
        };
        p11.C_GetAttributeValue(s, kek, t);
        if (!bool(t[0])) {
            out.add(new KeyPolicyViolation(id(), what, "CKA_SENSITIVE", "is false: its value can be read" + remake));
        }
        if (bool(t[1]) && !bool(t[2])) {
            out.add(new KeyPolicyViolation(
                    id(),
                    what,
                    "CKA_WRAP_WITH_TRUSTED",
                    "is false while CKA_EXTRACTABLE is true:" + " the user PIN can wrap it under a key of its own"
                            + remake));
        }
        if (!bool(t[3])) {
            out.add(new KeyPolicyViolation(
                    id(),
                    what,
                    "CKA_TRUSTED",
                    "is false: it cannot wrap keys that only a trusted" + " key may wrap" + remake));
        }
        if (bool(t[4])) {
            out.add(new KeyPolicyViolation(id(), what, "CKA_ENCRYPT", "is true: the KEK must only wrap" + remake));
        }
        if (bool(t[5])) {
            out.add(new KeyPolicyViolation(
                    id(),
                    what,
                    "CKA_DECRYPT",
                    "is true: C_Decrypt would open wrapped keys" + " outside the HSM" + remake));
        }
        if (bool(t[6])) {
            out.add(new KeyPolicyViolation(
                    id(),
                    what,
                    "CKA_MODIFIABLE",
                    "is true: the user PIN can give it CKA_ENCRYPT or" + " CKA_DECRYPT" + remake));
        }
        CK_ATTRIBUTE[] mechanisms = {new CK_ATTRIBUTE(CKA_ALLOWED_MECHANISMS)};
        p11.C_GetAttributeValue(s, kek, mechanisms);
        long[] allowed = NativeTemplate.readMechanisms(mechanisms[0].pValue);
        if (allowed.length != 1 || allowed[0] != MECH_AES_KEY_WRAP_PAD) {
            out.add(new KeyPolicyViolation(
                    id(),
                    what,
                    "CKA_ALLOWED_MECHANISMS",
                    "is "
                            + (allowed.length == 0
                                    ? "empty (any" + " mechanism)"
                                    : Arrays.toString(Arrays.stream(allowed)
                                            .mapToObj(m -> "0x" + Long.toHexString(m))
                                            .toArray()))
                            + ", not only 0x" + Long.toHexString(MECH_AES_KEY_WRAP_PAD) + " (RFC 5649 key wrap)"
                            + remake));
        }
        if (bytesAttr(s, kek, CKA_CHECK_VALUE).length != 3) {
            out.add(new KeyPolicyViolation(
                    id(),
                    what,
                    "CKA_CHECK_VALUE",
                    "is missing: its check value would have to be" + " computed with C_Encrypt" + remake));
        }
    }

    /** A CK_BBOOL attribute; the JDK returns the ones it does not know (CKA_WRAP_WITH_TRUSTED...) as bytes. */
    private static boolean bool(CK_ATTRIBUTE a) {
        if (a.pValue instanceof byte[] b) {
            return b.length == 1 && b[0] != 0;
        }
        return a.getBoolean();
    }

    /** "zone example.test. ZSK key tag 12345 (label tandem:...)" from a Tandem label. */
    private static String describeLabel(String label) {
        String[] parts = label.substring(LABEL_PREFIX.length()).split(":");
        if (parts.length < 4) {
            return "key labelled '" + label + "'";
        }
        String zone = String.join(":", Arrays.copyOfRange(parts, 0, parts.length - 3));
        return "zone " + zone + " " + parts[parts.length - 3] + " key tag " + parts[parts.length - 1] + " (algorithm "
                + parts[parts.length - 2] + ", label " + label + ")";
    }

    private PKCS11Exception noKek() {
        return new PKCS11Exception(
                CKR_DEVICE_ERROR,
                ": holds no cluster KEK (run: signerctl kek init on the first HSM, "
                        + "signerctl kek enrol for the others)");
    }

    private long[] find(long s, CK_ATTRIBUTE[] template) throws PKCS11Exception {
        p11.C_FindObjectsInit(s, template);
        try {
            List<Long> all = new ArrayList<>();
            while (true) {
                long[] batch = p11.C_FindObjects(s, 64);
                if (batch == null || batch.length == 0) {
                    break;
                }
                for (long h : batch) {
                    all.add(h);
                }
            }
            return all.stream().mapToLong(Long::longValue).toArray();
        } finally {
            p11.C_FindObjectsFinal(s);
        }
    }

    private String label(long s, long h) throws PKCS11Exception {
        CK_ATTRIBUTE[] t = {new CK_ATTRIBUTE(CKA_LABEL)};
        p11.C_GetAttributeValue(s, h, t);
        char[] chars = t[0].getCharArray();
        return chars == null ? "" : new String(chars);
    }

    private byte[] bytesAttr(long s, long h, long type) throws PKCS11Exception {
        CK_ATTRIBUTE[] t = {new CK_ATTRIBUTE(type)};
        p11.C_GetAttributeValue(s, h, t);
        byte[] v = t[0].getByteArray();
        return v == null ? new byte[0] : v;
    }

    private void destroyQuietly(long s, long[] handles) {
        for (long h : handles) {
            try {
                p11.C_DestroyObject(s, h);
            } catch (PKCS11Exception e) {
                LOG.warn("hsm={} could not destroy object {} after a failure: {}", id(), h, e.getMessage());
            }
        }
    }

    /** DER OCTET STRING around the value (short or long form length). */
    static byte[] octetString(byte[] value) {
        byte[] len =
                value.length < 128 ? new byte[] {(byte) value.length} : new byte[] {(byte) 0x81, (byte) value.length};
        byte[] out = new byte[1 + len.length + value.length];
        out[0] = 0x04;
        System.arraycopy(len, 0, out, 1, len.length);
        System.arraycopy(value, 0, out, 1 + len.length, value.length);
        return out;
    }

    /** CKA_EC_POINT is a DER OCTET STRING around the point; some HSMs give the bare point. */
    static byte[] unwrapOctetString(byte[] der) {
        if (der.length > 2 && der[0] == 0x04) {
            int len = der[1] & 0xFF;
            if (len < 128 && len == der.length - 2) {
                return Arrays.copyOfRange(der, 2, der.length);
            }
            if (len == 0x81 && der.length > 3 && (der[2] & 0xFF) == der.length - 3) {
                return Arrays.copyOfRange(der, 3, der.length);
            }
        }
        return der;
    }

    private static byte[] unsigned(BigInteger v) {
        byte[] b = v.toByteArray();
        return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }

    private void checkOwn(KeyRef key) throws HsmException {
        if (!key.hsm().equals(id())) {
            throw new HsmException(id(), "key reference " + key + " belongs to HSM " + key.hsm());
        }
    }

    // --- audit-signing keys (tandem:audit:<node>): new methods only, apart from the DNSSEC keys ---

    /** The DER prefix of an X.509 SubjectPublicKeyInfo for a P-256 key; the uncompressed point follows. */
    private static final byte[] P256_SPKI_PREFIX =
            HexFormat.of().parseHex("3059301306072a8648ce3d020106082a8648ce3d030107034200");

    /**
     * {@inheritDoc}
     *
     * <p>Objects: a persistent EC P-256 pair, both labelled and identified ({@code CKA_ID}) by {@code
     * label}; the private half {@code CKA_SENSITIVE}, not {@code CKA_EXTRACTABLE}, {@code CKA_SIGN}
     * only. Generating is serialised within this JVM.
     */
    @Override
    public synchronized PublicKey auditKey(String label) throws HsmException {
        requireAuditLabel(label);
        return withObjectWrites("audit-signing key " + label, s -> {
            Optional<PublicKey> existing = auditPublicKey(s, label);
            if (existing.isPresent()) {
                return existing.get();
            }
            char[] chars = label.toCharArray();
            byte[] ckaId = label.getBytes(StandardCharsets.UTF_8);
            CK_ATTRIBUTE[] pub = {
                new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, false),
                new CK_ATTRIBUTE(CKA_VERIFY, true), new CK_ATTRIBUTE(CKA_EC_PARAMS, P256_OID),
                new CK_ATTRIBUTE(CKA_LABEL, chars), new CK_ATTRIBUTE(CKA_ID, ckaId)
            };
            CK_ATTRIBUTE[] priv = {
                new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, true),
                new CK_ATTRIBUTE(CKA_SENSITIVE, true), new CK_ATTRIBUTE(CKA_EXTRACTABLE, false),
                new CK_ATTRIBUTE(CKA_SIGN, true), new CK_ATTRIBUTE(CKA_DECRYPT, false),
                new CK_ATTRIBUTE(CKA_UNWRAP, false), new CK_ATTRIBUTE(CKA_DERIVE, false),
                new CK_ATTRIBUTE(CKA_LABEL, chars), new CK_ATTRIBUTE(CKA_ID, ckaId)
            };
            long[] pair = p11.C_GenerateKeyPair(s, new CK_MECHANISM(CKM_EC_KEY_PAIR_GEN), pub, priv);
            try {
                PublicKey key = ecPublicKey(s, pair[0]);
                LOG.info(
                        "hsm={} event=audit-key-generated label={} public_key_sha256={}",
                        id(),
                        label,
                        HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded())));
                return key;
            } catch (GeneralSecurityException e) {
                destroyQuietly(s, pair);
                throw new PKCS11Exception(CKR_DEVICE_ERROR, ": generated audit key unreadable: " + e.getMessage());
            }
        });
    }

    /**
     * The public half of the audit-signing key labelled {@code label}, without generating one.
     *
     * @throws HsmException when the HSM cannot be read or holds more than one such key
     */
    public Optional<PublicKey> findAuditKey(String label) throws HsmException {
        requireAuditLabel(label);
        return withSession("find audit-signing key " + label, s -> auditPublicKey(s, label));
    }

    /** The labels of every audit-signing public key on this token ({@code tandem:audit:*}). */
    public List<String> auditKeyLabels() throws HsmException {
        return withSession("list audit-signing keys", s -> {
            List<String> labels = new ArrayList<>();
            for (long h : find(s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY)})) {
                String label = label(s, h);
                if (label.startsWith(AUDIT_LABEL_PREFIX)) {
                    labels.add(label);
                }
            }
            return labels;
        });
    }

    @Override
    public byte[] signAudit(String label, byte[] data) throws HsmException {
        requireAuditLabel(label);
        return withSession("sign with audit-signing key " + label, s -> {
            long[] keys = find(s, new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY), new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())
            });
            if (keys.length != 1) {
                throw new PKCS11Exception(
                        CKR_DEVICE_ERROR,
                        keys.length + " private audit-signing keys labelled " + label
                                + " (expected 1; the node creates it at start)");
            }
            p11.C_SignInit(s, new CK_MECHANISM(CKM_ECDSA), keys[0]);
            return p11.C_Sign(s, digest(data, "SHA-256"));
        });
    }

    private static final String AUDIT_LABEL_PREFIX = "tandem:audit:";

    private static void requireAuditLabel(String label) {
        if (!label.startsWith(AUDIT_LABEL_PREFIX) || label.length() == AUDIT_LABEL_PREFIX.length()) {
            throw new IllegalArgumentException(
                    "audit-signing key labels are " + AUDIT_LABEL_PREFIX + "<node>, not '" + label + "'");
        }
    }

    private Optional<PublicKey> auditPublicKey(long s, String label) throws PKCS11Exception {
        long[] pubs = find(s, new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY), new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())
        });
        if (pubs.length > 1) {
            throw new PKCS11Exception(
                    CKR_DEVICE_ERROR,
                    pubs.length + " public audit-signing keys labelled " + label
                            + " (expected 1: remove the extra pair by hand)");
        }
        if (pubs.length == 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(ecPublicKey(s, pubs[0]));
        } catch (GeneralSecurityException e) {
            throw new PKCS11Exception(CKR_DEVICE_ERROR, ": audit key " + label + " unreadable: " + e.getMessage());
        }
    }

    private PublicKey ecPublicKey(long s, long pub) throws PKCS11Exception, GeneralSecurityException {
        if (!Arrays.equals(bytesAttr(s, pub, CKA_EC_PARAMS), P256_OID)) {
            throw new GeneralSecurityException("not a P-256 key");
        }
        byte[] point = unwrapOctetString(bytesAttr(s, pub, CKA_EC_POINT));
        byte[] spki = Arrays.copyOf(P256_SPKI_PREFIX, P256_SPKI_PREFIX.length + point.length);
        System.arraycopy(point, 0, spki, P256_SPKI_PREFIX.length, point.length);
        return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
    }

    @FunctionalInterface
    private interface SessionWork<T> {
        T run(long session) throws PKCS11Exception;
    }

    private <T> T withSession(String what, SessionWork<T> work) throws HsmException {
        return holding(Pkcs11Library.objects(spec.library()).readLock(), () -> inSession(what, work));
    }

    private <T> T inSession(String what, SessionWork<T> work) throws HsmException {
        Pool p = current();
        Long s;
        try {
            s = p.free().poll(SESSION_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HsmException(id(), what + ": interrupted while waiting for a session", e);
        }
        if (s == null) {
            throw new HsmException(id(), what + ": no free session after " + SESSION_WAIT.toSeconds() + " s");
        }
        var lock = Pkcs11Library.lock(spec.library()).readLock();
        lock.lock();
        try {
            return work.run(s);
        } catch (PKCS11Exception e) {
            throw translate(what, e);
        } finally {
            lock.unlock();
            p.free().add(s);
        }
    }

    /**
     * The sessions to use: this HSM's, or, when another HSM of the same library re-initialised it
     * since they were opened (they are gone then), new ones on the token found again by label.
     *
     * @throws HsmUnavailableException the token is not there after the re-initialisation
     */
    private Pool current() throws HsmException {
        Pool p = pool;
        if (p.generation() == Pkcs11Library.generation(spec.library())) {
            return p;
        }
        synchronized (reopening) {
            p = pool;
            if (p.generation() == Pkcs11Library.generation(spec.library())) {
                return p;
            }
            Pool next = attach();
            LOG.info(
                    "hsm={} token={} event=sessions-reopened reason=\"library {} was re-initialised (another token "
                            + "of it was reopened)\"",
                    id(),
                    spec.tokenLabel(),
                    spec.library());
            return next;
        }
    }

    /** Opens new sessions on the token found by label (caller holds {@link #reopening}); old handles are void. */
    private Pool attach() throws HsmException {
        Pool next = openPool(spec, p11);
        byIdOnly = true;
        relocated.clear();
        issuedSinceLogin.clear();
        signingDigest.clear();
        Pool old = pool;
        pool = next;
        if (old.generation() == next.generation()) {
            closeQuietly(p11, old.all());
        }
        return next;
    }

    /**
     * Why the token does not answer now, or empty when it does: {@code C_GetTokenInfo} on its slot
     * must answer with its label. Cheap (no session, no object search); for a presence check every
     * second or so.
     */
    @Override
    public Optional<String> absence() {
        if (closed) {
            return Optional.of("closed");
        }
        Pool p = pool;
        if (p.generation() != Pkcs11Library.generation(spec.library())) {
            try {
                p = current();
            } catch (HsmException e) {
                return Optional.of(e.getMessage());
            }
        }
        var lock = Pkcs11Library.lock(spec.library()).readLock();
        lock.lock();
        try {
            String label = new String(p11.C_GetTokenInfo(p.slot()).label).trim();
            if (!label.equals(spec.tokenLabel())) {
                return Optional.of(
                        "slot " + p.slot() + " now holds token '" + label + "', not '" + spec.tokenLabel() + "'");
            }
            return Optional.empty();
        } catch (PKCS11Exception e) {
            return Optional.of("C_GetTokenInfo(slot " + p.slot() + "): " + e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Opens the token again in this process after it was removed (or its sessions were lost): finds it
     * by label and opens and logs in new sessions; when the library does not show the token (SoftHSM2
     * never does before it is initialised again; an HSM whose sessions died with {@code
     * CKR_DEVICE_REMOVED} may not), re-initialises the library first ({@code C_Finalize}, {@code
     * C_Initialize}), which also ends the sessions of every other HSM of the same library in this JVM
     * (they open theirs again on their next call). Every key handle from before is void: keys are found
     * by {@code CKA_ID} again. IMPORTANT: prove the keys (sign and verify) before signing zones again.
     *
     * @throws HsmUnavailableException the token is still absent (the message names it and the PKCS#11
     *     error), or the PIN is now refused
     */
    @Override
    public void reopen() throws HsmException {
        if (closed) {
            throw new IllegalStateException("HSM " + id() + " is closed");
        }
        synchronized (reopening) {
            try {
                attach();
                LOG.info("hsm={} token={} event=token-reopened reinitialised=false", id(), spec.tokenLabel());
                return;
            } catch (HsmUnavailableException e) {
                LOG.debug(
                        "hsm={} token={} not shown without re-initialising: {}",
                        id(),
                        spec.tokenLabel(),
                        e.getMessage());
            }
            Pkcs11Library.reinitialise(id(), spec.library(), p11);
            attach();
            LOG.info("hsm={} token={} event=token-reopened reinitialised=true", id(), spec.tokenLabel());
        }
    }

    private HsmException translate(String what, PKCS11Exception e) {
        long code = e.getErrorCode();
        String msg = what + " failed: " + e.getMessage();
        if (code == CKR_DEVICE_REMOVED
                || code == CKR_TOKEN_NOT_PRESENT
                || code == CKR_SESSION_HANDLE_INVALID
                || code == CKR_SESSION_CLOSED
                || code == CKR_CRYPTOKI_NOT_INITIALIZED) {
            return new HsmUnavailableException(
                    id(), msg + " (token '" + spec.tokenLabel() + "' gone: reopen the HSM and re-prove its keys)", e);
        }
        return new HsmException(id(), msg, e);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(p11, pool.all());
    }

    private static void closeQuietly(PKCS11 p11, List<Long> sessions) {
        for (long s : sessions) {
            try {
                p11.C_CloseSession(s);
            } catch (PKCS11Exception e) {
                LOG.debug("closing session {}: {}", s, e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return "HSM " + id() + " (token '" + spec.tokenLabel() + "', " + spec.library() + ")";
    }
}
