package org.tandem.signer.sign;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.nsec.NodeKind;
import org.tandem.signer.nsec.Nsec3Chain;
import org.tandem.signer.nsec.OwnerNode;
import org.tandem.signer.zone.UnsignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * The zone being signed, grouped by owner and type in canonical order, each owner classified (apex,
 * authoritative, zone cut, below a cut) and each RRset told who signs it. Not thread-safe, except
 * that distinct {@link Rrset}s may be prepared and signed concurrently.
 */
final class ZoneIndex {
    /** Who signs an RRset. */
    enum Signer {
        /** Nobody: delegation NS, glue and other data below or at a zone cut (RFC 4035 §2.2). */
        NONE,
        /** Every KSK and CSK: the apex DNSKEY, CDS and CDNSKEY RRsets. */
        KEYS,
        /** Every ZSK and CSK: all other authoritative RRsets. */
        DATA
    }

    /**
     * One RRset; prepared (canonical order, one TTL) and signed by the workers. Holds its records in
     * one array, the input until {@link #prepare} and the canonical form after: a zone has millions of
     * RRsets of one or two records, so no list object per RRset.
     */
    static final class Rrset {
        final Name owner;
        final int type;
        Signer signer;
        private Record[] records = new Record[1];
        private int count;
        private boolean prepared;
        RRSIGRecord[] signatures;

        Rrset(Name owner, int type) {
            this.owner = owner;
            this.type = type;
        }

        private void add(Record r) {
            if (prepared) {
                throw new IllegalStateException(owner + " " + Type.string(type) + " already prepared");
            }
            if (count == records.length) {
                records = Arrays.copyOf(records, count * 2);
            }
            records[count++] = r;
        }

        private List<Record> input() {
            return Arrays.asList(records).subList(0, count);
        }

        /** Sorts and deduplicates; returns the canonical form for signing. Call once. */
        PreparedRrset prepare() {
            PreparedRrset p = PreparedRrset.of(owner, type, input());
            records = p.records();
            count = records.length;
            prepared = true;
            return p;
        }

        /** The canonical form without keeping it (the capability canary's sample). */
        PreparedRrset sample() {
            return PreparedRrset.of(owner, type, input());
        }

        Record[] records() {
            if (!prepared) {
                throw new IllegalStateException(owner + " " + Type.string(type) + " not prepared");
            }
            return records;
        }
    }

    /** One owner name and its RRsets (an array sized to them), sorted by type before signing. */
    static final class Owner {
        final Name name;
        NodeKind kind;
        boolean occluded;
        Rrset[] rrsets = NO_RRSETS;

        Owner(Name name) {
            this.name = name;
        }

        Rrset rrset(int type) {
            for (Rrset r : rrsets) {
                if (r.type == type) {
                    return r;
                }
            }
            return null;
        }

        Rrset add(int type) {
            Rrset r = rrset(type);
            if (r == null) {
                r = new Rrset(name, type);
                rrsets = Arrays.copyOf(rrsets, rrsets.length + 1);
                rrsets[rrsets.length - 1] = r;
            }
            return r;
        }

        boolean has(int type) {
            return rrset(type) != null;
        }

        /** Moves the records of {@code other} (the same name, met again further down the file) here. */
        void absorb(Owner other) {
            for (Rrset r : other.rrsets) {
                Rrset into = add(r.type);
                for (Record rec : r.input()) {
                    into.add(rec);
                }
            }
        }

        void sortRrsets() {
            if (rrsets.length > 1) {
                Arrays.sort(rrsets, (a, b) -> Integer.compare(a.type, b.type));
            }
        }
    }

    private static final Rrset[] NO_RRSETS = new Rrset[0];
    private static final int[] CUT_NS = {Type.NS};
    private static final int[] CUT_NS_DS = {Type.NS, Type.DS};

    final ZoneName origin;
    final Name apex;
    final Path source;
    private List<Owner> owners;
    private final Owner apexOwner;

    private ZoneIndex(ZoneName origin, Path source, List<Owner> owners) {
        this.origin = origin;
        this.apex = origin.name();
        this.source = source;
        this.owners = owners;
        this.apexOwner = owners.get(0);
    }

    /**
     * Groups and classifies the zone; the apex SOA becomes {@code newSoa}.
     *
     * @throws UnsupportedRecordException a record the signer refuses (see {@link RecordTypes}),
     *     data outside the zone, a class other than IN, an SOA below the apex, DS without a zone
     *     cut, no NS at the apex
     */
    static ZoneIndex build(UnsignedZone zone, SOARecord newSoa) throws UnsupportedRecordException {
        ZoneName origin = zone.origin();
        Name apex = origin.name();
        List<Owner> owners = new ArrayList<>(zone.records().size() / 2 + 16);
        Owner apexOwner = new Owner(apex);
        owners.add(apexOwner);
        apexOwner.add(Type.SOA).add(newSoa);
        Owner last = apexOwner;
        boolean sorted = true;
        for (Record r : zone.records()) {
            Name name = r.getName();
            int type = r.getType();
            boolean atApex = name.equals(apex);
            if (!atApex && !name.subdomain(apex)) {
                throw new UnsupportedRecordException(origin, zone.source(), name, type, "outside the zone " + apex);
            }
            if (r.getDClass() != DClass.IN) {
                throw new UnsupportedRecordException(
                        origin,
                        zone.source(),
                        name,
                        type,
                        "class " + DClass.string(r.getDClass()) + " (only IN is signed)");
            }
            Optional<String> refusal = atApex ? RecordTypes.apexRefusal(type) : RecordTypes.refusal(type);
            if (refusal.isPresent()) {
                throw new UnsupportedRecordException(origin, zone.source(), name, type, refusal.get());
            }
            if (type == Type.SOA) {
                if (!atApex) {
                    throw new UnsupportedRecordException(origin, zone.source(), name, type, "SOA below the apex");
                }
                continue; // replaced by newSoa
            }
            Owner owner = last;
            // records of one owner usually follow each other: a new run of records starts an owner; a
            // name met again further down becomes a second owner, merged with the first after the sort
            if (!owner.name.equals(name)) {
                owner = atApex ? apexOwner : new Owner(name.canonicalize());
                if (!atApex) {
                    sorted &= owner.name.compareTo(owners.get(owners.size() - 1).name) > 0;
                    owners.add(owner);
                }
                last = owner;
            }
            owner.add(type).add(r);
        }
        if (!sorted) {
            // stable: the first of equal names stays first (the apex owner stays at index 0)
            owners.sort((x, y) -> x.name.compareTo(y.name));
            owners = mergeEqualNames(owners);
        }
        if (!apexOwner.has(Type.NS)) {
            throw new UnsupportedRecordException(origin, zone.source(), apex, Type.NS, "the apex has no NS RRset");
        }
        ZoneIndex index = new ZoneIndex(origin, zone.source(), owners);
        index.classify();
        return index;
    }

    /** Owners sorted by name, with every run of equal names folded into its first owner. */
    private static List<Owner> mergeEqualNames(List<Owner> sorted) {
        List<Owner> merged = new ArrayList<>(sorted.size());
        for (Owner o : sorted) {
            Owner previous = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (previous != null && previous.name.equals(o.name)) {
                previous.absorb(o);
            } else {
                merged.add(o);
            }
        }
        return merged;
    }

    /** Kinds, occlusion and signers (RFC 4035 §2.2). Names below a cut sort right after it. */
    private void classify() throws UnsupportedRecordException {
        Name cut = null;
        for (Owner o : owners) {
            if (cut != null && o.name.subdomain(cut)) {
                o.occluded = true;
                for (Rrset r : o.rrsets) {
                    r.signer = Signer.NONE;
                }
                continue;
            }
            cut = null;
            if (o == apexOwner) {
                o.kind = NodeKind.APEX;
            } else if (o.has(Type.NS)) {
                o.kind = o.has(Type.DS) ? NodeKind.SECURE_DELEGATION : NodeKind.INSECURE_DELEGATION;
                cut = o.name;
            } else {
                if (o.has(Type.DS)) {
                    throw new UnsupportedRecordException(
                            origin,
                            source,
                            o.name,
                            Type.DS,
                            "DS without an NS RRset: DS exists only at a zone cut (RFC 4034 §5)");
                }
                o.kind = NodeKind.AUTHORITATIVE;
            }
            for (Rrset r : o.rrsets) {
                r.signer = signerOf(o.kind, r.type);
            }
        }
    }

    private static Signer signerOf(NodeKind kind, int type) {
        return switch (kind) {
            case APEX -> (type == Type.DNSKEY || type == Type.CDS || type == Type.CDNSKEY) ? Signer.KEYS : Signer.DATA;
            case SECURE_DELEGATION, INSECURE_DELEGATION -> type == Type.DS ? Signer.DATA : Signer.NONE;
            case AUTHORITATIVE -> Signer.DATA;
            case EMPTY_NON_TERMINAL -> throw new IllegalStateException("an empty non-terminal has no RRsets");
        };
    }

    Owner apex() {
        return apexOwner;
    }

    List<Owner> owners() {
        return owners;
    }

    /** Adds an RRset the signer makes at the apex (DNSKEY, NSEC3PARAM, ZONEMD). */
    Rrset addApex(int type, List<? extends Record> records) {
        if (apexOwner.has(type)) {
            throw new IllegalStateException("apex " + Type.string(type) + " added twice");
        }
        Rrset r = apexOwner.add(type);
        for (Record rec : records) {
            r.add(rec);
        }
        r.signer = signerOf(NodeKind.APEX, type);
        return r;
    }

    /**
     * The nodes for the denial chain, canonical order, names below a cut left out: types at the
     * apex and authoritative names as published, at a cut only NS and DS (RFC 4035 §2.3).
     *
     * @param extraApexTypes types the signer will add at the apex later (ZONEMD)
     */
    List<OwnerNode> nodes(int... extraApexTypes) {
        List<OwnerNode> nodes = new ArrayList<>(owners.size());
        for (Owner o : owners) {
            if (o.occluded) {
                continue;
            }
            int[] types;
            if (o.kind.isDelegation()) {
                types = o.has(Type.DS) ? CUT_NS_DS : CUT_NS; // OwnerNode copies them
            } else {
                int extra = o == apexOwner ? extraApexTypes.length : 0;
                types = new int[o.rrsets.length + extra];
                for (int i = 0; i < o.rrsets.length; i++) {
                    types[i] = o.rrsets[i].type;
                }
                if (extra > 0) {
                    System.arraycopy(extraApexTypes, 0, types, o.rrsets.length, extra);
                }
            }
            nodes.add(new OwnerNode(o.name, o.kind, types));
        }
        return nodes;
    }

    /** Adds the NSEC chain: one NSEC per node with data, in the same canonical order. */
    void addNsec(List<NSECRecord> chain) {
        int i = 0;
        for (Owner o : owners) {
            if (o.occluded) {
                continue;
            }
            NSECRecord nsec = chain.get(i++);
            if (!nsec.getName().equals(o.name)) {
                throw new IllegalStateException("NSEC chain out of step: " + nsec.getName() + " at " + o.name);
            }
            Rrset r = o.add(Type.NSEC);
            r.add(nsec);
            r.signer = Signer.DATA;
        }
        if (i != chain.size()) {
            throw new IllegalStateException("NSEC chain has " + chain.size() + " records for " + i + " names");
        }
    }

    /** Adds the NSEC3 records at their hashed owners (merged into canonical order) and NSEC3PARAM. */
    void addNsec3(Nsec3Chain chain, long paramTtl) {
        addApex(Type.NSEC3PARAM, List.of(chain.param()));
        List<NSEC3Record> records = chain.records();
        List<Owner> merged = new ArrayList<>(owners.size() + records.size());
        int i = 0;
        for (Owner o : owners) {
            while (i < records.size() && records.get(i).getName().compareTo(o.name) <= 0) {
                NSEC3Record n = records.get(i++);
                if (n.getName().equals(o.name)) {
                    addNsec3At(o, n); // a name that looks like a hash: share the owner
                } else {
                    merged.add(hashedOwner(n));
                }
            }
            merged.add(o);
        }
        while (i < records.size()) {
            merged.add(hashedOwner(records.get(i++)));
        }
        owners = merged;
    }

    private static Owner hashedOwner(NSEC3Record n) {
        Owner o = new Owner(n.getName());
        o.kind = NodeKind.AUTHORITATIVE;
        addNsec3At(o, n);
        return o;
    }

    private static void addNsec3At(Owner o, NSEC3Record n) {
        Rrset r = o.add(Type.NSEC3);
        r.add(n);
        r.signer = Signer.DATA;
    }

    /** Every RRset in output order (owners canonical, types ascending). Sorts each owner's RRsets. */
    List<Rrset> rrsets() {
        List<Rrset> all = new ArrayList<>(owners.size() * 2);
        for (Owner o : owners) {
            o.sortRrsets();
            Collections.addAll(all, o.rrsets);
        }
        return all;
    }

    /**
     * Appends the records of one owner in canonical order: RRsets by type, the owner's RRSIGs in
     * place of type 46 in canonical RDATA order (RFC 4034 §6.3, RFC 8976 §3.3.1).
     */
    static void emit(Owner o, List<Record> out) {
        o.sortRrsets();
        Rrset[] rrsets = o.rrsets;
        List<RRSIGRecord> sigs = null;
        for (Rrset r : rrsets) {
            if (r.signatures != null) {
                if (sigs == null) {
                    sigs = new ArrayList<>(4);
                }
                Collections.addAll(sigs, r.signatures);
            }
        }
        if (sigs != null && sigs.size() > 1) {
            sigs.sort(Canonical.RRSIG_ORDER);
        }
        boolean sigsOut = sigs == null;
        for (Rrset r : rrsets) {
            if (!sigsOut && r.type > Type.RRSIG) {
                out.addAll(sigs);
                sigsOut = true;
            }
            Collections.addAll(out, r.records());
        }
        if (!sigsOut) {
            out.addAll(sigs);
        }
    }
}
