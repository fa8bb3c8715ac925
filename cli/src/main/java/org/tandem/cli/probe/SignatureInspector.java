package org.tandem.cli.probe;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DNSSEC.DNSSECException;
import org.xbill.DNS.DNSSEC.SignatureExpiredException;
import org.xbill.DNS.DNSSEC.SignatureNotYetValidException;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Looks at every RRset of the zone in an answer's ANSWER and AUTHORITY sections and names what is
 * wrong with its signatures: none at all, only expired ones, none that verifies, one by a key the
 * DNSKEY RRset lacks. The cryptography is dnsjava's {@link DNSSEC#verify}; this class only decides
 * which RRSIG and key to try and words the finding. It also yields, per RRset, the latest expiry
 * among the signatures that verify: the instant the RRset stops validating.
 */
final class SignatureInspector {
    /** The outcome for one message. */
    record Inspection(List<Problem> problems, List<Expiry> validUntil) {
        Inspection {
            problems = List.copyOf(problems);
            validUntil = List.copyOf(validUntil);
        }

        boolean critical() {
            return problems.stream().anyMatch(p -> p.status() == ProbeStatus.CRITICAL);
        }
    }

    private final Name zone;
    private final List<DNSKEYRecord> keys;

    /**
     * @param zone the zone apex: only RRsets at or below it, and only RRSIGs whose signer is it, count
     * @param keys the zone's DNSKEY RRset as served
     */
    SignatureInspector(Name zone, List<DNSKEYRecord> keys) {
        this.zone = Objects.requireNonNull(zone, "zone");
        this.keys = List.copyOf(keys);
    }

    /** Every zone RRset in ANSWER and AUTHORITY except NS RRsets at zone cuts (not signed, RFC 4035 §2.2). */
    Inspection inspect(Message response, Instant now) {
        List<Problem> problems = new ArrayList<>();
        List<Expiry> valid = new ArrayList<>();
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY}) {
            for (RRset rrset : response.getSectionRRsets(section)) {
                if (!rrset.getName().subdomain(zone) || rrset.getType() == Type.RRSIG) {
                    continue;
                }
                if (rrset.getType() == Type.NS && !rrset.getName().equals(zone)) {
                    continue;
                }
                inspect(rrset, now, k -> true)
                        .ifPresentOrElse(problems::add, () -> latest(rrset, now).ifPresent(valid::add));
            }
        }
        return new Inspection(problems, valid);
    }

    /**
     * One RRset: empty when at least one RRSIG by a key accepted by {@code signers} verifies at {@code
     * now}; otherwise the problem with the first RRSIG that does not (expired before bogus).
     */
    Optional<Problem> inspect(RRset rrset, Instant now, Predicate<DNSKEYRecord> signers) {
        Name owner = rrset.getName();
        int type = rrset.getType();
        List<RRSIGRecord> sigs =
                rrset.sigs().stream().filter(s -> s.getSigner().equals(zone)).toList();
        if (sigs.isEmpty()) {
            return Optional.of(Problem.of(
                    ProbeStatus.CRITICAL,
                    "unsigned-rrset",
                    owner,
                    type,
                    "no RRSIG in a signed zone (the RRset was added or changed after signing, or the server "
                            + "serves an unsigned copy)"));
        }
        Problem first = null;
        for (RRSIGRecord sig : sigs) {
            Problem p = check(rrset, sig, now, signers);
            if (p == null) {
                return Optional.empty();
            }
            if (first == null
                    || (p.kind().equals("rrsig-expired") && !first.kind().equals("rrsig-expired"))) {
                first = p;
            }
        }
        return Optional.of(first);
    }

    private Problem check(RRset rrset, RRSIGRecord sig, Instant now, Predicate<DNSKEYRecord> signers) {
        Name owner = rrset.getName();
        int type = rrset.getType();
        int tag = sig.getFootprint();
        Instant expire = sig.getExpire();
        List<DNSKEYRecord> candidates = keys.stream()
                .filter(k -> k.getFootprint() == tag && k.getAlgorithm() == sig.getAlgorithm())
                .toList();
        if (candidates.isEmpty()) {
            return Problem.signature(
                    ProbeStatus.CRITICAL,
                    "dnskey-missing",
                    owner,
                    type,
                    tag,
                    expire,
                    "signed by key " + tag + " (algorithm " + sig.getAlgorithm() + "), which the DNSKEY RRset lacks");
        }
        Problem failure = null;
        for (DNSKEYRecord key : candidates) {
            if (!signers.test(key)) {
                failure = Problem.signature(
                        ProbeStatus.CRITICAL,
                        "dnskey-not-signed-by-anchor",
                        owner,
                        type,
                        tag,
                        expire,
                        "signed by key " + tag + ", which the trust anchor does not name");
                continue;
            }
            try {
                DNSSEC.verify(rrset, sig, key, now);
                return null;
            } catch (SignatureExpiredException e) {
                failure = Problem.signature(
                        ProbeStatus.CRITICAL,
                        "rrsig-expired",
                        owner,
                        type,
                        tag,
                        expire,
                        "RRSIG expired at " + expire + " (checked at " + now + ")");
            } catch (SignatureNotYetValidException e) {
                failure = Problem.signature(
                        ProbeStatus.CRITICAL,
                        "rrsig-not-yet-valid",
                        owner,
                        type,
                        tag,
                        expire,
                        "RRSIG not valid before " + sig.getTimeSigned() + " (checked at " + now + ")");
            } catch (DNSSECException e) {
                failure = Problem.signature(
                        ProbeStatus.CRITICAL,
                        "bogus-signature",
                        owner,
                        type,
                        tag,
                        expire,
                        "RRSIG does not verify with key " + tag + ": " + e.getMessage());
            }
        }
        return failure;
    }

    /** The latest expiry among the RRSIGs of {@code rrset} that verify at {@code now}. */
    private Optional<Expiry> latest(RRset rrset, Instant now) {
        Expiry best = null;
        for (RRSIGRecord sig : rrset.sigs()) {
            if (sig.getSigner().equals(zone)
                    && check(rrset, sig, now, k -> true) == null
                    && (best == null || sig.getExpire().isAfter(best.instant()))) {
                best = Expiry.of(sig);
            }
        }
        return Optional.ofNullable(best);
    }
}
