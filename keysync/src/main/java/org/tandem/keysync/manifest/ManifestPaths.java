package org.tandem.keysync.manifest;

import java.util.Objects;
import java.util.Optional;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.common.PathUtils;

/**
 * The znode layout of the manifest store, {@code <root>/zones/<zone-without-trailing-dot>/keys}, and
 * the zone name rules that keep a zone name a single, safe znode name.
 */
final class ManifestPaths {
    private static final String ZONES = "zones";
    private static final String KEYS = "keys";

    // RFC 1035 §2.3.4: labels are 63 octets or less, names 255 octets or less in wire form; the text
    // form with the trailing dot is one octet shorter than the wire form.
    private static final int MAX_LABEL_LENGTH = 63;
    private static final int MAX_NAME_LENGTH = 254;

    private final String root;

    /**
     * @param root absolute ZooKeeper path under which the store lives ({@code "/tandem"})
     * @throws IllegalArgumentException if the root is not a valid ZooKeeper path or lies under {@code
     *     /zookeeper}
     */
    ManifestPaths(String root) {
        Objects.requireNonNull(root, "root");
        try {
            PathUtils.validatePath(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid ZooKeeper root '" + root + "': " + e.getMessage(), e);
        }
        if (root.equals("/zookeeper") || root.startsWith("/zookeeper/")) {
            throw new IllegalArgumentException(
                    "invalid ZooKeeper root '" + root + "': /zookeeper is reserved by ZooKeeper");
        }
        this.root = root;
    }

    String root() {
        return root;
    }

    /** The parent of all zone nodes. */
    String zonesPath() {
        return ZKPaths.makePath(root, ZONES);
    }

    /**
     * The manifest znode of a zone.
     *
     * @throws IllegalArgumentException if the zone name is not valid (see {@link #checkZone})
     */
    String manifestPath(String zone) {
        checkZone(zone);
        return ZKPaths.makePath(root, ZONES, zone.substring(0, zone.length() - 1), KEYS);
    }

    /** The manifest znode below one child of {@link #zonesPath()}. */
    String manifestPathOfNode(String zoneNode) {
        return ZKPaths.makePath(root, ZONES, zoneNode, KEYS);
    }

    /**
     * Checks a zone name: absolute (trailing dot), lower case, printable ASCII without {@code '/'} or
     * {@code '\'}, no empty labels, RFC 1035 lengths; not the root zone.
     *
     * @throws IllegalArgumentException naming the zone and the rule it breaks
     */
    static void checkZone(String zone) {
        Objects.requireNonNull(zone, "zone");
        Optional<String> problem = zoneProblem(zone);
        if (problem.isPresent()) {
            throw new IllegalArgumentException("invalid zone name '" + zone + "': " + problem.get());
        }
    }

    /** The zone stored under a child of {@link #zonesPath()}, if the child's name is a valid zone. */
    static Optional<String> zoneOfNode(String zoneNode) {
        String zone = zoneNode + ".";
        return zoneProblem(zone).isPresent() ? Optional.empty() : Optional.of(zone);
    }

    private static Optional<String> zoneProblem(String zone) {
        if (zone.isEmpty()) {
            return Optional.of("empty");
        }
        if (!zone.endsWith(".")) {
            return Optional.of("not absolute, it must end with a dot");
        }
        if (zone.equals(".")) {
            return Optional.of("the root zone is not supported by the manifest store");
        }
        if (zone.length() > MAX_NAME_LENGTH) {
            return Optional.of("longer than " + MAX_NAME_LENGTH + " characters");
        }
        for (int i = 0; i < zone.length(); i++) {
            char c = zone.charAt(i);
            if (c == '/') {
                return Optional.of("contains '/'");
            }
            if (c == '\\') {
                return Optional.of("contains '\\'; escaped names are not supported");
            }
            if (c <= ' ' || c > '~') {
                return Optional.of("contains a character that is not printable ASCII at index " + i
                        + "; write internationalised names as A-labels (xn--)");
            }
            if (c >= 'A' && c <= 'Z') {
                return Optional.of("not lower case");
            }
        }
        int labelStart = 0;
        for (int i = 0; i < zone.length(); i++) {
            if (zone.charAt(i) == '.') {
                int length = i - labelStart;
                if (length == 0) {
                    return Optional.of("contains an empty label");
                }
                if (length > MAX_LABEL_LENGTH) {
                    return Optional.of("label '" + zone.substring(labelStart, i) + "' is longer than "
                            + MAX_LABEL_LENGTH + " characters");
                }
                labelStart = i + 1;
            }
        }
        return Optional.empty();
    }
}
