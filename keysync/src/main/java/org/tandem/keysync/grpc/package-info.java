/**
 * Mutual TLS for every gRPC channel of Tandem: the files a node presents and trusts
 * ({@link org.tandem.keysync.grpc.TlsMaterial}), servers that refuse any client without a
 * certificate from the cluster CA at the TLS handshake ({@link org.tandem.keysync.grpc.MtlsServers}),
 * client channels that present the node's certificate ({@link org.tandem.keysync.grpc.MtlsChannels}),
 * and the verified caller's name for logging and authorization
 * ({@link org.tandem.keysync.grpc.CallerIdentity}).
 *
 * <p>Owns: PEM file checks, gRPC server/channel credentials, the caller identity in the gRPC
 * {@link io.grpc.Context}. Services (KeySync, signer, coordinator) live in their own packages and
 * only hand their {@link io.grpc.BindableService} to {@link org.tandem.keysync.grpc.MtlsServers}.
 *
 * <p>Must not import: PKCS#11 code ({@code org.tandem.keysync.hsm.pkcs11}, {@code sun.security.pkcs11}),
 * Curator or ZooKeeper, and no Netty classes beyond {@code NettyServerBuilder} and
 * {@code NettyChannelBuilder} (address binding, TLS context errors).
 * Never builds a plaintext server or channel.
 */
package org.tandem.keysync.grpc;
