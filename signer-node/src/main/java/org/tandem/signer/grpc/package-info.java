/**
 * The {@code tandem.signer.v1.SignerNode} gRPC service of a signer node:
 * {@link org.tandem.signer.grpc.SignerNodeService} serves the daemon's
 * {@link org.tandem.signer.node.NodeControl} (status, self-test, step-down, reload),
 * {@link org.tandem.signer.grpc.SignerNodeServer} runs it (and the node's KeySync service) behind
 * keysync's mutual TLS ({@code MtlsServers}, {@code TlsMaterial}, {@code CallerIdentity},
 * {@code CallerRole}: not duplicated here), and the authorization rule gives {@code SelfTest} and
 * {@code Reload} only to certificates with {@code OU=operator} or {@code OU=coordinator},
 * {@code StepDown} only to {@code OU=coordinator}, and leaves KeySync's methods to keysync's
 * {@code KeySyncAuthorization}.
 *
 * <p>Errors are translated into gRPC statuses here and nowhere else. Must not import PKCS#11,
 * Curator or the signing packages: it sees the node only through {@code NodeControl}; never builds
 * a plaintext server.
 */
package org.tandem.signer.grpc;
