package org.tandem.signer.nsec;

import java.util.Objects;
import org.tandem.signer.SigningException;
import org.xbill.DNS.Name;

/**
 * Two owner names hash to the same NSEC3 owner (RFC 5155 §7.1: the chain cannot be built; choose
 * another salt). Practically impossible with SHA-1, but never papered over.
 */
public class Nsec3CollisionException extends SigningException {
    private static final long serialVersionUID = 1L;

    private final transient Name first;
    private final transient Name second;

    public Nsec3CollisionException(Name zone, Name first, Name second, String hashedOwner) {
        super("zone " + zone + ": NSEC3 hash collision: " + first + " and " + second + " both hash to " + hashedOwner
                + "; sign with another NSEC3 salt (RFC 5155 §7.1)");
        this.first = Objects.requireNonNull(first, "first");
        this.second = Objects.requireNonNull(second, "second");
    }

    public Name first() {
        return first;
    }

    public Name second() {
        return second;
    }
}
