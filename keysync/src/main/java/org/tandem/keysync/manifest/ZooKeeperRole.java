package org.tandem.keysync.manifest;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/**
 * The identities ZooKeeper knows a Tandem client by, and what each may do to Tandem's znodes.
 *
 * <p>A client authenticates with its TLS certificate from the cluster CA; {@link
 * TandemX509AuthenticationProvider} turns the certificate's organizational unit ({@code OU=node},
 * {@code OU=operator}, {@code OU=coordinator}) into the identity {@code x509:<role>}. {@link #ACL} is
 * the access list of every znode Tandem creates (manifests, epoch, election, ledger, clock
 * references): nodes and operators read and write, the coordinator (whose view of the cluster only
 * reads) reads, nobody else has any access.
 */
public enum ZooKeeperRole {
    /** A signer node: leads, bumps the epoch, commits the ledger, writes manifests. */
    NODE(Perms.ALL),
    /** An operator ({@code signerctl}): key ceremonies write the manifests. */
    OPERATOR(Perms.ALL),
    /** The coordinator: reads manifests, the election, the epoch and the ledger; writes nothing. */
    COORDINATOR(Perms.READ);

    /** The ZooKeeper authentication scheme of certificate identities. */
    public static final String SCHEME = "x509";

    /** The access list of every Tandem znode, created through {@link ZooKeeperClientSettings}. */
    // Not List.of: ZooKeeper asks the list whether it contains null, which List.of answers with an NPE.
    public static final List<ACL> ACL =
            Collections.unmodifiableList(Arrays.asList(NODE.acl(), OPERATOR.acl(), COORDINATOR.acl()));

    private final int permissions;

    ZooKeeperRole(int permissions) {
        this.permissions = permissions;
    }

    /** The identity's name in ZooKeeper ({@code x509:<name>}) and the certificate OU that grants it. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role's entry in {@link #ACL}. */
    public ACL acl() {
        return new ACL(permissions, new Id(SCHEME, id()));
    }

    /** The role named {@code id} (case-insensitive), or null. */
    static ZooKeeperRole of(String id) {
        for (ZooKeeperRole role : values()) {
            if (role.id().equalsIgnoreCase(id)) {
                return role;
            }
        }
        return null;
    }
}
