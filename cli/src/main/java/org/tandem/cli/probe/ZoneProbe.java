package org.tandem.cli.probe;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneTransferException;

/**
 * One probe of one zone on one server, in this order: the SOA (the server must answer
 * authoritatively), the DNSKEY RRset (a key the trust anchor names must sign it), a sample of names
 * (from AXFR when the server allows it, else by walking the NSEC chain, else, for NSEC3, names that
 * are commonly there), a name that does not exist (NXDOMAIN proof) and a type the apex lacks (NODATA
 * proof). Every answer is inspected as served ({@link SignatureInspector}) and asked again through
 * dnsjava's validating resolver, whose verdict covers the NSEC and NSEC3 proofs (RFC 4035 §5.4,
 * RFC 5155 §8, opt-out included). A timeout or refusal ends the probe with UNKNOWN.
 */
final class ZoneProbe {
    private static final List<String> COMMON_LABELS = List.of("www", "mail", "ns", "ns1", "ns2", "smtp", "api");
    private static final List<Integer> COMMON_TYPES = List.of(Type.A, Type.AAAA, Type.TXT, Type.MX);
    private static final List<Integer> NODATA_TYPES = List.of(Type.NAPTR, Type.HINFO, Type.SSHFP, Type.RP, Type.LOC);
    private static final int MAX_RANDOM_PROBES = 5;

    /** The query that got no usable answer. */
    private static final class NoAnswer extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Name owner;
        final int type;
        final String kind;

        NoAnswer(String kind, Name owner, int type, String message) {
            super(message);
            this.kind = kind;
            this.owner = owner;
            this.type = type;
        }
    }

    /** The names to check, with the types to ask for, and where they came from. */
    private record Sample(String source, Map<Name, Set<Integer>> names, Set<Integer> apexTypes, int randomProbes) {}

    private final Name zone;
    private final String server;
    private final DnsClient client;
    private final TrustAnchor anchor;
    private final int sampleSize;
    private final Duration warn;
    private final Clock clock;
    private final Random random;

    private final List<Problem> problems = new ArrayList<>();
    private final List<Expiry> validUntil = new ArrayList<>();
    private final Set<Name> checked = new LinkedHashSet<>();
    private Instant now;
    private OptionalLong serial = OptionalLong.empty();
    private SignatureInspector inspector;
    private String namesFrom = "none";

    ZoneProbe(
            Name zone,
            String server,
            DnsClient client,
            TrustAnchor anchor,
            int sampleSize,
            Duration warn,
            Clock clock,
            Random random) {
        this.zone = Objects.requireNonNull(zone, "zone");
        this.server = Objects.requireNonNull(server, "server");
        this.client = Objects.requireNonNull(client, "client");
        this.anchor = Objects.requireNonNull(anchor, "anchor");
        this.sampleSize = sampleSize;
        this.warn = Objects.requireNonNull(warn, "warn");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Runs the probe once; never throws for what the server does. */
    ProbeResult run() {
        now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        try {
            probe();
        } catch (NoAnswer e) {
            problems.add(Problem.of(ProbeStatus.UNKNOWN, e.kind, e.owner, e.type, e.getMessage()));
        }
        Optional<Expiry> earliest = validUntil.stream().min(Comparator.comparing(Expiry::instant));
        earliest.filter(e -> e.instant().isBefore(now.plus(warn)))
                .ifPresent(e -> problems.add(Problem.signature(
                        ProbeStatus.WARNING,
                        "rrsig-expires-soon",
                        e.owner(),
                        e.type(),
                        e.keyTag(),
                        e.instant(),
                        "RRSIG expires within " + Durations.format(warn) + " ("
                                + Durations.format(Duration.between(now, e.instant())) + " left); is the signer "
                                + "re-signing?")));
        return new ProbeResult(zone, server, serial, checked.size(), namesFrom, earliest, problems, now);
    }

    private void probe() throws NoAnswer {
        Message soa = ask(zone, Type.SOA);
        int rcode = soa.getRcode();
        if (rcode != Rcode.NOERROR) {
            throw new NoAnswer(
                    rcode == Rcode.REFUSED ? "refused" : "bad-rcode",
                    zone,
                    Type.SOA,
                    server + " answered " + Rcode.string(rcode) + " for " + zone + " SOA: it does not serve the zone");
        }
        if (!soa.getHeader().getFlag(Flags.AA)) {
            throw new NoAnswer(
                    "not-authoritative",
                    zone,
                    Type.SOA,
                    server + " is not authoritative for " + zone + " (no AA bit on the SOA answer)");
        }
        SOARecord soaRecord = soa.getSection(Section.ANSWER).stream()
                .filter(r -> r instanceof SOARecord && r.getName().equals(zone))
                .map(r -> (SOARecord) r)
                .findFirst()
                .orElseThrow(() -> new NoAnswer(
                        "no-soa", zone, Type.SOA, server + " answered " + zone + " SOA without the SOA record"));
        serial = OptionalLong.of(soaRecord.getSerial());
        checked.add(zone);

        Message dnskeys = ask(zone, Type.DNSKEY);
        Optional<RRset> keySet = dnskeys.getSectionRRsets(Section.ANSWER).stream()
                .filter(s -> s.getType() == Type.DNSKEY && s.getName().equals(zone))
                .findFirst();
        List<DNSKEYRecord> keys = keySet.map(
                        s -> s.rrs().stream().map(r -> (DNSKEYRecord) r).toList())
                .orElse(List.of());
        int anchorTag = anchor.keyTags().get(0);
        if (keys.isEmpty()) {
            problems.add(Problem.key(
                    "dnskey-missing-for-anchor",
                    zone,
                    anchorTag,
                    "the server has no DNSKEY RRset (unsigned zone?); the trust anchor names key "
                            + tags(anchor.keyTags())));
            return;
        }
        if (keys.stream().noneMatch(anchor::matches)) {
            problems.add(Problem.key(
                    "dnskey-missing-for-anchor",
                    zone,
                    anchorTag,
                    "no key of the DNSKEY RRset (keys "
                            + tags(keys.stream().map(DNSKEYRecord::getFootprint).toList())
                            + ") matches the trust anchor (key " + tags(anchor.keyTags()) + ")"));
            return;
        }
        inspector = new SignatureInspector(zone, keys);
        SignatureInspector.Inspection keyInspection = inspector.inspect(dnskeys, now);
        record(keyInspection);
        if (!keyInspection.critical()) {
            inspector
                    .inspect(keySet.orElseThrow(), now, anchor::matches)
                    .ifPresent(p -> problems.add(Problem.signature(
                            ProbeStatus.CRITICAL,
                            "dnskey-not-signed-by-anchor",
                            zone,
                            Type.DNSKEY,
                            anchorTag,
                            p.expiry().orElse(now),
                            "no RRSIG by a key the trust anchor names (key " + tags(anchor.keyTags()) + ") verifies: "
                                    + p.detail())));
        }
        validate(zone, Type.DNSKEY, dnskeys, keyInspection);
        validate(zone, Type.SOA, soa, check(soa));

        Sample sample = sample();
        namesFrom = sample.source();
        for (Map.Entry<Name, Set<Integer>> e : sample.names().entrySet()) {
            checked.add(e.getKey());
            for (int type : e.getValue()) {
                Message m = ask(e.getKey(), type);
                if (m.getRcode() != Rcode.NOERROR && m.getRcode() != Rcode.NXDOMAIN) {
                    throw new NoAnswer(
                            "bad-rcode",
                            e.getKey(),
                            type,
                            server + " answered " + Rcode.string(m.getRcode()) + " for " + e.getKey() + " "
                                    + Type.string(type));
                }
                validate(e.getKey(), type, m, check(m));
            }
        }
        for (int i = 0; i < sample.randomProbes(); i++) {
            nxdomain();
        }
        nodata(sample.apexTypes());
    }

    private void nxdomain() throws NoAnswer {
        Name name = randomName();
        Message m = ask(name, Type.A);
        SignatureInspector.Inspection i = check(m);
        if (m.getRcode() == Rcode.NXDOMAIN && !hasDenial(m) && !i.critical()) {
            problems.add(Problem.of(
                    ProbeStatus.CRITICAL,
                    "denial-missing",
                    name,
                    Type.A,
                    "NXDOMAIN without NSEC or NSEC3 records: the non-existence cannot be proven"));
            return;
        }
        validate(name, Type.A, m, i);
    }

    private void nodata(Set<Integer> apexTypes) throws NoAnswer {
        for (int type : NODATA_TYPES) {
            if (apexTypes.contains(type)) {
                continue;
            }
            Message m = ask(zone, type);
            if (m.getRcode() == Rcode.NOERROR && !m.getSection(Section.ANSWER).isEmpty()) {
                validate(zone, type, m, check(m));
                continue;
            }
            SignatureInspector.Inspection i = check(m);
            if (!hasDenial(m) && !i.critical()) {
                problems.add(Problem.of(
                        ProbeStatus.CRITICAL,
                        "denial-missing",
                        zone,
                        type,
                        "NODATA without NSEC or NSEC3 records: the absence of the type cannot be proven"));
                return;
            }
            validate(zone, type, m, i);
            return;
        }
    }

    private Sample sample() throws NoAnswer {
        Map<Name, Set<Integer>> all;
        String source;
        int randomProbes = 1;
        try {
            all = fromTransfer(client.axfr(zone));
            source = "axfr";
        } catch (IOException | ZoneTransferException e) {
            Message apexNsec = ask(zone, Type.NSEC);
            check(apexNsec);
            if (nsecOf(apexNsec, zone).isPresent()) {
                all = walk(apexNsec);
                source = "nsec-walk";
            } else {
                all = guess();
                source = "guessed";
                randomProbes = Math.max(1, Math.min(MAX_RANDOM_PROBES, sampleSize - all.size()));
            }
        }
        Map<Name, Set<Integer>> found = all;
        Set<Integer> apexTypes = found.getOrDefault(zone, Set.of());
        List<Name> others = new ArrayList<>(found.keySet());
        others.remove(zone);
        Collections.shuffle(others, random);
        Map<Name, Set<Integer>> chosen = new LinkedHashMap<>();
        Set<Integer> apexRest = new TreeSet<>(apexTypes);
        apexRest.removeAll(Set.of(Type.SOA, Type.DNSKEY));
        chosen.put(zone, apexRest);
        others.stream().limit(Math.max(0, sampleSize - 1)).forEach(n -> chosen.put(n, found.get(n)));
        return new Sample(source, chosen, apexTypes, randomProbes);
    }

    /** The zone's names and types from a transfer; delegation points by their DS only; nothing below a cut. */
    private Map<Name, Set<Integer>> fromTransfer(List<Record> records) {
        Set<Name> cuts = new LinkedHashSet<>();
        for (Record r : records) {
            if (r.getType() == Type.NS && !r.getName().equals(zone)) {
                cuts.add(r.getName());
            }
        }
        Map<Name, Set<Integer>> names = new LinkedHashMap<>();
        for (Record r : records) {
            int type = r.getType();
            Name owner = r.getName();
            if (type == Type.RRSIG
                    || type == Type.NSEC
                    || type == Type.NSEC3
                    || !owner.subdomain(zone)
                    || cuts.stream().anyMatch(c -> owner.subdomain(c) && !owner.equals(c))) {
                continue;
            }
            names.computeIfAbsent(owner, n -> new TreeSet<>()).add(cuts.contains(owner) ? Type.DS : type);
        }
        return names;
    }

    /** Follows the NSEC chain from the apex until it closes or the sample is full. */
    private Map<Name, Set<Integer>> walk(Message apexNsec) throws NoAnswer {
        Map<Name, Set<Integer>> names = new LinkedHashMap<>();
        Message m = apexNsec;
        Name current = zone;
        while (names.size() < sampleSize) {
            Optional<NSECRecord> nsec = nsecOf(m, current);
            if (nsec.isEmpty()) {
                if (m.getRcode() == Rcode.NXDOMAIN) {
                    brokenChain(current, m);
                }
                break;
            }
            Set<Integer> types = new TreeSet<>();
            for (int t : nsec.get().getTypes()) {
                types.add(t);
            }
            types.removeAll(Set.of(Type.NSEC, Type.RRSIG));
            if (types.contains(Type.NS) && !current.equals(zone)) {
                types = new TreeSet<>(Set.of(Type.DS));
            }
            names.put(current, types);
            Name next = nsec.get().getNext();
            if (next.equals(zone) || names.containsKey(next) || !next.subdomain(zone)) {
                break;
            }
            current = next;
            m = ask(current, Type.NSEC);
            check(m);
        }
        return names;
    }

    /** The NSEC chain names {@code name}, but the server says it does not exist: the denial is broken. */
    private void brokenChain(Name name, Message m) throws NoAnswer {
        int before = problems.size();
        validate(name, Type.NSEC, m, check(m));
        if (problems.size() == before) {
            problems.add(Problem.of(
                    ProbeStatus.CRITICAL,
                    "broken-denial",
                    name,
                    Type.NSEC,
                    "the NSEC chain names this owner, but the server answers NXDOMAIN for it"));
        }
    }

    /** For NSEC3 without AXFR: the in-zone name servers and common labels that exist. */
    private Map<Name, Set<Integer>> guess() throws NoAnswer {
        Map<Name, Set<Integer>> names = new LinkedHashMap<>();
        Set<Integer> apex = new TreeSet<>(List.of(Type.NS, Type.NSEC3PARAM));
        names.put(zone, apex);
        Set<Name> candidates = new LinkedHashSet<>();
        Message ns = ask(zone, Type.NS);
        for (Record r : ns.getSection(Section.ANSWER)) {
            if (r instanceof NSRecord n && n.getTarget().subdomain(zone)) {
                candidates.add(n.getTarget());
            }
        }
        for (String label : COMMON_LABELS) {
            candidates.add(child(label));
        }
        for (Name candidate : candidates) {
            if (names.size() >= sampleSize) {
                break;
            }
            Message m = ask(candidate, Type.A);
            if (m.getRcode() == Rcode.NOERROR) {
                names.put(candidate, new TreeSet<>(COMMON_TYPES));
            } else {
                // a name that does not exist is a denial proof worth checking too
                validate(candidate, Type.A, m, check(m));
            }
        }
        return names;
    }

    private static Optional<NSECRecord> nsecOf(Message m, Name owner) {
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY}) {
            for (Record r : m.getSection(section)) {
                if (r instanceof NSECRecord n && n.getName().equals(owner)) {
                    return Optional.of(n);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean hasDenial(Message m) {
        return m.getSection(Section.AUTHORITY).stream()
                .anyMatch(r -> r.getType() == Type.NSEC || r.getType() == Type.NSEC3);
    }

    private SignatureInspector.Inspection check(Message m) {
        SignatureInspector.Inspection i = inspector.inspect(m, now);
        record(i);
        return i;
    }

    private void record(SignatureInspector.Inspection i) {
        problems.addAll(i.problems());
        validUntil.addAll(i.validUntil());
    }

    /**
     * Asks the validating resolver; a bogus verdict is a problem unless the inspection of the same
     * answer ({@code raw}, as served) already named one. An insecure verdict is fine for a DS query (an
     * insecure delegation) and for a denial that rests on an NSEC3 record with the opt-out flag: RFC
     * 5155 §9.2 makes such an NXDOMAIN or NODATA insecure, since an unsigned delegation may hide in the
     * span; a broken proof is still bogus.
     */
    private void validate(Name name, int type, Message raw, SignatureInspector.Inspection inspection) throws NoAnswer {
        boolean insecureIsFine = type == Type.DS || optOut(raw);
        Message v;
        try {
            v = client.validated(name, type);
        } catch (IOException e) {
            throw new NoAnswer(
                    "no-answer",
                    name,
                    type,
                    "no answer from " + server + " for " + name + " " + Type.string(type) + " (validating): " + why(e));
        }
        if (v.getHeader().getFlag(Flags.AD) || inspection.critical()) {
            return;
        }
        String reason = reason(v);
        boolean denial =
                v.getRcode() == Rcode.NXDOMAIN || v.getSection(Section.ANSWER).isEmpty();
        if (v.getRcode() == Rcode.SERVFAIL) {
            problems.add(Problem.of(
                    ProbeStatus.CRITICAL,
                    denial ? "broken-denial" : "validation-failed",
                    name,
                    type,
                    "dnsjava's validator finds the answer bogus: " + reason));
        } else if (!insecureIsFine) {
            problems.add(Problem.of(
                    ProbeStatus.CRITICAL,
                    "insecure",
                    name,
                    type,
                    "dnsjava's validator does not find the answer secure under the trust anchor (rcode "
                            + Rcode.string(v.getRcode()) + "): " + reason));
        }
    }

    private static boolean optOut(Message m) {
        return m.getSection(Section.AUTHORITY).stream()
                .anyMatch(r -> r instanceof NSEC3Record n && (n.getFlags() & NSEC3Record.Flags.OPT_OUT) != 0);
    }

    /** The extended DNS error (RFC 8914) the validator attached, if any. */
    static String reason(Message m) {
        OPTRecord opt = m.getOPT();
        if (opt != null) {
            for (EDNSOption o : opt.getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR)) {
                if (o instanceof ExtendedErrorCodeOption ede) {
                    return "EDE " + ede.getErrorCode() + " " + ede.getText();
                }
            }
        }
        return "no reason given";
    }

    private Message ask(Name name, int type) throws NoAnswer {
        try {
            return client.raw(name, type);
        } catch (IOException e) {
            throw new NoAnswer(
                    "no-answer",
                    name,
                    type,
                    "no answer from " + server + " for " + name + " " + Type.string(type) + ": " + why(e));
        }
    }

    private static String why(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private Name randomName() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder b = new StringBuilder("tandem-probe-");
        for (int i = 0; i < 10; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return child(b.toString());
    }

    private Name child(String label) {
        try {
            return Name.concatenate(Name.fromString(label), zone);
        } catch (TextParseException | NameTooLongException e) {
            throw new IllegalArgumentException("cannot make a name " + label + "." + zone + ": " + e.getMessage(), e);
        }
    }

    private static String tags(List<Integer> tags) {
        return String.join(", ", tags.stream().map(String::valueOf).toList());
    }
}
