/**
 * The key manifest store: the desired key set of each zone, kept in ZooKeeper as the binary
 * {@code tandem.keysync.v1.KeyManifest} protobuf and changed only by compare-and-set on the znode data
 * version.
 *
 * <p>Owns: the znode layout of the whole cluster, {@link org.tandem.keysync.manifest.ZooKeeperLayout}
 * (the manifest at {@code <root>/zones/<zone-without-trailing-dot>/keys}, root default {@code /tandem},
 * and the election's and publish ledger's nodes beside it), the translation of ZooKeeper failures into {@link
 * org.tandem.keysync.manifest.ManifestException} subclasses, and {@link
 * org.tandem.keysync.manifest.EmbeddedZooKeeper}, the single-node ZooKeeper for the demo and for
 * single-machine use. Also how every Tandem process reaches ZooKeeper securely: {@link
 * org.tandem.keysync.manifest.ZooKeeperClientSettings} (the one builder of Curator clients: TLS with a
 * role certificate, role ACLs, or explicit insecure plaintext), {@link
 * org.tandem.keysync.manifest.ZooKeeperRole} (the ACL), and the server side, {@link
 * org.tandem.keysync.manifest.ZooKeeperServerTls} with {@link
 * org.tandem.keysync.manifest.TandemX509AuthenticationProvider}.
 *
 * <p>Does not own: the meaning of a manifest. Key tag collisions, state transitions and every other
 * domain rule are checked by the layer above; this package stores and versions the message
 * faithfully.
 *
 * <p>Must not import: {@code org.tandem.keysync.hsm} and below (no PKCS#11 here), gRPC (the TLS file
 * checks {@code TlsMaterial} and the certificate roles {@code CallerRole} of {@code keysync.grpc} are
 * used, not gRPC itself), or
 * {@code org.apache.curator.test} (test scope only). Curator is allowed here, and only in the packages
 * {@code manifest}, {@code election} and {@code publish}.
 */
package org.tandem.keysync.manifest;
