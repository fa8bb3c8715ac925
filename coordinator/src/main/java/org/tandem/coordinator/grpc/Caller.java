package org.tandem.coordinator.grpc;

import io.grpc.Context;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * The verified caller of a call: the CN of its client certificate (identity, logged and audited)
 * and its OUs (roles: {@code operator}, {@code coordinator}, {@code node}; case-insensitive).
 */
record Caller(String commonName, List<String> organizationalUnits) {
    static final Context.Key<Caller> CURRENT = Context.key("tandem-coordinator-caller");

    Caller {
        Objects.requireNonNull(commonName, "commonName");
        organizationalUnits = List.copyOf(organizationalUnits);
    }

    /** May order a cut-over or a step-down: OU=operator or OU=coordinator. */
    boolean mayOrder() {
        return organizationalUnits.contains("operator") || organizationalUnits.contains("coordinator");
    }

    /** May order a key ceremony (InitKek, EnrolKek, GenerateKey, SyncKeys): OU=operator only. */
    boolean mayOrderKeyCeremony() {
        return organizationalUnits.contains("operator");
    }

    /** CN and OUs of the certificate's subject; empty when it has no CN. */
    static Optional<Caller> of(X509Certificate certificate) {
        List<Rdn> rdns;
        try {
            rdns = new LdapName(certificate.getSubjectX500Principal().getName()).getRdns();
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        String cn = null;
        List<String> ous = new ArrayList<>();
        for (Rdn rdn : rdns) { // least to most specific: the last CN wins
            if (rdn.getType().equalsIgnoreCase("CN")) {
                cn = String.valueOf(rdn.getValue());
            } else if (rdn.getType().equalsIgnoreCase("OU")) {
                ous.add(String.valueOf(rdn.getValue()).trim().toLowerCase(Locale.ROOT));
            }
        }
        return cn == null || cn.isBlank() ? Optional.empty() : Optional.of(new Caller(cn, ous));
    }

    /** "alice (OU operator)" */
    String describe() {
        return commonName + " (OU " + (organizationalUnits.isEmpty() ? "none" : String.join(",", organizationalUnits))
                + ")";
    }
}
