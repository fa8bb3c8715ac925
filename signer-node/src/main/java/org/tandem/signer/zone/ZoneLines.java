package org.tandem.signer.zone;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSOutput;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.utils.base32;

/**
 * Reads zone-file lines of the plain form {@code ZoneText} writes (and most signers write) straight from
 * bytes into records, the reading twin of the publisher's {@code ZoneText}: one record per line as {@code owner TTL
 * [IN] TYPE RDATA} (or {@code owner [IN] [TTL] TYPE RDATA}, the TTL then {@code $TTL}'s or the last
 * record's, as {@code Master} takes it), for SOA, A, AAAA, NS, CNAME, DS, CDS, DNSKEY, CDNSKEY, RRSIG, NSEC, NSEC3 and
 * NSEC3PARAM. Each line gives the record dnsjava's {@code Master} gives for it: names through dnsjava's
 * own {@link Name#fromString(String, Name)}, addresses through its {@link Address}, and every other record
 * built from its wire form by {@link Record#newRecord(Name, int, int, long, byte[])} (NS and CNAME by their
 * constructors), with the checks {@code Master} makes on the text (a DS digest's length for its type).
 *
 * <p>Anything outside that form makes {@link #parse} answer null, and the caller reads the same bytes
 * with dnsjava's {@code Master}, which also gives the error message with the line: another type or
 * class, a line without its own owner, a TTL with units, a first record without any TTL, an algorithm
 * mnemonic, a quote, parenthesis, comment or backslash anywhere on the line, a byte outside printable
 * ASCII, a field count other than the type's. A record that {@code Master} would refuse is therefore
 * never accepted here.
 *
 * <p>It keeps the last owner's and the last signer's {@link Name} (consecutive lines share them, and so
 * do the records, which saves memory), and up to {@value #TARGET_CACHE} NS/CNAME targets. One instance
 * per thread.
 */
public final class ZoneLines {
    private static final int TARGET_CACHE = 1 << 14;
    private static final int MAX_FIELDS = 64;
    private static final base32 BASE32HEX = new base32(base32.Alphabet.BASE32HEX, false, false);
    /** The packed mnemonics of types 0–1023 and 32768–32769 that dnsjava names, each to its type. */
    private static final Map<Long, Integer> TYPES = new HashMap<>();

    static {
        for (int t = 0; t < 65536; t = t == 1023 ? 32768 : t == 32769 ? 65536 : t + 1) {
            byte[] name = Type.string(t).getBytes(StandardCharsets.US_ASCII);
            long key = packed(name, 0, name.length);
            if (key >= 0 && Type.value(Type.string(t)) == t) {
                TYPES.put(key, t);
            }
        }
    }

    private Name origin;
    /** {@code $TTL}'s value, or -1; then the TTL of the last record, or -1 before the first. */
    private long defaultTtl = -1;

    private long lastTtl = -1;
    private final int[] start = new int[MAX_FIELDS];
    private final int[] end = new int[MAX_FIELDS];
    private int fields;
    private byte[] line = new byte[256];

    private byte[] lastOwnerText = new byte[0];
    private Name lastOwner;
    private String lastSignerText;
    private Name lastSigner;
    private final Map<String, Name> targets = new HashMap<>();
    private final DNSOutput wire = new DNSOutput(512);

    public ZoneLines(Name origin) {
        this.origin = origin;
    }

    /**
     * A reader for a later run of lines of the same file, parsed on another thread: the {@code $ORIGIN} and
     * {@code $TTL} in force now, nothing of the lines read so far (a line without a TTL and no {@code
     * $TTL} then is not plain to it).
     */
    public ZoneLines forBlock() {
        ZoneLines other = new ZoneLines(origin);
        other.defaultTtl = defaultTtl;
        return other;
    }

    /** Sets the TTL of the last record read: the last of a run of lines another reader read. */
    public void lastTtl(long ttl) {
        lastTtl = ttl;
    }

    /** The records of {@code part}'s lines in order, or null when a line is not of the plain form. */
    public static List<Record> parse(ByteBuffer part, Name origin) {
        return new ZoneLines(origin).records(part);
    }

    private List<Record> records(ByteBuffer part) {
        List<Record> out = new ArrayList<>(part.remaining() / 90);
        int size = part.limit();
        int p = part.position();
        while (p < size) {
            int e = p;
            while (e < size && part.get(e) != '\n') {
                e++;
            }
            int n = e - p;
            if (n > line.length) {
                line = new byte[Math.max(n, 2 * line.length)];
            }
            part.get(p, line, 0, n);
            if (!skipped(line, n)) {
                Record r = record(n);
                if (r == null) {
                    return null;
                }
                out.add(r);
            }
            p = e + 1;
        }
        return out;
    }

    /**
     * Whether {@code Master} skips the line {@code text[0..n)} (without its line break): blanks only, or a
     * comment ({@code ;} first after any blanks).
     */
    public static boolean skipped(byte[] text, int n) {
        return skipped(text, 0, n);
    }

    /** As {@link #skipped(byte[], int)} for the line {@code text[from..from + n)}. */
    public static boolean skipped(byte[] text, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (text[i] != ' ' && text[i] != '\t') {
                return text[i] == ';';
            }
        }
        return true;
    }

    /**
     * Reads the directive line {@code text[0..n)} as the zone loader does: {@code $ORIGIN name} (a relative
     * name is relative to the current origin, as in BIND) or {@code $TTL seconds}; false for any other
     * directive or form ({@code $INCLUDE}, {@code $GENERATE}, a TTL with units, a comment after it), which
     * the caller then leaves to the tokenizer.
     */
    public boolean directive(byte[] text, int n) throws TextParseException {
        return directive(text, 0, n);
    }

    /** As {@link #directive(byte[], int)} for the line {@code text[from..from + n)}. */
    public boolean directive(byte[] text, int from, int n) throws TextParseException {
        if (n > line.length) {
            line = new byte[n];
        }
        System.arraycopy(text, from, line, 0, n);
        if (!split(n) || fields != 2 || start[0] != 0) {
            return false;
        }
        if (is(0, "$TTL")) {
            long ttl = number(1, 0x7fffffffL);
            if (ttl < 0) {
                return false;
            }
            defaultTtl = ttl;
            return true;
        }
        if (is(0, "$ORIGIN")) {
            origin = Name.fromString(text(1), origin);
            lastOwner = null;
            lastSigner = null;
            lastSignerText = null;
            targets.clear();
            return true;
        }
        return false;
    }

    /** The record of one line (without its line break), or null when it is not of the plain form. */
    public Record record(byte[] text) {
        return record(text, text.length);
    }

    /** The record of the line {@code text[0..n)} (without its line break), or null when it is not plain. */
    public Record record(byte[] text, int n) {
        return record(text, 0, n);
    }

    /** The record of the line {@code text[from..from + n)}, or null when it is not plain. */
    public Record record(byte[] text, int from, int n) {
        if (n > line.length) {
            line = new byte[n];
        }
        System.arraycopy(text, from, line, 0, n);
        return record(n);
    }

    /** The record of {@code line[0..n)}, or null when it is not of the plain form. */
    private Record record(int n) {
        if (!split(n) || fields < 3 || start[0] != 0) {
            return null;
        }
        if (line[0] == '$') {
            return null;
        }
        // [TTL] [IN] TYPE or IN TTL TYPE, as Master: a missing TTL is $TTL's, else the last record's
        int f = 1;
        boolean in = is(f, "IN");
        if (in) {
            f++;
        }
        long ttl = -1;
        if (f < fields && line[start[f]] >= '0' && line[start[f]] <= '9') {
            ttl = number(f, 0x7fffffffL);
            if (ttl < 0) {
                return null;
            }
            f++;
        }
        if (!in && f < fields && is(f, "IN")) {
            f++;
        }
        if (ttl < 0) {
            ttl = defaultTtl >= 0 ? defaultTtl : lastTtl;
        }
        if (ttl < 0 || f >= fields) {
            return null; // an SOA without any TTL takes its MINIMUM: Master's rule, left to it
        }
        int type = type(f);
        f++;
        try {
            Name owner = owner();
            if (owner == null) {
                return null;
            }
            Record record = switch (type) {
                case Type.A -> address(owner, ttl, f, Address.IPv4, Type.A);
                case Type.AAAA -> address(owner, ttl, f, Address.IPv6, Type.AAAA);
                case Type.NS -> fields == f + 1 ? nameRecord(owner, ttl, f, true) : null;
                case Type.CNAME -> fields == f + 1 ? nameRecord(owner, ttl, f, false) : null;
                case Type.DS, Type.CDS -> numbersThenBytes(owner, ttl, type, f, true);
                case Type.DNSKEY, Type.CDNSKEY -> numbersThenBytes(owner, ttl, type, f, false);
                case Type.RRSIG -> rrsig(owner, ttl, f);
                case Type.NSEC -> nsec(owner, ttl, f);
                case Type.NSEC3 -> nsec3(owner, ttl, f);
                case Type.NSEC3PARAM -> nsec3param(owner, ttl, f);
                case Type.SOA -> soa(owner, ttl, f);
                default -> null;
            };
            if (record != null) {
                lastTtl = ttl;
            }
            return record;
        } catch (TextParseException | IllegalArgumentException e) {
            return null; // dnsjava's Master reads the line again and names what is wrong with it
        }
    }

    /** Splits the line at spaces and tabs; false when it holds a byte the plain form never has. */
    private boolean split(int n) {
        fields = 0;
        int i = 0;
        while (i < n) {
            byte b = line[i];
            if (b == ' ' || b == '\t') {
                i++;
                continue;
            }
            if (fields == MAX_FIELDS) {
                return false;
            }
            start[fields] = i;
            while (i < n && line[i] != ' ' && line[i] != '\t') {
                byte c = line[i];
                if (c <= 0x20 || c >= 0x7f || c == '"' || c == '(' || c == ')' || c == ';' || c == '\\') {
                    return false;
                }
                i++;
            }
            end[fields++] = i;
        }
        return true;
    }

    private Name owner() throws TextParseException {
        int len = end[0];
        if (lastOwner != null && Arrays.equals(line, 0, len, lastOwnerText, 0, lastOwnerText.length)) {
            return lastOwner;
        }
        Name name = Name.fromString(text(0), origin);
        if (!name.isAbsolute()) {
            return null;
        }
        lastOwner = name;
        lastOwnerText = Arrays.copyOf(line, len);
        return name;
    }

    private Record address(Name owner, long ttl, int f, int family, int type) {
        if (fields != f + 1) {
            return null;
        }
        byte[] address = Address.toByteArray(text(f), family);
        return address == null ? null : Record.newRecord(owner, type, DClass.IN, ttl, address);
    }

    private Record nameRecord(Name owner, long ttl, int f, boolean ns) throws TextParseException {
        String text = text(f);
        Name target = targets.get(text);
        if (target == null) {
            target = Name.fromString(text, origin);
            if (!target.isAbsolute()) {
                return null;
            }
            if (targets.size() == TARGET_CACHE) {
                targets.clear();
            }
            targets.put(text, target);
        }
        return ns ? new NSRecord(owner, DClass.IN, ttl, target) : new CNAMERecord(owner, DClass.IN, ttl, target);
    }

    /**
     * DS and CDS ({@code digest}: the bytes in hex, of the length the digest type has) or DNSKEY and
     * CDNSKEY (the key in base64): a 16-bit and two 8-bit numbers, then the bytes.
     */
    private Record numbersThenBytes(Name owner, long ttl, int type, int f, boolean digest) {
        if (fields < f + 4) {
            return null;
        }
        long first = number(f, 0xffff);
        long second = number(f + 1, 0xff);
        long third = number(f + 2, 0xff);
        byte[] bytes = digest ? hex(f + 3, fields) : base64(f + 3, fields);
        if (first < 0 || second < 0 || third < 0 || bytes == null) {
            return null;
        }
        if (digest) {
            int length = DNSSEC.Digest.algLength((int) third);
            if (length >= 0 && length != bytes.length) {
                return null; // Master refuses a digest of the wrong length for its type
            }
        }
        wire.jump(0);
        wire.writeU16((int) first);
        wire.writeU8((int) second);
        wire.writeU8((int) third);
        wire.writeByteArray(bytes);
        return fromWire(owner, type, ttl);
    }

    private Record rrsig(Name owner, long ttl, int f) throws TextParseException {
        if (fields < f + 9) {
            return null;
        }
        int covered = type(f);
        long alg = number(f + 1, 0xff);
        long labels = number(f + 2, 0xff);
        long originalTtl = number(f + 3, 0x7fffffffL);
        long expiration = time(f + 4);
        long inception = time(f + 5);
        long tag = number(f + 6, 0xffff);
        Name signer = signer(f + 7);
        byte[] signature = base64(f + 8, fields);
        if (covered < 0
                || alg < 0
                || labels < 0
                || originalTtl < 0
                || expiration < 0
                || inception < 0
                || tag < 0
                || signer == null
                || signature == null) {
            return null;
        }
        wire.jump(0);
        wire.writeU16(covered);
        wire.writeU8((int) alg);
        wire.writeU8((int) labels);
        wire.writeU32(originalTtl);
        wire.writeU32(expiration);
        wire.writeU32(inception);
        wire.writeU16((int) tag);
        signer.toWire(wire, null);
        wire.writeByteArray(signature);
        return fromWire(owner, Type.RRSIG, ttl);
    }

    private Record nsec(Name owner, long ttl, int f) throws TextParseException {
        if (fields < f + 1) {
            return null;
        }
        Name next = Name.fromString(text(f), origin);
        if (!next.isAbsolute()) {
            return null;
        }
        wire.jump(0);
        next.toWire(wire, null);
        return typeBitmap(f + 1) ? fromWire(owner, Type.NSEC, ttl) : null;
    }

    private Record nsec3(Name owner, long ttl, int f) {
        if (fields < f + 5 || !hashParameters(f)) {
            return null;
        }
        byte[] next = nextHash(f + 4);
        if (next == null) {
            return null;
        }
        wire.writeCountedString(next);
        return typeBitmap(f + 5) ? fromWire(owner, Type.NSEC3, ttl) : null;
    }

    private Record nsec3param(Name owner, long ttl, int f) {
        return fields == f + 4 && hashParameters(f) ? fromWire(owner, Type.NSEC3PARAM, ttl) : null;
    }

    /**
     * Starts the wire form with the NSEC3 hash parameters of fields {@code f..f+3} (algorithm, flags,
     * iterations, salt) as NSEC3 and NSEC3PARAM begin; false when one is not valid.
     */
    private boolean hashParameters(int f) {
        long hash = number(f, 0xff);
        long flags = number(f + 1, 0xff);
        long iterations = number(f + 2, 0xffff);
        byte[] salt = salt(f + 3);
        if (hash < 0 || flags < 0 || iterations < 0 || salt == null) {
            return false;
        }
        wire.jump(0);
        wire.writeU8((int) hash);
        wire.writeU8((int) flags);
        wire.writeU16((int) iterations);
        wire.writeCountedString(salt);
        return true;
    }

    private Record soa(Name owner, long ttl, int f) throws TextParseException {
        if (fields != f + 7) {
            return null;
        }
        Name host = Name.fromString(text(f), origin);
        Name admin = Name.fromString(text(f + 1), origin);
        if (!host.isAbsolute() || !admin.isAbsolute()) {
            return null;
        }
        wire.jump(0);
        host.toWire(wire, null);
        admin.toWire(wire, null);
        for (int i = f + 2; i < f + 7; i++) {
            long v = number(i, 0xffffffffL);
            if (v < 0) {
                return null;
            }
            wire.writeU32(v);
        }
        return fromWire(owner, Type.SOA, ttl);
    }

    private Record fromWire(Name owner, int type, long ttl) {
        return Record.newRecord(owner, type, DClass.IN, ttl, wire.toByteArray());
    }

    /** The types of fields {@code from..} as an RFC 4034 §4.1.2 type bitmap; false for an unknown type. */
    private boolean typeBitmap(int from) {
        TreeSet<Integer> types = new TreeSet<>();
        for (int f = from; f < fields; f++) {
            int t = type(f);
            if (t < 0) {
                return false;
            }
            types.add(t);
        }
        int window = -1;
        byte[] bits = new byte[32];
        int used = 0;
        for (int t : types) {
            if (t >> 8 != window) {
                writeWindow(window, bits, used);
                window = t >> 8;
                Arrays.fill(bits, (byte) 0);
                used = 0;
            }
            int low = t & 0xff;
            bits[low >> 3] |= (byte) (0x80 >> (low & 7));
            used = (low >> 3) + 1;
        }
        writeWindow(window, bits, used);
        return true;
    }

    private void writeWindow(int window, byte[] bits, int used) {
        if (window >= 0) {
            wire.writeU8(window);
            wire.writeU8(used);
            wire.writeByteArray(bits, 0, used);
        }
    }

    private Name signer(int f) throws TextParseException {
        String text = text(f);
        if (!text.equals(lastSignerText)) {
            Name name = Name.fromString(text, origin);
            if (!name.isAbsolute()) {
                return null;
            }
            lastSigner = name;
            lastSignerText = text;
        }
        return lastSigner;
    }

    /**
     * RFC 4034 §3.2: YYYYMMDDHHmmSS in UTC, as seconds that fit the 32-bit field; -1 otherwise, and for a
     * date or time that does not exist (dnsjava's own parser would move a 30 February to the 28th).
     */
    private long time(int f) {
        if (end[f] - start[f] != 14 || number(f, Long.MAX_VALUE) < 0) {
            return -1;
        }
        int p = start[f];
        try {
            long seconds = LocalDateTime.of(
                            digits(p, 4),
                            digits(p + 4, 2),
                            digits(p + 6, 2),
                            digits(p + 8, 2),
                            digits(p + 10, 2),
                            digits(p + 12, 2))
                    .toEpochSecond(ZoneOffset.UTC);
            return seconds >= 0 && seconds <= 0xffffffffL ? seconds : -1;
        } catch (DateTimeException e) {
            return -1;
        }
    }

    private int digits(int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            v = v * 10 + (line[i] - '0');
        }
        return v;
    }

    /** The salt: {@code -} for none, else hex of at most 255 bytes; null otherwise. */
    private byte[] salt(int f) {
        if (end[f] - start[f] == 1 && line[start[f]] == '-') {
            return new byte[0];
        }
        byte[] salt = hex(f, f + 1);
        return salt != null && salt.length <= 255 ? salt : null;
    }

    /** The next hashed owner in base32hex, upper case; null otherwise. */
    private byte[] nextHash(int f) {
        if (end[f] == start[f]) {
            return null;
        }
        for (int i = start[f]; i < end[f]; i++) {
            byte c = line[i];
            if (!(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'V')) {
                return null;
            }
        }
        byte[] next = BASE32HEX.fromString(text(f));
        return next != null && next.length <= 255 ? next : null;
    }

    /** Hex digits of fields {@code from..to} joined, an even number of them; null otherwise. */
    private byte[] hex(int from, int to) {
        int digits = 0;
        for (int f = from; f < to; f++) {
            digits += end[f] - start[f];
        }
        if (digits == 0 || digits % 2 != 0) {
            return null;
        }
        byte[] out = new byte[digits / 2];
        int k = 0;
        int high = -1;
        for (int f = from; f < to; f++) {
            for (int i = start[f]; i < end[f]; i++) {
                int d = Character.digit(line[i], 16);
                if (d < 0) {
                    return null;
                }
                if (high < 0) {
                    high = d;
                } else {
                    out[k++] = (byte) (high << 4 | d);
                    high = -1;
                }
            }
        }
        return out;
    }

    /** Base64 of fields {@code from..to} joined, whole groups of four; null otherwise. */
    private byte[] base64(int from, int to) {
        int len = 0;
        for (int f = from; f < to; f++) {
            len += end[f] - start[f];
        }
        if (len == 0 || len % 4 != 0) {
            return null;
        }
        byte[] text = new byte[len];
        int k = 0;
        for (int f = from; f < to; f++) {
            System.arraycopy(line, start[f], text, k, end[f] - start[f]);
            k += end[f] - start[f];
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The field as a decimal number up to {@code max}; -1 when it is anything else. */
    private long number(int f, long max) {
        int len = end[f] - start[f];
        if (len == 0 || len > 18) {
            return -1;
        }
        long v = 0;
        for (int i = start[f]; i < end[f]; i++) {
            byte c = line[i];
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= max ? v : -1;
    }

    /**
     * The type a mnemonic field names, as dnsjava's {@link Type#value(String)} gives it (-1 for none):
     * mnemonics of up to 8 letters and digits are looked up by their bytes, without a String.
     */
    private static int type(byte[] b, int from, int to) {
        long key = packed(b, from, to);
        Integer t = key < 0 ? null : TYPES.get(key);
        return t != null ? t : Type.value(new String(b, from, to - from, StandardCharsets.US_ASCII));
    }

    private int type(int f) {
        return type(line, start[f], end[f]);
    }

    /** Up to 8 letters and digits, upper-cased, as one number; -1 for anything else. */
    private static long packed(byte[] b, int from, int to) {
        if (to - from > 8 || to == from) {
            return -1;
        }
        long key = 0;
        for (int i = from; i < to; i++) {
            int c = b[i];
            if (c >= 'a' && c <= 'z') {
                c -= 'a' - 'A';
            } else if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9')) {
                return -1;
            }
            key = key << 8 | c;
        }
        return key;
    }

    private boolean is(int f, String word) {
        int len = end[f] - start[f];
        if (len != word.length()) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (Character.toUpperCase(line[start[f] + i]) != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String text(int f) {
        return new String(line, start[f], end[f] - start[f], StandardCharsets.US_ASCII);
    }
}
