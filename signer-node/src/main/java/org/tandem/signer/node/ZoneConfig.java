package org.tandem.signer.node;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.zone.ZoneLimits;

/**
 * One zone the node signs ({@code zones[i]} in {@code node.yaml}).
 *
 * @param name the zone apex
 * @param source the unsigned master file, absolute; it existed when the configuration was loaded
 * @param policyFile the policy file it came from, absolute, if one was named
 * @param policy the signing policy: from {@code policyFile}, else {@link SigningPolicy#defaults()}
 * @param outputDirectory where the signed zone file is written, absolute: {@code output-dir}, else
 *     {@code publish.directory}
 * @param limits how much the source may make the loader read and keep ({@code zone-limits:}, the
 *     same for every zone of the node)
 */
public record ZoneConfig(
        ZoneName name,
        Path source,
        Optional<Path> policyFile,
        SigningPolicy policy,
        Path outputDirectory,
        ZoneLimits limits) {
    public ZoneConfig {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(policyFile, "policyFile");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(outputDirectory, "outputDirectory");
        if (!source.isAbsolute() || !outputDirectory.isAbsolute()) {
            throw new IllegalArgumentException("zone " + name + ": source and output directory must be absolute");
        }
    }

    /** A zone with the default {@link ZoneLimits}. */
    public ZoneConfig(
            ZoneName name, Path source, Optional<Path> policyFile, SigningPolicy policy, Path outputDirectory) {
        this(name, source, policyFile, policy, outputDirectory, ZoneLimits.defaults());
    }
}
