package org.tandem.signer.sign;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeyRef;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.TransportKey;
import org.tandem.keysync.hsm.WrappedKey;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.ZoneName;

/**
 * A fake HSM for unit tests above the port: software keys (JCA), signing only. It can be told to
 * fail or to return a wrong signature when the signing input matches a predicate (the first two
 * bytes of the input are the covered type, RFC 4034 §3.1.8.1).
 */
final class InMemoryHsm implements Hsm {
    private final HsmId id;
    private final Map<Long, Entry> keys = new ConcurrentHashMap<>();
    private final AtomicLong handles = new AtomicLong(1);
    private final AtomicLong signatures = new AtomicLong();
    private volatile Predicate<byte[]> failWhen = d -> false;
    private volatile Predicate<byte[]> corruptWhen = d -> false;

    private record Entry(HsmKey key, PrivateKey privateKey, Algorithm algorithm) {}

    InMemoryHsm(String name) {
        this.id = new HsmId(name);
    }

    /** Makes {@link #sign} throw when the signing input matches. */
    InMemoryHsm failWhen(Predicate<byte[]> p) {
        this.failWhen = p;
        return this;
    }

    /** Makes {@link #sign} return a signature of the right size that does not verify. */
    InMemoryHsm corruptWhen(Predicate<byte[]> p) {
        this.corruptWhen = p;
        return this;
    }

    static Predicate<byte[]> coveredType(int type) {
        return d -> ((d[0] & 0xFF) << 8 | (d[1] & 0xFF)) == type;
    }

    long signatures() {
        return signatures.get();
    }

    @Override
    public HsmId id() {
        return id;
    }

    @Override
    public List<HsmKey> list(ZoneName zone) {
        List<HsmKey> out = new ArrayList<>();
        for (Entry e : keys.values()) {
            if (e.key.zone().equals(zone)) {
                out.add(e.key);
            }
        }
        return out;
    }

    @Override
    public HsmKey generate(KeySpec spec) throws HsmException {
        try {
            KeyPair pair = pair(spec.algorithm());
            DnssecKey pub = DnssecKey.of(spec.zone(), spec.role(), spec.algorithm(), pair.getPublic());
            long handle = handles.getAndIncrement();
            HsmKey key = new HsmKey(
                    new KeyRef(id, handle, pub.fingerprint().bytes()),
                    "tandem:" + spec.zone(),
                    spec.zone(),
                    spec.role(),
                    spec.algorithm(),
                    pub.keyTag(),
                    Optional.of(pub),
                    Optional.empty());
            keys.put(handle, new Entry(key, pair.getPrivate(), spec.algorithm()));
            return key;
        } catch (GeneralSecurityException e) {
            throw new HsmException(id, "generate: " + e.getMessage(), e);
        }
    }

    /** A key pair whose private half does not match {@code published} (the DENIC case). */
    HsmKey generateMismatched(KeySpec spec, DnssecKey published) throws HsmException {
        try {
            KeyPair other = pair(spec.algorithm());
            long handle = handles.getAndIncrement();
            HsmKey key = new HsmKey(
                    new KeyRef(id, handle, published.fingerprint().bytes()),
                    "tandem:" + spec.zone(),
                    spec.zone(),
                    spec.role(),
                    spec.algorithm(),
                    published.keyTag(),
                    Optional.of(published),
                    Optional.empty());
            keys.put(handle, new Entry(key, other.getPrivate(), spec.algorithm()));
            return key;
        } catch (GeneralSecurityException e) {
            throw new HsmException(id, "generate: " + e.getMessage(), e);
        }
    }

    private static KeyPair pair(Algorithm alg) throws GeneralSecurityException {
        if (alg == Algorithm.RSASHA256) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        }
        if (alg == Algorithm.ED25519) {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(alg == Algorithm.ECDSAP256SHA256 ? "secp256r1" : "secp384r1"));
        return g.generateKeyPair();
    }

    @Override
    public byte[] sign(KeyRef ref, byte[] data) throws HsmException {
        Entry e = keys.get(ref.handle());
        if (e == null || !ref.hsm().equals(id)) {
            throw new HsmException(id, "no such key " + ref);
        }
        if (failWhen.test(data)) {
            throw new HsmException(id, "sign with key " + ref + ": CKR_MECHANISM_INVALID (injected)");
        }
        try {
            Signature s = Signature.getInstance(
                    switch (e.algorithm) {
                        case RSASHA256 -> "SHA256withRSA";
                        case ECDSAP256SHA256 -> "SHA256withECDSAinP1363Format";
                        case ECDSAP384SHA384 -> "SHA384withECDSAinP1363Format";
                        case ED25519 -> "Ed25519";
                    });
            s.initSign(e.privateKey);
            s.update(data);
            byte[] sig = s.sign();
            signatures.incrementAndGet();
            if (corruptWhen.test(data)) {
                sig[sig.length / 2] ^= 0x01;
            }
            return sig;
        } catch (GeneralSecurityException ex) {
            throw new HsmException(id, "sign: " + ex.getMessage(), ex);
        }
    }

    @Override
    public WrappedKey wrap(HsmKey key) {
        throw new UnsupportedOperationException("not in the fake");
    }

    @Override
    public HsmKey unwrap(WrappedKey wrapped) {
        throw new UnsupportedOperationException("not in the fake");
    }

    @Override
    public void delete(KeyRef key) {
        keys.remove(key.handle());
    }

    @Override
    public Optional<byte[]> kekCheckValue() {
        return Optional.empty();
    }

    @Override
    public byte[] generateKek() {
        throw new UnsupportedOperationException("not in the fake");
    }

    @Override
    public TransportKey newTransportKey() {
        throw new UnsupportedOperationException("not in the fake");
    }

    @Override
    public byte[] exportKek(TransportKey transportKey) {
        throw new UnsupportedOperationException("not in the fake");
    }

    @Override
    public byte[] importKek(TransportKey transportKey, byte[] wrappedKek, byte[] expectedCheckValue) {
        throw new UnsupportedOperationException("not in the fake");
    }

    @Override
    public void close() {
        keys.clear();
    }
}
