package org.tandem.signer.publish;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Options;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Formats records as zone-file lines, byte for byte what dnsjava's {@code Record.toString()} gives,
 * without its per-record garbage: the types a signed zone is mostly made of (NS, DS, RRSIG, NSEC3,
 * NSEC, DNSKEY, NSEC3PARAM, CNAME, A) are written straight into one growing byte buffer; every other
 * type, and every record while a dnsjava {@link Options} flag that changes the presentation format is
 * set ({@code multiline}, {@code BINDTTL}, {@code noPrintIN}), goes through {@code toString()}.
 *
 * <p>The output is ASCII (names and strings escape every byte outside 0x21–0x7e as dnsjava does), so a
 * byte is a character. One instance per thread: it keeps the last owner name and the last two
 * signature times it formatted, because consecutive records share them.
 */
final class ZoneText {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BASE64 =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BASE32HEX = "0123456789ABCDEFGHIJKLMNOPQRSTUV".getBytes(StandardCharsets.US_ASCII);
    private static final int CACHED_TYPES = 512;
    private static final byte[][] TYPE_NAMES = new byte[CACHED_TYPES][];
    private static final byte[] IN = (DClass.string(DClass.IN) + "\t").getBytes(StandardCharsets.US_ASCII);

    static {
        for (int t = 0; t < CACHED_TYPES; t++) {
            TYPE_NAMES[t] = Type.string(t).getBytes(StandardCharsets.US_ASCII);
        }
    }

    private byte[] buf;
    private int len;

    private Name lastOwner;
    private int lastOwnerLen;
    private byte[] lastOwnerText = new byte[0];

    private final long[] timeKey = {Long.MIN_VALUE, Long.MIN_VALUE};
    private final byte[][] timeText = new byte[2][];
    private int timeNext;

    ZoneText(int initialCapacity) {
        buf = new byte[Math.max(64, initialCapacity)];
    }

    /** True when no dnsjava option changes the presentation format, so the fast path may be used. */
    static boolean plainOptions() {
        return !Options.check("multiline") && !Options.check("BINDTTL") && !Options.check("noPrintIN");
    }

    /** The bytes written so far (a copy). */
    byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    int length() {
        return len;
    }

    /** One record and a newline; {@code fast} is {@link #plainOptions()}, checked once by the caller. */
    void line(Record r, boolean fast) {
        if (!fast || !record(r)) {
            ascii(r.toString());
        }
        put((byte) '\n');
    }

    /** The record as {@code r.toString()}, or false (nothing written) when it is not a fast-path type. */
    private boolean record(Record r) {
        if (r.getDClass() != DClass.IN) {
            return false;
        }
        int start = len;
        int type = r.getType();
        boolean done = switch (type) {
            case Type.NS,
                    Type.CNAME,
                    Type.A,
                    Type.DS,
                    Type.RRSIG,
                    Type.NSEC3,
                    Type.NSEC,
                    Type.DNSKEY,
                    Type.NSEC3PARAM -> {
                header(r);
                yield rdata(r);
            }
            default -> false;
        };
        if (!done) {
            len = start;
        }
        return done;
    }

    private void header(Record r) {
        int nameLen = owner(r.getName());
        if (nameLen < 8) {
            put((byte) '\t');
            nameLen++;
        }
        if (nameLen < 16) {
            put((byte) '\t');
        }
        put((byte) '\t');
        decimal(r.getTTL());
        put((byte) '\t');
        put(IN);
        type(r.getType());
    }

    private boolean rdata(Record r) {
        switch (r.getType()) {
            case Type.NS -> {
                put((byte) '\t');
                return name(((NSRecord) r).getTarget());
            }
            case Type.CNAME -> {
                put((byte) '\t');
                return name(((CNAMERecord) r).getTarget());
            }
            case Type.A -> {
                byte[] a = ((ARecord) r).getAddress().getAddress();
                put((byte) '\t');
                for (int i = 0; i < a.length; i++) {
                    if (i > 0) {
                        put((byte) '.');
                    }
                    decimal(a[i] & 0xFF);
                }
                return true;
            }
            case Type.DS -> {
                DSRecord ds = (DSRecord) r;
                put((byte) '\t');
                decimal(ds.getFootprint());
                put((byte) ' ');
                decimal(ds.getAlgorithm());
                put((byte) ' ');
                decimal(ds.getDigestID());
                if (ds.getDigest() != null) {
                    put((byte) ' ');
                    hex(ds.getDigest());
                }
                return true;
            }
            case Type.DNSKEY -> {
                DNSKEYRecord k = (DNSKEYRecord) r;
                put((byte) '\t');
                decimal(k.getFlags());
                put((byte) ' ');
                decimal(k.getProtocol());
                put((byte) ' ');
                decimal(k.getAlgorithm());
                if (k.getKey() != null) {
                    put((byte) ' ');
                    base64(k.getKey());
                }
                return true;
            }
            case Type.RRSIG -> {
                return rrsig((RRSIGRecord) r);
            }
            case Type.NSEC3 -> {
                NSEC3Record n = (NSEC3Record) r;
                put((byte) '\t');
                decimal(n.getHashAlgorithm());
                put((byte) ' ');
                decimal(n.getFlags());
                put((byte) ' ');
                decimal(n.getIterations());
                put((byte) ' ');
                salt(n.getSalt());
                put((byte) ' ');
                base32hex(n.getNext());
                types(n.getTypes());
                return true;
            }
            case Type.NSEC -> {
                NSECRecord n = (NSECRecord) r;
                put((byte) '\t');
                if (!name(n.getNext())) {
                    return false;
                }
                types(n.getTypes());
                return true;
            }
            case Type.NSEC3PARAM -> {
                NSEC3PARAMRecord p = (NSEC3PARAMRecord) r;
                put((byte) '\t');
                decimal(p.getHashAlgorithm());
                put((byte) ' ');
                decimal(p.getFlags());
                put((byte) ' ');
                decimal(p.getIterations());
                put((byte) ' ');
                salt(p.getSalt());
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private boolean rrsig(RRSIGRecord s) {
        put((byte) '\t');
        type(s.getTypeCovered());
        put((byte) ' ');
        decimal(s.getAlgorithm());
        put((byte) ' ');
        decimal(s.getLabels());
        put((byte) ' ');
        decimal(s.getOrigTTL());
        put((byte) ' ');
        if (!time(s.getExpire())) {
            return false;
        }
        put((byte) ' ');
        if (!time(s.getTimeSigned())) {
            return false;
        }
        put((byte) ' ');
        decimal(s.getFootprint());
        put((byte) ' ');
        if (!name(s.getSigner())) {
            return false;
        }
        put((byte) ' ');
        base64(s.getSignature());
        return true;
    }

    // ---------------------------------------------------------------- fields

    /**
     * Writes the owner name and returns its length; the previous owner's text is reused when the record
     * holds the same {@code Name} object (the signer shares one per owner). Not by {@code equals}: that
     * ignores case, and the text keeps it.
     */
    private int owner(Name name) {
        if (name == lastOwner) {
            put(lastOwnerText, 0, lastOwnerLen);
            return lastOwnerLen;
        }
        int from = len;
        if (!name(name)) {
            ascii(name.toString());
        }
        lastOwnerLen = len - from;
        if (lastOwnerText.length < lastOwnerLen) {
            lastOwnerText = new byte[Math.max(lastOwnerLen, 2 * lastOwnerText.length)];
        }
        System.arraycopy(buf, from, lastOwnerText, 0, lastOwnerLen);
        lastOwner = name;
        return lastOwnerLen;
    }

    /**
     * An absolute name as {@code Name.toString()} writes it; false (buffer unchanged up to the caller's
     * reset) for a relative name, which a record in a zone never holds.
     */
    private boolean name(Name name) {
        if (!name.isAbsolute()) {
            return false;
        }
        int labels = name.labels();
        if (labels == 1) {
            put((byte) '.');
            return true;
        }
        byte[] wire = name.toWire();
        int pos = 0;
        for (int label = 0; label < labels; label++) {
            int n = wire[pos] & 0xFF;
            if (n == 0) {
                put((byte) '.');
                break;
            }
            if (label > 0) {
                put((byte) '.');
            }
            ensure(4 * n);
            for (int i = pos + 1; i <= pos + n; i++) {
                int b = wire[i] & 0xFF;
                if (b <= 0x20 || b >= 0x7f) {
                    buf[len++] = '\\';
                    buf[len++] = (byte) ('0' + b / 100);
                    buf[len++] = (byte) ('0' + b / 10 % 10);
                    buf[len++] = (byte) ('0' + b % 10);
                } else if (b == '"' || b == '(' || b == ')' || b == '.' || b == ';' || b == '\\' || b == '@'
                        || b == '$') {
                    buf[len++] = '\\';
                    buf[len++] = (byte) b;
                } else {
                    buf[len++] = (byte) b;
                }
            }
            pos += 1 + n;
        }
        return true;
    }

    private void type(int type) {
        if (type >= 0 && type < CACHED_TYPES) {
            put(TYPE_NAMES[type]);
        } else {
            ascii(Type.string(type));
        }
    }

    private void types(int[] types) {
        for (int t : types) {
            put((byte) ' ');
            type(t);
        }
    }

    /** yyyyMMddHHmmss in UTC, as dnsjava's FormattedTime; false for a year that is not four digits. */
    private boolean time(Instant t) {
        long s = t.getEpochSecond();
        for (int i = 0; i < 2; i++) {
            if (timeKey[i] == s && t.getNano() == 0) {
                put(timeText[i]);
                return true;
            }
        }
        LocalDateTime d = LocalDateTime.ofEpochSecond(s, 0, ZoneOffset.UTC);
        int year = d.getYear();
        if (year < 1000 || year > 9999) {
            return false;
        }
        byte[] text = new byte[14];
        digits(text, 0, year, 4);
        digits(text, 4, d.getMonthValue(), 2);
        digits(text, 6, d.getDayOfMonth(), 2);
        digits(text, 8, d.getHour(), 2);
        digits(text, 10, d.getMinute(), 2);
        digits(text, 12, d.getSecond(), 2);
        if (t.getNano() == 0) {
            timeKey[timeNext] = s;
            timeText[timeNext] = text;
            timeNext ^= 1;
        }
        put(text);
        return true;
    }

    private static void digits(byte[] into, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            into[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    private void salt(byte[] salt) {
        if (salt == null) {
            put((byte) '-');
        } else {
            hex(salt);
        }
    }

    private void hex(byte[] b) {
        ensure(2 * b.length);
        for (byte x : b) {
            buf[len++] = HEX[(x >> 4) & 0xF];
            buf[len++] = HEX[x & 0xF];
        }
    }

    /** RFC 4648 base64 with padding, as dnsjava's base64.toString. */
    private void base64(byte[] b) {
        ensure((b.length + 2) / 3 * 4);
        int i = 0;
        for (; i + 2 < b.length; i += 3) {
            int v = (b[i] & 0xFF) << 16 | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF);
            buf[len++] = BASE64[v >>> 18];
            buf[len++] = BASE64[(v >>> 12) & 0x3F];
            buf[len++] = BASE64[(v >>> 6) & 0x3F];
            buf[len++] = BASE64[v & 0x3F];
        }
        int rest = b.length - i;
        if (rest == 1) {
            int v = (b[i] & 0xFF) << 16;
            buf[len++] = BASE64[v >>> 18];
            buf[len++] = BASE64[(v >>> 12) & 0x3F];
            buf[len++] = '=';
            buf[len++] = '=';
        } else if (rest == 2) {
            int v = (b[i] & 0xFF) << 16 | (b[i + 1] & 0xFF) << 8;
            buf[len++] = BASE64[v >>> 18];
            buf[len++] = BASE64[(v >>> 12) & 0x3F];
            buf[len++] = BASE64[(v >>> 6) & 0x3F];
            buf[len++] = '=';
        }
    }

    /** RFC 4648 base32 with the extended-hex alphabet, upper case, no padding (dnsjava's NSEC3 form). */
    private void base32hex(byte[] b) {
        ensure((b.length + 4) / 5 * 8);
        for (int i = 0; i < b.length; i += 5) {
            int block = Math.min(5, b.length - i);
            long v = 0;
            for (int j = 0; j < 5; j++) {
                v = v << 8 | (j < block ? b[i + j] & 0xFF : 0);
            }
            int chars = (block * 8 + 4) / 5;
            for (int j = 0; j < chars; j++) {
                buf[len++] = BASE32HEX[(int) (v >>> (35 - 5 * j)) & 0x1F];
            }
        }
    }

    // ---------------------------------------------------------------- buffer

    private void decimal(long v) {
        if (v < 0) {
            ascii(Long.toString(v));
            return;
        }
        ensure(20);
        if (v == 0) {
            buf[len++] = '0';
            return;
        }
        int end = len + digitCount(v);
        int at = end;
        while (v > 0) {
            buf[--at] = (byte) ('0' + v % 10);
            v /= 10;
        }
        len = end;
    }

    private static int digitCount(long v) {
        int n = 0;
        while (v > 0) {
            n++;
            v /= 10;
        }
        return n;
    }

    private void ascii(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        put(b);
    }

    private void put(byte b) {
        ensure(1);
        buf[len++] = b;
    }

    private void put(byte[] b) {
        put(b, 0, b.length);
    }

    private void put(byte[] b, int from, int n) {
        ensure(n);
        System.arraycopy(b, from, buf, len, n);
        len += n;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(len + more, 2 * buf.length));
        }
    }
}
