package org.tandem.signer.sign;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    /** One RRset; prepared (canonical order, one TTL) and signed by the workers. */
    static final class Rrset {
        final Name owner;
        final int type;
        Signer signer;
        private List<Record> input = new ArrayList<>(2);
        private Record[] records;
        RRSIGRecord[] signatures;

        Rrset(Name owner, int type) {
            this.owner = owner;
            this.type = type;
        }

        /** Sorts and deduplicates; returns the canonical form for signing. Call once. */
        PreparedRrset prepare() {
            PreparedRrset p = PreparedRrset.of(owner, type, input);
            records = p.records();
            input = null;
            return p;
        }

        /** The canonical form without keeping it (the capability canary's sample). */
        PreparedRrset sample() {
            return input != null
                    ? PreparedRrset.of(owner, type, input)
                    : PreparedRrset.of(owner, type, List.of(records));
        }

        Record[] records() {
            if (records == null) {
                throw new IllegalStateException(owner + " " + Type.string(type) + " not prepared");
            }
            return records;
        }
    }

    /** One owner name and its RRsets, sorted by type before signing. */
    static final class Owner {
        final Name name;
        NodeKind kind;
        boolean occluded;
        final List<Rrset> rrsets = new ArrayList<>(2);

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
                rrsets.add(r);
            }
            return r;
        }

        boolean has(int type) {
            return rrset(type) != null;
        }
    }

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
        Map<Name, Owner> byName = new HashMap<>(zone.records().size() * 4 / 3 + 16);
        List<Owner> owners = new ArrayList<>(zone.records().size());
        Owner apexOwner = new Owner(apex);
        byName.put(apex, apexOwner);
        owners.add(apexOwner);
        apexOwner.add(Type.SOA).input.add(newSoa);
        Owner last = apexOwner;
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
            if (!owner.name.equals(name)) { // records of one owner usually follow each other
                Name canonical = name.canonicalize();
                owner = byName.get(canonical);
                if (owner == null) {
                    owner = new Owner(canonical);
                    byName.put(canonical, owner);
                    owners.add(owner);
                }
                last = owner;
            }
            owner.add(type).input.add(r);
        }
        if (!apexOwner.has(Type.NS)) {
            throw new UnsupportedRecordException(origin, zone.source(), apex, Type.NS, "the apex has no NS RRset");
        }
        // file order: a zone file written in canonical order (the usual case) sorts in linear time
        owners.sort((a, b) -> a.name.compareTo(b.name));
        ZoneIndex index = new ZoneIndex(origin, zone.source(), owners);
        index.classify();
        return index;
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
        r.input.addAll(records);
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
                types = o.has(Type.DS) ? new int[] {Type.NS, Type.DS} : new int[] {Type.NS};
            } else {
                int extra = o == apexOwner ? extraApexTypes.length : 0;
                types = new int[o.rrsets.size() + extra];
                for (int i = 0; i < o.rrsets.size(); i++) {
                    types[i] = o.rrsets.get(i).type;
                }
                if (extra > 0) {
                    System.arraycopy(extraApexTypes, 0, types, o.rrsets.size(), extra);
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
            r.input.add(nsec);
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
        r.input.add(n);
        r.signer = Signer.DATA;
    }

    /** Every RRset in output order (owners canonical, types ascending). Sorts each owner's RRsets. */
    List<Rrset> rrsets() {
        List<Rrset> all = new ArrayList<>(owners.size() * 2);
        for (Owner o : owners) {
            if (o.rrsets.size() > 1) {
                o.rrsets.sort((a, b) -> Integer.compare(a.type, b.type));
            }
            all.addAll(o.rrsets);
        }
        return all;
    }

    /**
     * Appends the records of one owner in canonical order: RRsets by type, the owner's RRSIGs in
     * place of type 46 in canonical RDATA order (RFC 4034 §6.3, RFC 8976 §3.3.1).
     */
    static void emit(Owner o, List<Record> out) {
        List<Rrset> rrsets = o.rrsets;
        if (rrsets.size() > 1) {
            rrsets.sort((a, b) -> Integer.compare(a.type, b.type));
        }
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
