package org.tandem.signer.gate;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import com.amazon.corretto.crypto.provider.RuntimeCryptoException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signature verification for the gate: decodes DNSKEY public keys from their RDATA (RFC 3110,
 * RFC 6605, RFC 8080) and verifies raw DNSSEC signatures with JCA provider instances held here, not
 * with whatever the global provider list says.
 *
 * <p>RSA and ECDSA go to the Amazon Corretto Crypto Provider (AWS-LC, native on Linux x86-64 and
 * aarch64, about 20 times SunEC's ECDSA verify rate); ECDSA uses its IEEE P1363 signature variants,
 * which take the raw r‖s of RFC 6605 §4 as is. Where ACCP cannot load, RSA falls back to SunRsaSign
 * and ECDSA to SunEC, with one warning in the log. EdDSA (algorithms 15, 16) always uses SunEC, as
 * ACCP 2.4.1 has no EdDSA.
 *
 * <p>Thread safety: a {@code GateCrypto} and the keys it decodes are immutable and shared; each
 * thread verifies through its own {@link Verifier}.
 */
final class GateCrypto {
    private static final Logger LOG = LoggerFactory.getLogger(GateCrypto.class);

    /** The DNSSEC algorithms the gate verifies (RFC 8624 §3.1 validation column). */
    enum Algorithm {
        RSASHA1(5, "SHA1withRSA", 0, 0),
        RSASHA1_NSEC3_SHA1(7, "SHA1withRSA", 0, 0),
        RSASHA256(8, "SHA256withRSA", 0, 0),
        RSASHA512(10, "SHA512withRSA", 0, 0),
        ECDSAP256SHA256(13, "SHA256withECDSAinP1363Format", 32, 64),
        ECDSAP384SHA384(14, "SHA384withECDSAinP1363Format", 48, 96),
        ED25519(15, "Ed25519", 32, 64),
        ED448(16, "Ed448", 57, 114);

        final int number;
        final String jcaSignature;
        /** Field size in bytes for ECDSA, key size for EdDSA, 0 for RSA. */
        final int size;
        /** Signature length in bytes, 0 for RSA (the modulus length). */
        final int signatureLength;

        Algorithm(int number, String jcaSignature, int size, int signatureLength) {
            this.number = number;
            this.jcaSignature = jcaSignature;
            this.size = size;
            this.signatureLength = signatureLength;
        }

        boolean isRsa() {
            return size == 0;
        }

        boolean isEcdsa() {
            return this == ECDSAP256SHA256 || this == ECDSAP384SHA384;
        }

        /** The algorithm with this DNSSEC number, or null if the gate cannot verify it. */
        static Algorithm of(int number) {
            for (Algorithm a : values()) {
                if (a.number == number) {
                    return a;
                }
            }
            return null;
        }
    }

    // DER SubjectPublicKeyInfo headers, followed by the uncompressed point 04|x|y or the raw EdDSA key
    private static final byte[] P256_SPKI =
            HexFormat.of().parseHex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
    private static final byte[] P384_SPKI = HexFormat.of().parseHex("3076301006072a8648ce3d020106052b81040022036200");
    private static final byte[] ED25519_SPKI = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final byte[] ED448_SPKI = HexFormat.of().parseHex("3043300506032b6571033a00");

    private final Provider rsa;
    private final Provider ecdsa;
    private final Provider eddsa;

    GateCrypto(Provider rsa, Provider ecdsa, Provider eddsa) {
        this.rsa = Objects.requireNonNull(rsa, "rsa");
        this.ecdsa = Objects.requireNonNull(ecdsa, "ecdsa");
        this.eddsa = Objects.requireNonNull(eddsa, "eddsa");
    }

    /** ACCP for RSA and ECDSA when it loads and passes its self tests, else the JDK (one warning). */
    static GateCrypto preferred() {
        return Holder.PREFERRED;
    }

    /** The JDK's own providers only (SunRsaSign, SunEC): the fallback, and a cross-check in tests. */
    static GateCrypto jdk() {
        Provider sunEc = jdkProvider("SunEC");
        return new GateCrypto(jdkProvider("SunRsaSign"), sunEc, sunEc);
    }

    private static final class Holder {
        static final GateCrypto PREFERRED = loadPreferred();
    }

    private static GateCrypto loadPreferred() {
        Provider accp;
        try {
            AmazonCorrettoCryptoProvider p = AmazonCorrettoCryptoProvider.INSTANCE;
            if (p.getLoadingError() != null) {
                LOG.warn(
                        "event=gate-crypto-fallback provider=SunEC reason=\"ACCP native library did not load: {}\""
                                + " verification will be about 20 times slower",
                        p.getLoadingError().toString());
                return jdk();
            }
            p.assertHealthy();
            accp = p;
        } catch (LinkageError | RuntimeCryptoException e) {
            LOG.warn(
                    "event=gate-crypto-fallback provider=SunEC reason=\"ACCP unavailable: {}\""
                            + " verification will be about 20 times slower",
                    e.toString());
            return jdk();
        }
        return new GateCrypto(accp, accp, jdkProvider("SunEC"));
    }

    private static Provider jdkProvider(String name) {
        Provider p = Security.getProvider(name);
        if (p == null) {
            throw new IllegalStateException("JDK provider " + name + " missing: the gate cannot verify signatures");
        }
        return p;
    }

    /** For logs: which provider verifies what. */
    String description() {
        return "RSA=" + rsa.getName() + " ECDSA=" + ecdsa.getName() + " EdDSA=" + eddsa.getName();
    }

    private Provider provider(Algorithm a) {
        if (a.isRsa()) {
            return rsa;
        }
        return a.isEcdsa() ? ecdsa : eddsa;
    }

    /**
     * Decodes the public key field of a DNSKEY of this algorithm and checks that the provider
     * accepts it for verification.
     *
     * @throws GeneralSecurityException naming what is wrong with the key
     */
    PublicKey decode(Algorithm a, byte[] key) throws GeneralSecurityException {
        Provider p = provider(a);
        PublicKey pk;
        switch (a) {
            case ECDSAP256SHA256:
            case ECDSAP384SHA384: {
                // RFC 6605 §4: x | y, each the field size, big-endian
                if (key.length != 2 * a.size) {
                    throw new InvalidKeySpecException(
                            "ECDSA public key must be " + 2 * a.size + " bytes, got " + key.length);
                }
                byte[] header = a == Algorithm.ECDSAP256SHA256 ? P256_SPKI : P384_SPKI;
                byte[] spki = Arrays.copyOf(header, header.length + 1 + key.length);
                spki[header.length] = 0x04;
                System.arraycopy(key, 0, spki, header.length + 1, key.length);
                pk = KeyFactory.getInstance("EC", p).generatePublic(new X509EncodedKeySpec(spki));
                break;
            }
            case ED25519:
            case ED448: {
                // RFC 8080 §3: the raw public key
                if (key.length != a.size) {
                    throw new InvalidKeySpecException(
                            "EdDSA public key must be " + a.size + " bytes, got " + key.length);
                }
                byte[] header = a == Algorithm.ED25519 ? ED25519_SPKI : ED448_SPKI;
                byte[] spki = Arrays.copyOf(header, header.length + key.length);
                System.arraycopy(key, 0, spki, header.length, key.length);
                pk = KeyFactory.getInstance(a == Algorithm.ED25519 ? "Ed25519" : "Ed448", p)
                        .generatePublic(new X509EncodedKeySpec(spki));
                break;
            }
            default:
                pk = KeyFactory.getInstance("RSA", p).generatePublic(rsaSpec(key));
        }
        Signature s = Signature.getInstance(a.jcaSignature, p);
        s.initVerify(pk);
        return pk;
    }

    /** RFC 3110 §2: exponent length (1 octet, or 0 then 2 octets), exponent, modulus. */
    private static RSAPublicKeySpec rsaSpec(byte[] key) throws InvalidKeySpecException {
        if (key.length < 3) {
            throw new InvalidKeySpecException("RSA public key too short: " + key.length + " bytes");
        }
        int expLen = key[0] & 0xff;
        int pos = 1;
        if (expLen == 0) {
            expLen = ((key[1] & 0xff) << 8) | (key[2] & 0xff);
            pos = 3;
        }
        if (expLen == 0 || pos + expLen >= key.length) {
            throw new InvalidKeySpecException("RSA public key: exponent length " + expLen + " leaves no modulus");
        }
        BigInteger exponent = new BigInteger(1, Arrays.copyOfRange(key, pos, pos + expLen));
        BigInteger modulus = new BigInteger(1, Arrays.copyOfRange(key, pos + expLen, key.length));
        return new RSAPublicKeySpec(modulus, exponent);
    }

    Verifier verifier() {
        return new Verifier();
    }

    /** One thread's Signature instances, one per algorithm. Not thread-safe. */
    final class Verifier {
        private final Signature[] signatures = new Signature[Algorithm.values().length];

        /**
         * Verifies a DNSSEC signature (raw r‖s for ECDSA, RFC 6605 §4) over {@code data[0..len)}.
         * A signature of the wrong length or encoding does not verify.
         */
        boolean verify(Algorithm a, PublicKey key, byte[] data, int len, byte[] signature) {
            if (a.signatureLength != 0 && signature.length != a.signatureLength) {
                return false;
            }
            Signature s = signatures[a.ordinal()];
            try {
                if (s == null) {
                    s = Signature.getInstance(a.jcaSignature, provider(a));
                    signatures[a.ordinal()] = s;
                }
                s.initVerify(key);
                s.update(data, 0, len);
                return s.verify(signature);
            } catch (SignatureException e) {
                // malformed signature encoding: it does not verify
                signatures[a.ordinal()] = null;
                return false;
            } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                // keys were decoded and tried with this provider when the DNSKEY RRset was read
                throw new IllegalStateException("provider " + provider(a).getName() + " rejected " + a, e);
            }
        }
    }
}
