package org.tandem.keysync.grpc;

import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * What a caller of a Tandem gRPC service may do, read from the subject of its verified client
 * certificate: each organizational unit attribute ({@code OU=operator}, {@code OU=coordinator},
 * {@code OU=node}, case-insensitive) grants that role. The CN stays the caller's identity (logged);
 * the cluster CA decides both when it issues the certificate, e.g.
 * {@code openssl req -subj "/O=Tandem/OU=operator/CN=alice"}. A certificate without a known OU has
 * no role: it may read status, nothing else. {@link CallerIdentity} puts the roles of every call's
 * caller into {@link CallerIdentity#ROLES}; {@link KeySyncAuthorization} and the signer node's
 * authorization decide with them.
 *
 * <p>IMPORTANT: the role is only as trustworthy as the CA's issuing policy; a CA that lets anyone
 * choose their subject gives anyone every role.
 */
public enum CallerRole {
    /**
     * A person at the console ({@code signerctl}): runs self-tests and reloads; key ceremonies only through the
     * coordinator.
     */
    OPERATOR,
    /** The coordinator: orders cut-overs (step-down), runs preflight self-tests and key ceremonies. */
    COORDINATOR,
    /** Another signer node: reads status, and moves keys (inventory, export, import) through KeySync. */
    NODE;

    /** The OU value that grants this role: the name in lower case. */
    public String organizationalUnit() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The roles the certificate's subject grants; empty when none (or the subject is unreadable). */
    public static Set<CallerRole> of(X509Certificate certificate) {
        Set<CallerRole> roles = EnumSet.noneOf(CallerRole.class);
        List<Rdn> rdns;
        try {
            rdns = new LdapName(certificate.getSubjectX500Principal().getName()).getRdns();
        } catch (InvalidNameException e) {
            return roles;
        }
        for (Rdn rdn : rdns) {
            if (!rdn.getType().equalsIgnoreCase("OU")) {
                continue;
            }
            String value = String.valueOf(rdn.getValue()).trim();
            for (CallerRole role : values()) {
                if (role.organizationalUnit().equalsIgnoreCase(value)) {
                    roles.add(role);
                }
            }
        }
        return roles;
    }
}
