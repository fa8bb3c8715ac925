package org.tandem.signer.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.utils.base32;

/** The gate's own NSEC3 hashing and base32hex, against RFC 5155 Appendix A and dnsjava. */
class GateNsec3HashTest {
    static final byte[] RFC5155_SALT = HexFormat.of().parseHex("aabbccdd");

    @Test
    void hashesTheRfc5155AppendixANamesToTheirPublishedOwners() {
        // RFC 5155 Appendix A: hash 1, 12 additional iterations, salt aabbccdd
        Nsec3Hash h = new Nsec3Hash(12, RFC5155_SALT);

        assertThat(Nsec3Hash.base32hex(h.hash(Name.fromConstantString("example."))))
                .isEqualTo("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom");
        assertThat(Nsec3Hash.base32hex(h.hash(Name.fromConstantString("a.example."))))
                .isEqualTo("35mthgpgcu1qg68fab165klnsnk3dpvl");
        assertThat(Nsec3Hash.base32hex(h.hash(Name.fromConstantString("NS1.Example."))))
                .isEqualTo("2t7b4g4vsa5smi47k61mv5bv1a22bojr");
        assertThat(Nsec3Hash.base32hex(h.hash(Name.fromConstantString("*.w.example."))))
                .isEqualTo("r53bq7cc2uvmubfu5ocmm6pers9tk9en");
    }

    @Test
    void agreesWithDnsjavasHashOnRandomNames() throws NoSuchAlgorithmException {
        Random random = new Random(5155);
        base32 b32 = new base32(base32.Alphabet.BASE32HEX, false, true);
        for (int[] params : new int[][] {{0, 0}, {5, 4}}) {
            byte[] salt = new byte[params[1]];
            random.nextBytes(salt);
            NSEC3PARAMRecord dnsjava = new NSEC3PARAMRecord(Name.root, DClass.IN, 0, 1, 0, params[0], salt);
            Nsec3Hash gate = new Nsec3Hash(params[0], salt);
            for (int i = 0; i < 500; i++) {
                Name n = Name.fromConstantString(randomLabel(random) + "." + randomLabel(random) + ".Example.");
                byte[] expected = dnsjava.hashName(n);

                assertThat(gate.hash(n)).isEqualTo(expected);
                assertThat(Nsec3Hash.base32hex(expected)).isEqualTo(b32.toString(expected));
                assertThat(Nsec3Hash.fromBase32hex(b32.toString(expected).toUpperCase()))
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void theChainSearchByPrefixFindsWhatAFullBinarySearchFinds() {
        Random random = new Random(11);
        for (int round = 0; round < 200; round++) {
            // distinct sorted hashes, many sharing their first 8 bytes (as a forged chain could)
            TreeSet<byte[]> set = new TreeSet<>(Arrays::compareUnsigned);
            byte[] shared = new byte[20];
            random.nextBytes(shared);
            int size = random.nextInt(40);
            while (set.size() < size) {
                byte[] h = new byte[20];
                random.nextBytes(h);
                if (random.nextInt(3) == 0) {
                    System.arraycopy(shared, 0, h, 0, 8 + random.nextInt(12));
                }
                set.add(h);
            }
            byte[][] hashes = set.toArray(new byte[0][]);
            long[] prefixes = new long[hashes.length];
            for (int i = 0; i < hashes.length; i++) {
                prefixes[i] = DenialCheck.prefix(hashes[i]);
            }
            for (int probe = 0; probe < 60; probe++) {
                byte[] h;
                if (hashes.length > 0 && probe % 3 == 0) {
                    h = hashes[random.nextInt(hashes.length)].clone();
                } else {
                    h = new byte[20];
                    random.nextBytes(h);
                    if (probe % 3 == 1) {
                        System.arraycopy(shared, 0, h, 0, 8 + random.nextInt(12));
                    }
                }
                assertThat(DenialCheck.search(prefixes, hashes, h))
                        .isEqualTo(Arrays.binarySearch(hashes, h, Arrays::compareUnsigned));
            }
        }
    }

    @Test
    void refusesLabelsThatAreNotBase32hex() {
        assertThat(Nsec3Hash.fromBase32hex("0p9mhaveqvm6t7vbl5lop2u3t2rp3toz")).isNull();
        assertThat(Nsec3Hash.fromBase32hex("www")).isNull();
    }

    private static String randomLabel(Random random) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
        StringBuilder sb = new StringBuilder();
        int len = 1 + random.nextInt(20);
        for (int i = 0; i < len; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length() - (i == 0 ? 1 : 0))));
        }
        return sb.toString();
    }
}
