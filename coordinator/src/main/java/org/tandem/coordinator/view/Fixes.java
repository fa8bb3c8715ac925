package org.tandem.coordinator.view;

/**
 * What an operator does about a key's verdict on one node's HSM, as one sentence with the
 * {@code signerctl} command where there is one: {@code keys sync --config} (through the coordinator)
 * for what the coordinator can repair, the node's own {@code --hsm-config} form for what only that
 * node's host can do. Stateless.
 */
public final class Fixes {
    private Fixes() {}

    /**
     * The fix of one verdict ({@code ok} has none: empty).
     *
     * @param zone the zone, absolute
     * @param node the node whose HSM it concerns
     * @param hsm the HSM (empty when the node could not be asked)
     * @param found the fingerprint of the object found there (different-public-key, extra), else empty
     * @param provenElsewhere whether some node holds the manifest's key proven (a copy is possible)
     */
    public static String of(
            String verdict, String zone, String node, String hsm, String found, boolean provenElsewhere) {
        String sync = "signerctl keys sync --config signerctl.yaml --zone " + zone;
        String onNode = "on " + node + " (its own hsm.yaml): ";
        return switch (verdict) {
            case "ok" -> "";
            case "missing" ->
                provenElsewhere
                        ? "copy it from a node that holds it proven: " + sync
                        : "no node holds this key proven, so it cannot be copied: check the HSMs (signerctl keys verify"
                                + " --config signerctl.yaml --zone " + zone
                                + "), or generate a replacement key and roll over";
            case "different-public-key" ->
                "another key pair sits under this key's identity on HSM " + hsm + " of " + node
                        + " (DENIC 2026): " + onNode + "signerctl keys delete --hsm-config hsm.yaml --zone " + zone
                        + " --hsm "
                        + hsm + " --fingerprint " + (found.isEmpty() ? "<its fingerprint: signerctl keys list>" : found)
                        + ", then " + sync;
            case "private-key-mismatch" ->
                "the private key on HSM " + hsm + " of " + node + " is not the manifest's: "
                        + onNode + "signerctl keys sync --hsm-config hsm.yaml --zone " + zone
                        + " --replace-diverged (destroys"
                        + " the object; that host alone cannot copy the key back), then " + sync;
            case "unexpected-extra-key" ->
                "find out who created it; " + onNode + "signerctl keys delete --hsm-config"
                        + " hsm.yaml --zone " + zone + " --hsm " + hsm + " --fingerprint "
                        + (found.isEmpty() ? "<its fingerprint: signerctl keys list>" : found);
            case "hsm-error" ->
                "check HSM " + hsm + " of " + node + " (PKCS#11 library, token, PIN file), then signerctl"
                        + " keys verify --config signerctl.yaml --zone " + zone;
            case "unreachable" ->
                "make the KeySync service of " + node + " reachable from the coordinator (signerctl" + " status), then "
                        + sync;
            default -> "signerctl keys verify --config signerctl.yaml --zone " + zone;
        };
    }
}
