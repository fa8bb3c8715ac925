/**
 * The {@code KeySync} gRPC service and its client, and mutual TLS for every gRPC channel of Tandem.
 *
 * <p>KeySync: {@link org.tandem.keysync.grpc.KeySyncService} answers for one node's HSMs (inventory
 * with proofs of possession over the caller's nonce, export and import of keys wrapped under the
 * cluster KEK as the zone's manifest allows, KEK status, and on the coordinator's order key
 * generation and the KEK ceremony), audited with the caller's certificate CN, behind
 * {@link org.tandem.keysync.grpc.KeySyncAuthorization} (who may call what, by
 * {@link org.tandem.keysync.grpc.CallerRole}), and translates every failure into a gRPC
 * {@code Status} with a {@code google.rpc.ErrorInfo} here, at the boundary;
 * {@link org.tandem.keysync.grpc.KeySyncServer} runs it behind mutual TLS;
 * {@link org.tandem.keysync.grpc.RemoteKeySet} is the client, which verifies every proof itself
 * against the manifest and gives the same verdicts as the local
 * {@link org.tandem.keysync.proof.KeySetVerifier} (both use
 * {@link org.tandem.keysync.proof.KeySetMatcher}); a failed call is a
 * {@link org.tandem.keysync.grpc.RemoteCallException}.
 *
 * <p>Mutual TLS 1.3: the files a node presents and trusts ({@link org.tandem.keysync.grpc.TlsMaterial}),
 * servers that refuse any client without a valid certificate from the cluster CA at the TLS
 * handshake and limit their connections ({@link org.tandem.keysync.grpc.MtlsServers},
 * {@link org.tandem.keysync.grpc.ConnectionLimits}), client channels that present the node's
 * certificate and accept only a server of a role they talk to
 * ({@link org.tandem.keysync.grpc.MtlsChannels}), and the verified caller's name for logging and
 * authorization ({@link org.tandem.keysync.grpc.CallerIdentity}). Services of other modules (signer,
 * coordinator) live in their own packages and only hand their {@link io.grpc.BindableService} to
 * {@link org.tandem.keysync.grpc.MtlsServers}.
 *
 * <p>Must not import: PKCS#11 code ({@code org.tandem.keysync.hsm.pkcs11}, {@code sun.security.pkcs11}):
 * HSMs are reached only through the {@link org.tandem.keysync.hsm.Hsm} port; Curator or ZooKeeper
 * (manifests only through the {@link org.tandem.keysync.manifest.ManifestStore} port);
 * and no Netty classes beyond the gRPC builders, the TLS context ({@code TlsContexts}) and the
 * listening socket with its connection cap ({@code ConnectionCap}). Never builds a plaintext server or channel.
 */
package org.tandem.keysync.grpc;
