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
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.HsmUnavailableException;
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
 * <p>Thread-safety: safe for concurrent use; each operation borrows one of {@link HsmSpec#sessions()}
 * sessions, so that many signatures run in parallel. Close releases the sessions.
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

    private static final byte[] P256_OID = HexFormat.of().parseHex("06082a8648ce3d030107");
    private static final byte[] P384_OID = HexFormat.of().parseHex("06052b81040022");
    private static final Duration SESSION_WAIT = Duration.ofSeconds(60);

    private final HsmSpec spec;
    private final PKCS11 p11;
    private final BlockingQueue<Long> sessions;
    private final List<Long> allSessions;
    private final SecureRandom random = new SecureRandom();
    /** Per private-key handle: the digest for CKM_ECDSA, or "" for RSA (saves two attribute reads per signature). */
    private final java.util.concurrent.ConcurrentHashMap<Long, String> signingDigest = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closed;

    private Pkcs11Hsm(HsmSpec spec, PKCS11 p11, List<Long> sessions) {
        this.spec = spec;
        this.p11 = p11;
        this.allSessions = List.copyOf(sessions);
        this.sessions = new ArrayBlockingQueue<>(sessions.size(), false, sessions);
    }

    /**
     * Loads the library, finds the token by label, opens the sessions and logs in with the PIN
     * from the PIN file. Changes nothing on the token.
     *
     * @throws HsmUnavailableException library missing, token missing, PIN file missing or
     *     unreadable, wrong PIN, locked PIN
     */
    public static Pkcs11Hsm open(HsmSpec spec) throws HsmException {
        HsmId id = spec.name();
        char[] pin = PinFile.read(id, spec.pinFile());
        PKCS11 p11 = Pkcs11Library.load(id, spec.library());
        long slot = Pkcs11Library.slotOf(id, p11, spec.library(), spec.tokenLabel());
        List<Long> opened = new ArrayList<>();
        try {
            for (int i = 0; i < spec.sessions(); i++) {
                opened.add(p11.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, null, null));
            }
            try {
                p11.C_Login(opened.get(0), CKU_USER, pin);
            } catch (PKCS11Exception e) {
                if (e.getErrorCode() == CKR_PIN_INCORRECT) {
                    throw new HsmUnavailableException(id, "wrong PIN for token '" + spec.tokenLabel() + "' (PIN file "
                            + spec.pinFile() + "); nothing was changed. Repeated wrong PINs lock the token.");
                }
                if (e.getErrorCode() == CKR_PIN_LOCKED) {
                    throw new HsmUnavailableException(id, "the user PIN of token '" + spec.tokenLabel()
                            + "' is locked; the security officer must reset it");
                }
                if (e.getErrorCode() != CKR_USER_ALREADY_LOGGED_IN) {
                    throw e;
                }
            }
            LOG.debug("hsm={} token={} slot={} sessions={}", id, spec.tokenLabel(), slot, opened.size());
            return new Pkcs11Hsm(spec, p11, opened);
        } catch (PKCS11Exception e) {
            closeQuietly(p11, opened);
            throw new HsmUnavailableException(id, "cannot open token '" + spec.tokenLabel() + "': " + e.getMessage(), e);
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
        String[] parts = label.substring(LABEL_PREFIX.length() + zone.toString().length() + 1).split(":");
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
        long[] pubs = find(s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY), new CK_ATTRIBUTE(CKA_ID, ckaId)});
        if (pubs.length == 0) {
            return Optional.of(new HsmKey(ref, label, zone, role, alg, tag, Optional.empty(),
                    Optional.of("no public-key object with the same CKA_ID")));
        }
        if (pubs.length > 1) {
            return Optional.of(new HsmKey(ref, label, zone, role, alg, tag, Optional.empty(),
                    Optional.of(pubs.length + " public-key objects share its CKA_ID")));
        }
        try {
            DnssecKey pub = DnssecKey.of(zone, role, alg, readPublicKey(s, pubs[0], alg));
            return Optional.of(new HsmKey(ref, label, zone, role, alg, tag, Optional.of(pub), Optional.empty()));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return Optional.of(new HsmKey(ref, label, zone, role, alg, tag, Optional.empty(),
                    Optional.of("public-key object unreadable: " + e.getMessage())));
        }
    }

    private byte[] readPublicKey(long s, long pub, Algorithm alg) throws PKCS11Exception, GeneralSecurityException {
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
                .generatePublic(new RSAPublicKeySpec(new BigInteger(1, t[0].getByteArray()), new BigInteger(1, t[1].getByteArray())));
        return DnssecKey.of(ZoneName.of("."), KeyRole.ZSK, alg, key).publicKey();
    }

    @Override
    public HsmKey generate(KeySpec spec) throws HsmException {
        String what = "generate " + spec.role() + " (algorithm " + spec.algorithm().number() + ") for " + spec.zone();
        return withSession(what, s -> {
            byte[] tempId = new byte[16];
            random.nextBytes(tempId);
            char[] pending = (PENDING_PREFIX + spec.zone()).toCharArray();
            long[] pair;
            Algorithm alg = spec.algorithm();
            if (alg.isEcdsa()) {
                CK_ATTRIBUTE[] pub = {
                    new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, false),
                    new CK_ATTRIBUTE(CKA_VERIFY, true), new CK_ATTRIBUTE(CKA_EC_PARAMS, alg.bits() == 256 ? P256_OID : P384_OID),
                    new CK_ATTRIBUTE(CKA_LABEL, pending), new CK_ATTRIBUTE(CKA_ID, tempId)
                };
                pair = p11.C_GenerateKeyPair(s, new CK_MECHANISM(CKM_EC_KEY_PAIR_GEN), pub, privateTemplate(pending, tempId));
            } else {
                CK_ATTRIBUTE[] pub = {
                    new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, false),
                    new CK_ATTRIBUTE(CKA_VERIFY, true), new CK_ATTRIBUTE(CKA_MODULUS_BITS, (long) alg.bits()),
                    new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT, BigInteger.valueOf(65537).toByteArray()),
                    new CK_ATTRIBUTE(CKA_LABEL, pending), new CK_ATTRIBUTE(CKA_ID, tempId)
                };
                pair = p11.C_GenerateKeyPair(s, new CK_MECHANISM(CKM_RSA_PKCS_KEY_PAIR_GEN), pub, privateTemplate(pending, tempId));
            }
            DnssecKey key;
            try {
                key = DnssecKey.of(spec.zone(), spec.role(), alg, readPublicKey(s, pair[0], alg));
            } catch (GeneralSecurityException e) {
                destroyQuietly(s, pair);
                throw new PKCS11Exception(CKR_DEVICE_ERROR, "generated public key unreadable: " + e.getMessage());
            }
            CK_ATTRIBUTE[] identity = {new CK_ATTRIBUTE(CKA_LABEL, labelOf(key).toCharArray()),
                new CK_ATTRIBUTE(CKA_ID, key.fingerprint().bytes())};
            p11.C_SetAttributeValue(s, pair[0], identity);
            p11.C_SetAttributeValue(s, pair[1], identity);
            return new HsmKey(new KeyRef(id(), pair[1], key.fingerprint().bytes()), labelOf(key), spec.zone(), spec.role(),
                    alg, key.keyTag(), Optional.of(key), Optional.empty());
        });
    }

    /** The label every HSM gives this key. */
    static String labelOf(DnssecKey key) {
        return LABEL_PREFIX + key.zone() + ":" + key.role() + ":" + key.algorithm().number() + ":" + key.keyTag().value();
    }

    private static CK_ATTRIBUTE[] privateTemplate(char[] label, byte[] id) {
        // Sensitive: the value never leaves in plaintext. Extractable: only so that it can be
        // wrapped under the cluster KEK for the other HSMs (generate once, replicate).
        return new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, true),
            new CK_ATTRIBUTE(CKA_SENSITIVE, true), new CK_ATTRIBUTE(CKA_EXTRACTABLE, true),
            new CK_ATTRIBUTE(CKA_SIGN, true), new CK_ATTRIBUTE(CKA_LABEL, label), new CK_ATTRIBUTE(CKA_ID, id)
        };
    }

    @Override
    public byte[] sign(KeyRef key, byte[] data) throws HsmException {
        checkOwn(key);
        return withSession("sign with key " + key, s -> {
            String digestName = signingDigest.get(key.handle());
            if (digestName == null) {
                CK_ATTRIBUTE[] t = {new CK_ATTRIBUTE(CKA_KEY_TYPE)};
                p11.C_GetAttributeValue(s, key.handle(), t);
                digestName = t[0].getLong() == CKK_EC ? ecDigest(s, key.handle()) : "";
                signingDigest.put(key.handle(), digestName);
            }
            if (!digestName.isEmpty()) {
                byte[] digest = digest(data, digestName);
                p11.C_SignInit(s, new CK_MECHANISM(CKM_ECDSA), key.handle());
                return p11.C_Sign(s, digest);
            }
            p11.C_SignInit(s, new CK_MECHANISM(CKM_SHA256_RSA_PKCS), key.handle());
            return p11.C_Sign(s, data);
        });
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
        DnssecKey pub = key.publicKey().orElseThrow(() -> new HsmException(id(),
                "cannot wrap " + key.describe() + ": " + key.problem().orElse("no public key")));
        return withSession("wrap " + pub.describe(), s -> {
            long kek = kekHandle(s).orElseThrow(() -> noKek());
            byte[] blob = p11.C_WrapKey(s, new CK_MECHANISM(MECH_AES_KEY_WRAP_PAD), kek, key.ref().handle());
            return new WrappedKey(pub, MECH_AES_KEY_WRAP_PAD, blob, checkValue(s, kek));
        });
    }

    @Override
    public HsmKey unwrap(WrappedKey wrapped) throws HsmException {
        DnssecKey key = wrapped.key();
        return withSession("unwrap " + key.describe(), s -> {
            long kek = kekHandle(s).orElseThrow(() -> noKek());
            byte[] kcv = checkValue(s, kek);
            if (!Arrays.equals(kcv, wrapped.kekCheckValue())) {
                throw new PKCS11Exception(CKR_DEVICE_ERROR, "KEK differs: this HSM's check value is "
                        + HexFormat.of().formatHex(kcv) + ", the key was wrapped under " + HexFormat.of().formatHex(wrapped.kekCheckValue())
                        + " (enrol this HSM with the cluster KEK: signerctl kek enrol)");
            }
            byte[] ckaId = key.fingerprint().bytes();
            if (find(s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_ID, ckaId)}).length > 0) {
                throw new PKCS11Exception(CKR_DEVICE_ERROR, "an object with CKA_ID " + key.fingerprint().hex()
                        + " already exists; refusing to add a second one");
            }
            char[] label = labelOf(key).toCharArray();
            CK_ATTRIBUTE[] priv = {
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY),
                new CK_ATTRIBUTE(CKA_KEY_TYPE, key.algorithm().isEcdsa() ? CKK_EC : CKK_RSA),
                new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, true),
                new CK_ATTRIBUTE(CKA_SENSITIVE, true), new CK_ATTRIBUTE(CKA_EXTRACTABLE, true),
                new CK_ATTRIBUTE(CKA_SIGN, true), new CK_ATTRIBUTE(CKA_LABEL, label), new CK_ATTRIBUTE(CKA_ID, ckaId)
            };
            long privHandle = p11.C_UnwrapKey(s, new CK_MECHANISM(wrapped.mechanism()), kek, wrapped.blob(), priv);
            try {
                p11.C_CreateObject(s, publicTemplate(key, label, ckaId));
            } catch (PKCS11Exception e) {
                destroyQuietly(s, new long[] {privHandle});
                throw e;
            }
            return new HsmKey(new KeyRef(id(), privHandle, ckaId), labelOf(key), key.zone(), key.role(), key.algorithm(),
                    key.keyTag(), Optional.of(key), Optional.empty());
        });
    }

    private static CK_ATTRIBUTE[] publicTemplate(DnssecKey key, char[] label, byte[] ckaId) {
        List<CK_ATTRIBUTE> t = new ArrayList<>(List.of(
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY), new CK_ATTRIBUTE(CKA_TOKEN, true),
                new CK_ATTRIBUTE(CKA_PRIVATE, false), new CK_ATTRIBUTE(CKA_VERIFY, true),
                new CK_ATTRIBUTE(CKA_LABEL, label), new CK_ATTRIBUTE(CKA_ID, ckaId)));
        if (key.algorithm().isEcdsa()) {
            byte[] xy = key.publicKey();
            byte[] point = new byte[xy.length + 1];
            point[0] = 0x04;
            System.arraycopy(xy, 0, point, 1, xy.length);
            t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_EC));
            t.add(new CK_ATTRIBUTE(CKA_EC_PARAMS, key.algorithm().bits() == 256 ? P256_OID : P384_OID));
            t.add(new CK_ATTRIBUTE(CKA_EC_POINT, octetString(point)));
        } else {
            java.security.interfaces.RSAPublicKey rsa = (java.security.interfaces.RSAPublicKey) key.jcaPublicKey();
            t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_RSA));
            t.add(new CK_ATTRIBUTE(CKA_MODULUS, unsigned(rsa.getModulus())));
            t.add(new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT, unsigned(rsa.getPublicExponent())));
        }
        return t.toArray(CK_ATTRIBUTE[]::new);
    }

    @Override
    public void delete(KeyRef key) throws HsmException {
        checkOwn(key);
        withSession("delete key " + key, s -> {
            String label = label(s, key.handle());
            for (long pub : find(s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY),
                new CK_ATTRIBUTE(CKA_ID, key.objectId()), new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())})) {
                p11.C_DestroyObject(s, pub);
            }
            p11.C_DestroyObject(s, key.handle());
            signingDigest.remove(key.handle());
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

    @Override
    public byte[] generateKek() throws HsmException {
        return withSession("generate the cluster KEK", s -> {
            refuseSecondKek(s);
            long kek = p11.C_GenerateKey(s, new CK_MECHANISM(CKM_AES_KEY_GEN), kekTemplate(true));
            return checkValue(s, kek);
        });
    }

    private void refuseSecondKek(long s) throws PKCS11Exception {
        Optional<Long> existing = kekHandle(s);
        if (existing.isPresent()) {
            throw new PKCS11Exception(CKR_DEVICE_ERROR, "already holds a cluster KEK (check value "
                    + HexFormat.of().formatHex(checkValue(s, existing.get())) + "); a token holds one KEK only");
        }
    }

    /**
     * KEK attributes: sensitive (never readable in plaintext); extractable only so that it can be
     * wrapped under a new HSM's transport key during enrolment. With a vendor HSM, add
     * CKA_WRAP_WITH_TRUSTED and mark transport keys CKA_TRUSTED (security officer) instead.
     */
    private static CK_ATTRIBUTE[] kekTemplate(boolean withClassAndLength) {
        List<CK_ATTRIBUTE> t = new ArrayList<>(List.of(
                new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, true),
                new CK_ATTRIBUTE(CKA_SENSITIVE, true), new CK_ATTRIBUTE(CKA_EXTRACTABLE, true),
                new CK_ATTRIBUTE(CKA_WRAP, true), new CK_ATTRIBUTE(CKA_UNWRAP, true),
                new CK_ATTRIBUTE(CKA_ENCRYPT, true), new CK_ATTRIBUTE(CKA_LABEL, KEK_LABEL.toCharArray()),
                new CK_ATTRIBUTE(CKA_ID, KEK_ID)));
        if (withClassAndLength) {
            t.add(new CK_ATTRIBUTE(CKA_VALUE_LEN, 32L));
        } else {
            t.add(new CK_ATTRIBUTE(CKA_CLASS, CKO_SECRET_KEY));
            t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_AES));
        }
        return t.toArray(CK_ATTRIBUTE[]::new);
    }

    @Override
    public TransportKey newTransportKey() throws HsmException {
        return withSession("generate a key-transport key", s -> {
            refuseSecondKek(s);
            CK_ATTRIBUTE[] pub = {
                new CK_ATTRIBUTE(CKA_TOKEN, false), new CK_ATTRIBUTE(CKA_WRAP, true), new CK_ATTRIBUTE(CKA_ENCRYPT, true),
                new CK_ATTRIBUTE(CKA_MODULUS_BITS, 3072L),
                new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT, BigInteger.valueOf(65537).toByteArray())
            };
            CK_ATTRIBUTE[] priv = {
                new CK_ATTRIBUTE(CKA_TOKEN, false), new CK_ATTRIBUTE(CKA_PRIVATE, true),
                new CK_ATTRIBUTE(CKA_SENSITIVE, true), new CK_ATTRIBUTE(CKA_EXTRACTABLE, false),
                new CK_ATTRIBUTE(CKA_UNWRAP, true), new CK_ATTRIBUTE(CKA_DECRYPT, true)
            };
            long[] pair = p11.C_GenerateKeyPair(s, new CK_MECHANISM(CKM_RSA_PKCS_KEY_PAIR_GEN), pub, priv);
            CK_ATTRIBUTE[] t = {new CK_ATTRIBUTE(CKA_MODULUS), new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT)};
            p11.C_GetAttributeValue(s, pair[0], t);
            p11.C_DestroyObject(s, pair[0]);
            return new TransportKey(id(), pair[1], new BigInteger(1, t[0].getByteArray()), new BigInteger(1, t[1].getByteArray()));
        });
    }

    @Override
    public byte[] exportKek(TransportKey transportKey) throws HsmException {
        return withSession("wrap the KEK for " + transportKey.hsm(), s -> {
            long kek = kekHandle(s).orElseThrow(() -> noKek());
            CK_ATTRIBUTE[] pub = {
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY), new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_RSA),
                new CK_ATTRIBUTE(CKA_TOKEN, false), new CK_ATTRIBUTE(CKA_WRAP, true), new CK_ATTRIBUTE(CKA_ENCRYPT, true),
                new CK_ATTRIBUTE(CKA_MODULUS, unsigned(transportKey.modulus())),
                new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT, unsigned(transportKey.publicExponent()))
            };
            long handle = p11.C_CreateObject(s, pub);
            try {
                return p11.C_WrapKey(s, oaep(), handle, kek);
            } finally {
                p11.C_DestroyObject(s, handle);
            }
        });
    }

    @Override
    public byte[] importKek(TransportKey transportKey, byte[] wrappedKek) throws HsmException {
        if (!transportKey.hsm().equals(id())) {
            throw new HsmException(id(), "transport key belongs to " + transportKey.hsm());
        }
        if (!transportKey.hasPrivateHalf()) {
            throw new HsmException(id(), "the transport key has no private half here; unwrap the KEK with the key"
                    + " newTransportKey() returned");
        }
        return withSession("unwrap the cluster KEK", s -> {
            refuseSecondKek(s);
            try {
                long kek = p11.C_UnwrapKey(s, oaep(), transportKey.handle(), wrappedKek, kekTemplate(false));
                return checkValue(s, kek);
            } finally {
                destroyQuietly(s, new long[] {transportKey.handle()});
            }
        });
    }

    @Override
    public void destroyTransportKey(TransportKey transportKey) throws HsmException {
        if (!transportKey.hsm().equals(id())) {
            throw new HsmException(id(), "transport key belongs to " + transportKey.hsm());
        }
        if (!transportKey.hasPrivateHalf()) {
            return;
        }
        withSession("destroy a key-transport key", s -> {
            CK_ATTRIBUTE[] t = {new CK_ATTRIBUTE(CKA_CLASS), new CK_ATTRIBUTE(CKA_TOKEN), new CK_ATTRIBUTE(CKA_MODULUS)};
            try {
                p11.C_GetAttributeValue(s, transportKey.handle(), t);
            } catch (PKCS11Exception e) {
                if (e.getErrorCode() == CKR_OBJECT_HANDLE_INVALID) {
                    return null; // gone already (unwrapped, or the session ended)
                }
                throw e;
            }
            // The handle may have been reused for another object since: destroy only this very key.
            boolean same = t[0].getLong() == CKO_PRIVATE_KEY && !t[1].getBoolean()
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
        withSession("destroy the cluster KEK", s -> {
            long kek = kekHandle(s).orElseThrow(() -> noKek());
            byte[] actual = checkValue(s, kek);
            if (!Arrays.equals(actual, checkValue)) {
                throw new PKCS11Exception(CKR_DEVICE_ERROR, "holds the KEK with check value "
                        + HexFormat.of().formatHex(actual) + ", not " + HexFormat.of().formatHex(checkValue)
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
        long[] found = find(s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_CLASS, CKO_SECRET_KEY),
            new CK_ATTRIBUTE(CKA_LABEL, KEK_LABEL.toCharArray())});
        if (found.length > 1) {
            throw new PKCS11Exception(CKR_DEVICE_ERROR, found.length + " secret keys are labelled " + KEK_LABEL
                    + "; remove the extra ones by hand (pkcs11-tool --delete-object) after checking their check values");
        }
        return found.length == 0 ? Optional.empty() : Optional.of(found[0]);
    }

    /** First 3 bytes of AES-ECB(KEK, 16 zero bytes): the usual key check value. */
    private byte[] checkValue(long s, long kek) throws PKCS11Exception {
        byte[] out = new byte[16];
        p11.C_EncryptInit(s, new CK_MECHANISM(CKM_AES_ECB), kek);
        p11.C_Encrypt(s, 0, new byte[16], 0, 16, 0, out, 0, 16);
        return Arrays.copyOf(out, 3);
    }

    private PKCS11Exception noKek() {
        return new PKCS11Exception(CKR_DEVICE_ERROR, "holds no cluster KEK (run: signerctl kek init on the first HSM, "
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
        byte[] len = value.length < 128 ? new byte[] {(byte) value.length} : new byte[] {(byte) 0x81, (byte) value.length};
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
        return withSession("audit-signing key " + label, s -> {
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
                LOG.info("hsm={} event=audit-key-generated label={} public_key_sha256={}", id(), label,
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded())));
                return key;
            } catch (GeneralSecurityException e) {
                destroyQuietly(s, pair);
                throw new PKCS11Exception(CKR_DEVICE_ERROR, "generated audit key unreadable: " + e.getMessage());
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
            long[] keys = find(s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY),
                new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())});
            if (keys.length != 1) {
                throw new PKCS11Exception(CKR_DEVICE_ERROR, keys.length + " private audit-signing keys labelled " + label
                        + " (expected 1; the node creates it at start)");
            }
            p11.C_SignInit(s, new CK_MECHANISM(CKM_ECDSA), keys[0]);
            return p11.C_Sign(s, digest(data, "SHA-256"));
        });
    }

    private static final String AUDIT_LABEL_PREFIX = "tandem:audit:";

    private static void requireAuditLabel(String label) {
        if (!label.startsWith(AUDIT_LABEL_PREFIX) || label.length() == AUDIT_LABEL_PREFIX.length()) {
            throw new IllegalArgumentException("audit-signing key labels are " + AUDIT_LABEL_PREFIX + "<node>, not '"
                    + label + "'");
        }
    }

    private Optional<PublicKey> auditPublicKey(long s, String label) throws PKCS11Exception {
        long[] pubs = find(s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY),
            new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())});
        if (pubs.length > 1) {
            throw new PKCS11Exception(CKR_DEVICE_ERROR, pubs.length + " public audit-signing keys labelled " + label
                    + " (expected 1: remove the extra pair by hand)");
        }
        if (pubs.length == 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(ecPublicKey(s, pubs[0]));
        } catch (GeneralSecurityException e) {
            throw new PKCS11Exception(CKR_DEVICE_ERROR, "audit key " + label + " unreadable: " + e.getMessage());
        }
    }

    private PublicKey ecPublicKey(long s, long pub) throws PKCS11Exception, GeneralSecurityException {
        if (!Arrays.equals(bytesAttr(s, pub, CKA_EC_PARAMS), P256_OID)) {
            throw new GeneralSecurityException("not a P-256 key");
        }
        byte[] point = unwrapOctetString(bytesAttr(s, pub, CKA_EC_POINT));
        byte[] spki = Arrays.copyOf(P256_SPKI_PREFIX, P256_SPKI_PREFIX.length + point.length);
        System.arraycopy(point, 0, spki, P256_SPKI_PREFIX.length, point.length);
        return KeyFactory.getInstance("EC").generatePublic(new java.security.spec.X509EncodedKeySpec(spki));
    }

    @FunctionalInterface
    private interface SessionWork<T> {
        T run(long session) throws PKCS11Exception;
    }

    private <T> T withSession(String what, SessionWork<T> work) throws HsmException {
        if (closed) {
            throw new IllegalStateException("HSM " + id() + " is closed");
        }
        Long s;
        try {
            s = sessions.poll(SESSION_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HsmException(id(), what + ": interrupted while waiting for a session", e);
        }
        if (s == null) {
            throw new HsmException(id(), what + ": no free session after " + SESSION_WAIT.toSeconds() + " s");
        }
        try {
            return work.run(s);
        } catch (PKCS11Exception e) {
            throw translate(what, e);
        } finally {
            sessions.add(s);
        }
    }

    private HsmException translate(String what, PKCS11Exception e) {
        long code = e.getErrorCode();
        String msg = what + " failed: " + e.getMessage();
        if (code == CKR_DEVICE_REMOVED || code == CKR_TOKEN_NOT_PRESENT || code == CKR_SESSION_HANDLE_INVALID
                || code == CKR_SESSION_CLOSED || code == CKR_CRYPTOKI_NOT_INITIALIZED) {
            return new HsmUnavailableException(id(), msg + " (token '" + spec.tokenLabel() + "' gone: reopen the HSM and re-prove its keys)", e);
        }
        return new HsmException(id(), msg, e);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(p11, allSessions);
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
