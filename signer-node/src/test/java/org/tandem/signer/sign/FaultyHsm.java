package org.tandem.signer.sign;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeyRef;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.TransportKey;
import org.tandem.keysync.hsm.WrappedKey;
import org.tandem.keysync.key.ZoneName;

/**
 * A real HSM with one fault injected into signing: it refuses, or returns a signature that does not
 * verify, when the signing input matches (e.g. the covered type). Models firmware or middleware that
 * cannot handle a record type (Restena 2025).
 */
final class FaultyHsm implements Hsm {
    private final Hsm real;
    private final Predicate<byte[]> refuse;
    private final Predicate<byte[]> corrupt;

    FaultyHsm(Hsm real, Predicate<byte[]> refuse, Predicate<byte[]> corrupt) {
        this.real = real;
        this.refuse = refuse;
        this.corrupt = corrupt;
    }

    @Override
    public byte[] sign(KeyRef key, byte[] data) throws HsmException {
        if (refuse.test(data)) {
            throw new HsmException(real.id(), "sign with key " + key + ": CKR_DATA_INVALID (injected)");
        }
        byte[] sig = real.sign(key, data);
        if (corrupt.test(data)) {
            sig[0] ^= 0x40;
        }
        return sig;
    }

    @Override
    public HsmId id() {
        return real.id();
    }

    @Override
    public List<HsmKey> list(ZoneName zone) throws HsmException {
        return real.list(zone);
    }

    @Override
    public HsmKey generate(KeySpec spec) throws HsmException {
        return real.generate(spec);
    }

    @Override
    public WrappedKey wrap(HsmKey key) throws HsmException {
        return real.wrap(key);
    }

    @Override
    public HsmKey unwrap(WrappedKey wrapped) throws HsmException {
        return real.unwrap(wrapped);
    }

    @Override
    public void delete(KeyRef key) throws HsmException {
        real.delete(key);
    }

    @Override
    public Optional<byte[]> kekCheckValue() throws HsmException {
        return real.kekCheckValue();
    }

    @Override
    public byte[] generateKek() throws HsmException {
        return real.generateKek();
    }

    @Override
    public TransportKey newTransportKey() throws HsmException {
        return real.newTransportKey();
    }

    @Override
    public byte[] exportKek(TransportKey transportKey) throws HsmException {
        return real.exportKek(transportKey);
    }

    @Override
    public byte[] importKek(TransportKey transportKey, byte[] wrappedKek, byte[] expectedCheckValue)
            throws HsmException {
        return real.importKek(transportKey, wrappedKek, expectedCheckValue);
    }

    @Override
    public void close() {
        // the real HSM is closed by whoever opened it
    }
}
