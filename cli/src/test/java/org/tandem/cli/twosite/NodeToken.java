package org.tandem.cli.twosite;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A node's SoftHSM2 token, worked on from inside the node's own container with OpenSC's {@code
 * pkcs11-tool}, behind Tandem's back, as an outside tool (or a faulty rollover agent) would: list
 * the objects, and plant the DENIC fault (another key pair under a key's label and {@code CKA_ID}).
 */
final class NodeToken {
    private static final String MODULE = "/usr/lib/softhsm/libsofthsm2.so";
    private final TwoSiteCluster cluster;
    private final String node;

    /** One object on the token, as {@code pkcs11-tool --list-objects} describes it. */
    record TokenObject(String type, String label, String idHex) {
        TokenObject {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(idHex, "idHex");
        }
    }

    NodeToken(TwoSiteCluster cluster, String node) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.node = Objects.requireNonNull(node, "node");
    }

    /** Every key and certificate object on the node's token (the token label is the node's name). */
    List<TokenObject> list() throws IOException, InterruptedException {
        TwoSiteCluster.Exec e = pkcs11("--list-objects");
        List<TokenObject> objects = new ArrayList<>();
        String type = null;
        String label = "";
        String id = "";
        for (String line : (e.stdout() + "\nEnd\n").lines().toList()) {
            if (!line.startsWith(" ") && !line.isBlank()) {
                if (type != null) {
                    objects.add(new TokenObject(type, label, id));
                }
                String head = line.toLowerCase(Locale.ROOT);
                type = head.startsWith("private key")
                        ? "privkey"
                        : head.startsWith("public key")
                                ? "pubkey"
                                : head.startsWith("certificate")
                                        ? "cert"
                                        : head.startsWith("secret key")
                                                ? "secrkey"
                                                : head.startsWith("end") ? null : "other";
                label = "";
                id = "";
            } else if (line.trim().startsWith("label:")) {
                label = line.substring(line.indexOf(':') + 1).trim();
            } else if (line.trim().startsWith("ID:")) {
                id = line.substring(line.indexOf(':') + 1).trim().toLowerCase(Locale.ROOT);
            }
        }
        return objects;
    }

    /**
     * The DENIC fault: destroys the private- and public-key objects with {@code CKA_ID} {@code
     * idHex}, then generates another P-256 pair under the same label and {@code CKA_ID} (so the key
     * tag in the label is the old key's too). Certificate objects under that id stay.
     */
    void plantStrayKeyPair(String label, String idHex) throws IOException, InterruptedException {
        for (String type : List.of("privkey", "pubkey")) {
            pkcs11("--delete-object", "--type", type, "--id", idHex);
        }
        pkcs11("--keypairgen", "--key-type", "EC:prime256v1", "--usage-sign", "--label", label, "--id", idHex);
    }

    private TwoSiteCluster.Exec pkcs11(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                "pkcs11-tool", "--module", MODULE, "--token-label", node, "--login", "--pin", cluster.pin(node)));
        cmd.addAll(List.of(args));
        TwoSiteCluster.Exec e = cluster.exec(node, cmd.toArray(String[]::new));
        if (e.exit() != 0) {
            throw new IllegalStateException("pkcs11-tool on " + node + "'s token failed: "
                    + e.toString().replace(cluster.pin(node), "***"));
        }
        return e;
    }
}
