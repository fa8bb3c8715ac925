package org.tandem.keysync.manifest;

import java.util.Objects;
import java.util.Optional;

/**
 * The manifest store's view of {@link ZooKeeperLayout}: the manifest znodes, {@code
 * <root>/zones/<zone-without-trailing-dot>/keys}, behind the zone name rules that keep a zone name a
 * single, safe znode name.
 */
final class ManifestPaths {
    // RFC 1035 §2.3.4: labels are 63 octets or less, names 255 octets or less in wire form; the text
    // form with the trailing dot is one octet shorter than the wire form.
    private static final int MAX_LABEL_LENGTH = 63;
    private static final int MAX_NAME_LENGTH = 254;

    private final ZooKeeperLayout layout;

    /**
     * @param root absolute ZooKeeper path under which the store lives ({@code "/tandem"})
     * @throws IllegalArgumentException if the root is not a valid ZooKeeper path or lies under {@code
     *     /zookeeper}
     */
    ManifestPaths(String root) {
        this.layout = new ZooKeeperLayout(root);
    }

    String root() {
        return layout.root();
    }

    /** The parent of all zone nodes. */
    String zonesPath() {
        return layout.zonesPath();
    }

    /**
     * The manifest znode of a zone.
     *
     * @throws IllegalArgumentException if the zone name is not valid (see {@link #checkZone})
     */
    String manifestPath(String zone) {
        checkZone(zone);
        return layout.manifestPath(zone);
    }

    /** The manifest znode below one child of {@link #zonesPath()}. */
    String manifestPathOfNode(String zoneNode) {
        return layout.manifestPathOfNode(zoneNode);
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
