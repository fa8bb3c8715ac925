/**
 * The key manifest store: the desired key set of each zone, kept in ZooKeeper as the binary
 * {@code tandem.keysync.v1.KeyManifest} protobuf and changed only by compare-and-set on the znode data
 * version.
 *
 * <p>Owns: the znode layout {@code <root>/zones/<zone-without-trailing-dot>/keys} (root default
 * {@code /tandem}), the translation of ZooKeeper failures into {@link
 * org.tandem.keysync.manifest.ManifestException} subclasses, and {@link
 * org.tandem.keysync.manifest.EmbeddedZooKeeper}, the single-node ZooKeeper for the demo and for
 * single-machine use.
 *
 * <p>Does not own: the meaning of a manifest. Key tag collisions, state transitions and every other
 * domain rule are checked by the layer above; this package stores and versions the message
 * faithfully.
 *
 * <p>Must not import: {@code org.tandem.keysync.hsm} and below (no PKCS#11 here), gRPC, or
 * {@code org.apache.curator.test} (test scope only). Curator is allowed here, and only in the packages
 * {@code manifest}, {@code election} and {@code publish}.
 */
package org.tandem.keysync.manifest;
