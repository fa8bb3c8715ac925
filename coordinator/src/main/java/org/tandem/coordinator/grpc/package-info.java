/**
 * The Coordinator gRPC service with mutual TLS: {@link org.tandem.coordinator.grpc.CoordinatorServer}.
 * Reads for every cluster certificate; Failover and StepDown only for OU=operator or OU=coordinator;
 * the key ceremonies (InitKek, EnrolKek, GenerateKey, SyncKeys) only for OU=operator.
 */
package org.tandem.coordinator.grpc;
