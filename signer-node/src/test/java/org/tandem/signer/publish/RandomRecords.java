package org.tandem.signer.publish;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CDNSKEYRecord;
import org.xbill.DNS.CDSRecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * Random records of every type a signed zone holds, for the zone-text writer's and reader's tests: kinds
 * 0–12 as {@link #record} lists them (12 and above 15: an NS naming its own owner), 13 SOA, 14 CDNSKEY,
 * 15 CDS.
 */
public final class RandomRecords {
    /** The kinds {@code ZoneLines} reads itself (all but TXT and an unknown type). */
    public static final int KINDS = 16;

    private final boolean plain;

    private RandomRecords(boolean plain) {
        this.plain = plain;
    }

    /** Names with escapes and binary bytes. */
    public static RandomRecords escaped() {
        return new RandomRecords(false);
    }

    /** Names of letters, digits, hyphens and underscores only. */
    public static RandomRecords plain() {
        return new RandomRecords(true);
    }

    /** Whether {@code kind} is TXT or an unknown type, which have no fast path. */
    public static boolean slowKind(int kind) {
        return kind == 9 || kind == 10;
    }

    public Record record(Random r, int kind) throws Exception {
        Name owner = randomName(r);
        long ttl = r.nextInt(5) == 0 ? 0 : r.nextInt(Integer.MAX_VALUE);
        return switch (kind) {
            case 0 -> new NSRecord(owner, DClass.IN, ttl, randomName(r));
            case 1 -> randomDs(r, owner, ttl);
            case 2 ->
                new RRSIGRecord(
                        owner,
                        DClass.IN,
                        ttl,
                        randomType(r),
                        r.nextInt(256),
                        r.nextInt(Integer.MAX_VALUE),
                        Instant.ofEpochSecond(r.nextLong(0, 0xFFFFFFFFL)),
                        Instant.ofEpochSecond(r.nextLong(0, 0xFFFFFFFFL)),
                        r.nextInt(65536),
                        randomName(r),
                        nonEmptyBytes(r, 140));
            case 3 ->
                new NSEC3Record(
                        owner,
                        DClass.IN,
                        ttl,
                        r.nextInt(256),
                        r.nextInt(256),
                        r.nextInt(65536),
                        r.nextBoolean() ? null : nonEmptyBytes(r, 12),
                        nonEmptyBytes(r, 40),
                        randomTypes(r));
            case 4 -> new NSECRecord(owner, DClass.IN, ttl, randomName(r), randomTypes(r));
            case 5 ->
                new DNSKEYRecord(owner, DClass.IN, ttl, r.nextInt(65536), 3, r.nextInt(256), nonEmptyBytes(r, 100));
            case 6 ->
                new NSEC3PARAMRecord(
                        owner,
                        DClass.IN,
                        ttl,
                        r.nextInt(256),
                        r.nextInt(256),
                        r.nextInt(65536),
                        r.nextBoolean() ? null : nonEmptyBytes(r, 8));
            case 7 -> new CNAMERecord(owner, DClass.IN, ttl, randomName(r));
            case 8 -> new ARecord(owner, DClass.IN, ttl, InetAddress.getByAddress(bytesOf(r, 4)));
            case 9 -> new TXTRecord(owner, DClass.IN, ttl, List.of(escapes(bytesOf(r, r.nextInt(20)))));
            case 10 -> Record.newRecord(owner, 1000 + r.nextInt(64000), DClass.IN, ttl, bytes(r, 30));
            case 11 -> new AAAARecord(owner, DClass.IN, ttl, InetAddress.getByAddress(bytesOf(r, 16)));
            case 13 ->
                new SOARecord(
                        owner,
                        DClass.IN,
                        ttl,
                        randomName(r),
                        randomName(r),
                        r.nextLong(0, 0x100000000L),
                        r.nextLong(0, 0x100000000L),
                        r.nextLong(0, 0x100000000L),
                        r.nextLong(0, 0x100000000L),
                        r.nextLong(0, 0x100000000L));
            case 14 ->
                new CDNSKEYRecord(owner, DClass.IN, ttl, r.nextInt(65536), 3, r.nextInt(256), nonEmptyBytes(r, 100));
            case 15 -> {
                DSRecord ds = (DSRecord) randomDs(r, owner, ttl);
                yield new CDSRecord(
                        owner, DClass.IN, ttl, ds.getFootprint(), ds.getAlgorithm(), ds.getDigestID(), ds.getDigest());
            }
            default -> new NSRecord(owner, DClass.IN, ttl, owner);
        };
    }

    /** A DS with a digest of the right length for SHA-1, SHA-256 or SHA-384, or of any length for type 250. */
    private Record randomDs(Random r, Name owner, long ttl) {
        int[][] digests = {{1, 20}, {2, 32}, {4, 48}, {250, -1}};
        int[] d = digests[r.nextInt(digests.length)];
        byte[] digest = d[1] < 0 ? nonEmptyBytes(r, 64) : bytesOf(r, d[1]);
        return new DSRecord(owner, DClass.IN, ttl, r.nextInt(65536), r.nextInt(256), d[0], digest);
    }

    /**
     * A name of 1–4 labels (often the root): of letters, digits, hyphens and underscores in mixed case
     * when plain, else with printable, escaped and binary bytes in mixed case.
     */
    Name randomName(Random r) throws Exception {
        if (r.nextInt(20) == 0) {
            return Name.root;
        }
        if (plain) {
            byte[] letters = "aZbY09-_".getBytes(StandardCharsets.US_ASCII);
            StringBuilder text = new StringBuilder();
            int labels = 1 + r.nextInt(4);
            for (int l = 0; l < labels; l++) {
                int n = 1 + r.nextInt(r.nextInt(10) == 0 ? 63 : 12);
                for (int i = 0; i < n; i++) {
                    text.append((char) letters[r.nextInt(letters.length)]);
                }
                text.append('.');
            }
            return Name.fromString(text.toString());
        }
        byte[] alphabet = "aZ09-_.;()@$\"\\ *".getBytes(StandardCharsets.US_ASCII);
        StringBuilder text = new StringBuilder();
        int labels = 1 + r.nextInt(4);
        for (int l = 0; l < labels; l++) {
            int n = 1 + r.nextInt(r.nextInt(10) == 0 ? 63 : 12);
            for (int i = 0; i < n; i++) {
                int b = r.nextInt(4) == 0 ? r.nextInt(256) : alphabet[r.nextInt(alphabet.length)];
                text.append('\\').append(String.format("%03d", b));
            }
            text.append('.');
        }
        return Name.fromString(text.toString());
    }

    private static int randomType(Random r) {
        int[] common = {Type.NS, Type.DS, Type.SOA, Type.DNSKEY, Type.NSEC3, Type.NSEC3PARAM, Type.A, Type.TXT};
        return r.nextBoolean() ? common[r.nextInt(common.length)] : 1 + r.nextInt(65535);
    }

    private static int[] randomTypes(Random r) {
        TreeSet<Integer> types = new TreeSet<>();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            types.add(randomType(r));
        }
        return types.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The bytes as \\DDD escapes, which TXTRecord's constructor decodes. */
    private static String escapes(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append('\\').append(String.format("%03d", x & 0xFF));
        }
        return s.toString();
    }

    private static byte[] bytes(Random r, int max) {
        return bytesOf(r, r.nextInt(max + 1));
    }

    private static byte[] nonEmptyBytes(Random r, int max) {
        return bytesOf(r, 1 + r.nextInt(max));
    }

    private static byte[] bytesOf(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }
}
