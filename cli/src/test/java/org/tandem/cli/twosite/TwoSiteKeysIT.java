package org.tandem.cli.twosite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.tandem.cli.twosite.TwoSiteCluster.ZONE;
import static org.tandem.cli.twosite.TwoSiteCluster.role;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyProtos;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.proto.keysync.v1.ExportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.ImportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.WrappedKey;

/**
 * Keys across two sites with no shared file system: every step is the operator's {@code signerctl
 * --config signerctl.yaml} in the operator's container (no HSM there), carried out by the
 * coordinator on the nodes' KeySync services over the WAN. The KEK is made inside node-a's token and
 * enrolled into node-b's; the keys are generated once on node-a and replicated; {@code keys verify}
 * proves all of them on both tokens. Then what must be refused: a caller without a role exporting a
 * key, an import of a key not in the manifest; a node cut off during {@code keys sync} (named, the
 * new key stays unpublished until it holds it); a DENIC-style second key pair planted in node-b's
 * token with {@code pkcs11-tool} (named by {@code keys verify} with node-b and its HSM).
 *
 * <p>One cluster for the class; the tests run in order and build on each other (the tamper last).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoSiteKeysIT {
    @RegisterExtension
    static final ClusterPerClass SITES = new ClusterPerClass("keys");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONVERGE = Duration.ofSeconds(90);
    /** The ZSK the ceremony made: its fingerprint (= CKA_ID on every token) and token label. */
    private static String zskFingerprint;

    private static String zskLabel;

    @Test
    @Order(1)
    void kekEnrolmentAndKeySyncAcrossTheNodeContainersProveEveryKeyOnBothTokens() throws Exception {
        TwoSiteCluster.Exec init = cluster().signerctlOk("kek", "init", "--on", "node-a");
        assertThat(init.stdout()).as(init.toString()).contains("cluster KEK generated inside node-a/node-a");
        TwoSiteCluster.Exec enrol = cluster().signerctlOk("kek", "enrol", "--from", "node-a", "--to", "node-b");
        assertThat(enrol.stdout()).as(enrol.toString()).contains("match: yes");
        String holder = value(enrol.stdout(), "check value on node-a/node-a (holder): ");
        assertThat(value(enrol.stdout(), "check value on node-b/node-b (enrolled): "))
                .isEqualTo(holder)
                .matches("[0-9a-f]{6}");
        TwoSiteCluster.Exec kek = cluster().signerctlOk("kek", "status");
        assertThat(kek.stdout()).as(kek.toString()).contains("every HSM of every node holds the same cluster KEK");

        JsonNode ksk = JSON.readTree(cluster()
                .signerctlOk("keys", "generate", "--zone", ZONE, "--role", "ksk", "--on", "node-a", "--json")
                .stdout());
        JsonNode zsk = JSON.readTree(cluster()
                .signerctlOk("keys", "generate", "--zone", ZONE, "--role", "zsk", "--on", "node-a", "--json")
                .stdout());
        zskFingerprint = zsk.path("fingerprint").asText();
        zskLabel = "tandem:" + ZONE + ":ZSK:13:" + zsk.path("key_tag").asInt();
        TwoSiteCluster.Exec sync = cluster().signerctlOk("keys", "sync", "--zone", ZONE);
        assertThat(sync.stdout())
                .as(sync.toString())
                .contains(
                        "zone " + ZONE + ": key-synced: every live key present and proven on every HSM of every node");

        JsonNode verify = JSON.readTree(cluster()
                .signerctlOk("keys", "verify", "--zone", ZONE, "--json")
                .stdout());
        assertThat(verify.path("key_synced").asBoolean())
                .as(verify.toPrettyString())
                .isTrue();
        Set<String> verdicts = stream(verify.path("verdicts"))
                .map(v -> v.path("role").asText() + " "
                        + v.path("fingerprint").asText() + " " + v.path("node").asText() + "/"
                        + v.path("hsm").asText() + " "
                        + v.path("verdict").asText())
                .collect(Collectors.toSet());
        String kskFp = ksk.path("fingerprint").asText();
        assertThat(verdicts)
                .as(verify.toPrettyString())
                .containsExactlyInAnyOrder(
                        "KSK " + kskFp + " node-a/node-a ok", "KSK " + kskFp + " node-b/node-b ok",
                        "ZSK " + zskFingerprint + " node-a/node-a ok", "ZSK " + zskFingerprint + " node-b/node-b ok");

        // the keys reached node-b's token only over the network: the same objects (label, CKA_ID = fingerprint) there
        Set<String> onA = keyObjects("node-a");
        assertThat(keyObjects("node-b"))
                .isEqualTo(onA)
                .contains(
                        "privkey " + zskLabel + " " + zskFingerprint,
                        "privkey tandem:" + ZONE + ":KSK:13:"
                                + ksk.path("key_tag").asInt() + " " + kskFp);

        // and the cluster runs on them: a leader publishes both keys, the other node is a key-synced standby
        JsonNode status = cluster()
                .awaitStatus(
                        "a leader and a standby",
                        CONVERGE,
                        s -> Set.of(role(s, "node-a"), role(s, "node-b")).equals(Set.of("leader", "standby")));
        String leader = status.path("leader").asText();
        PublishedZone published = cluster()
                .awaitPublished(
                        leader,
                        "the leader's zone with the KSK and the ZSK",
                        CONVERGE,
                        z -> z.hasKey(dnskeyKey(ksk)) && z.hasKey(dnskeyKey(zsk)));
        assertThat(published.dnskeys()).hasSize(2);
    }

    @Test
    @Order(2)
    void aCertificateWithoutARoleMayNotExportAKeyAndANodeRefusesToImportAKeyNotInTheManifest() throws Exception {
        byte[] fingerprint = HexFormat.of().parseHex(zskFingerprint);
        ExportWrappedKeyRequest export = ExportWrappedKeyRequest.newBuilder()
                .setZone(ZONE)
                .setFingerprint(ByteString.copyFrom(fingerprint))
                .build();
        TlsMaterial nobody = cluster().pki().issue("nobody", null, List.of());
        try (WanClient c = new WanClient(cluster(), "node-a", nobody)) {
            StatusRuntimeException denied = catchThrowableOfType(
                    StatusRuntimeException.class, () -> c.keySync().exportWrappedKey(export));
            assertThat(denied)
                    .as("ExportWrappedKey with a certificate without a role")
                    .isNotNull();
            assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(denied.getStatus().getDescription()).contains("nobody", "ExportWrappedKey", "node-a");
        }

        TlsMaterial peer = cluster().pki().issue("intruder", "node", List.of());
        try (WanClient c = new WanClient(cluster(), "node-a", peer)) {
            // a peer's certificate may export (the blob is useless without the KEK): the refusal above was the role's
            WrappedKey wrapped = c.keySync().exportWrappedKey(export);
            assertThat(wrapped.getKey().getFingerprint().toByteArray()).isEqualTo(fingerprint);

            // the same blob presented as another key, one the manifest does not list
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            DnssecKey stranger = DnssecKey.of(
                    ZoneName.of(ZONE),
                    KeyRole.ZSK,
                    Algorithm.of(13),
                    g.generateKeyPair().getPublic());
            byte[] nonce = new byte[32];
            new SecureRandom().nextBytes(nonce);
            ImportWrappedKeyRequest foreign = ImportWrappedKeyRequest.newBuilder()
                    .setWrapped(wrapped.toBuilder().setKey(KeyProtos.toProto(stranger)))
                    .setNonce(ByteString.copyFrom(nonce))
                    .build();
            Set<String> before = keyObjects("node-a");
            StatusRuntimeException refused = catchThrowableOfType(
                    StatusRuntimeException.class, () -> c.keySync().importWrappedKey(foreign));
            assertThat(refused)
                    .as("ImportWrappedKey of a key not in the manifest")
                    .isNotNull();
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(refused.getStatus().getDescription())
                    .contains(stranger.fingerprint().hex(), "is not in the zone's manifest", "nothing imported");
            assertThat(keyObjects("node-a"))
                    .as("node-a's token after the refused import")
                    .isEqualTo(before);
        }
    }

    @Test
    @Order(3)
    void aNodeCutOffDuringKeysSyncIsNamedAndTheNewKeyStaysUnpublishedUntilItHoldsIt() throws Exception {
        JsonNode status = cluster()
                .awaitStatus(
                        "a leader and a standby",
                        CONVERGE,
                        s -> Set.of(role(s, "node-a"), role(s, "node-b")).equals(Set.of("leader", "standby")));
        String leader = status.path("leader").asText();
        String other = leader.equals("node-a") ? "node-b" : "node-a";

        cluster().isolate(other);
        JsonNode zsk2;
        String newKey;
        try {
            zsk2 = JSON.readTree(cluster()
                    .signerctlOk("keys", "generate", "--zone", ZONE, "--role", "zsk", "--on", leader, "--json")
                    .stdout());
            newKey = dnskeyKey(zsk2);
            TwoSiteCluster.Exec sync = cluster().signerctl("keys", "sync", "--zone", ZONE);
            assertThat(sync.exit()).as(sync.toString()).isNotZero();
            assertThat(sync.stdout() + sync.stderr())
                    .as(sync.toString())
                    .contains(other)
                    .containsIgnoringCase("unreachable");

            // the leader cannot bring the key to the other node: it says so, and keeps it out of the DNSKEY RRset
            String fp8 = zsk2.path("fingerprint").asText().substring(0, 8);
            TestTiming.until(
                    Duration.ofSeconds(30),
                    leader + " logging the key as pending replication on " + other,
                    () -> cluster()
                            .logs(leader)
                            .lines()
                            .anyMatch(l -> l.contains("key=" + fp8)
                                    && l.contains("event=replication-pending missing on " + other)));
            PublishedZone z = PublishedZone.parse(ZONE, cluster().publishedZone(leader));
            assertThat(z.hasKey(newKey))
                    .as("the unreplicated ZSK in %s's published zone (serial %d)", leader, z.serial())
                    .isFalse();
            assertThat(z.dnskeys()).hasSize(2);
        } finally {
            cluster().reconnect(other);
        }
        // once the other node is back, the leader brings the key to it, promotes and publishes it
        cluster()
                .awaitPublished(
                        leader, "the new ZSK published once both nodes hold it", CONVERGE, p -> p.hasKey(newKey));
        cluster()
                .awaitStatus(
                        "the coordinator reaching " + other + " again",
                        CONVERGE,
                        s -> !role(s, other).equals("unreachable"));
        JsonNode verify = JSON.readTree(cluster()
                .signerctlOk("keys", "verify", "--zone", ZONE, "--json")
                .stdout());
        assertThat(verify.path("key_synced").asBoolean())
                .as(verify.toPrettyString())
                .isTrue();
    }

    @Test
    @Order(4)
    void aDenicStyleSecondKeyPairOnNodeBsTokenIsFoundByKeysVerifyNamingNodeBAndItsHsm() throws Exception {
        new NodeToken(cluster(), "node-b").plantStrayKeyPair(zskLabel, zskFingerprint);

        TwoSiteCluster.Exec verify = cluster().signerctl("keys", "verify", "--zone", ZONE);
        assertThat(verify.exit()).as(verify.toString()).isEqualTo(1);
        String tag = zskLabel.substring(zskLabel.lastIndexOf(':') + 1);
        assertThat(verify.stdout())
                .as(verify.toString())
                .contains("zone " + ZONE + " ZSK tag " + tag + " fingerprint " + zskFingerprint + " on node-b/node-b: "
                        + "different-public-key")
                .contains("NOT key-synced");
        // node-a's copy is untouched
        assertThat(verify.stdout()
                        .lines()
                        .filter(l -> l.contains(" node-a ") && l.contains(zskFingerprint.substring(0, 8))))
                .as(verify.toString())
                .allMatch(l -> l.contains(" ok"));
    }

    // ---- helpers

    /** The zone keys' objects on the node's token (not its own audit-signing key, which no other node has). */
    private static Set<String> keyObjects(String node) throws Exception {
        return new NodeToken(cluster(), node)
                .list().stream()
                        .filter(o ->
                                o.label().startsWith("tandem:") && !o.label().startsWith("tandem:audit:"))
                        .map(o -> o.type() + " " + o.label() + " " + o.idHex())
                        .collect(Collectors.toSet());
    }

    /** The base64 public-key field of a {@code keys generate --json} answer's DNSKEY record. */
    private static String dnskeyKey(JsonNode generated) {
        String[] f = generated.path("dnskey").asText().trim().split("\\s+");
        return String.join("", List.of(f).subList(7, f.length));
    }

    private static String value(String text, String prefix) {
        return text.lines()
                .filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(prefix.length()).trim())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line '" + prefix + "' in:\n" + text));
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false);
    }

    private static TwoSiteCluster cluster() {
        return SITES.cluster();
    }
}
