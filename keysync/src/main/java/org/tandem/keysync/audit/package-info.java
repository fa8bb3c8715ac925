/**
 * The hash-chained audit log: every key operation (generate, wrap, unwrap, delete, verify, sync,
 * KEK init and enrolment, manifest update, later preflight and cutover) is appended here as one
 * JSON line whose hash covers the line before it, so that an edited, removed, inserted or
 * reordered line is detectable by {@link org.tandem.keysync.audit.AuditChain}.
 *
 * <p>Owns: {@link org.tandem.keysync.audit.AuditEvent} (what happened), {@link
 * org.tandem.keysync.audit.AuditLog} (appending, safe across threads and processes), {@link
 * org.tandem.keysync.audit.AuditChain} (verification) and the canonical line format documented on
 * {@code AuditLog}; signed checkpoints of the chain head ({@link
 * org.tandem.keysync.audit.AuditCheckpoint}) by an {@link org.tandem.keysync.audit.AuditSigner}: a
 * node's audit key inside its HSM (through the {@code Hsm} port, {@link
 * org.tandem.keysync.audit.HsmAuditSigner}) or a key in a file ({@link
 * org.tandem.keysync.audit.SoftwareAuditSigner}, the coordinator's TLS key), so that a rewrite with
 * recomputed hashes is detected. The coordinator uses this package too: one log format everywhere.
 *
 * <p>Must not import: PKCS#11 ({@code sun.security.pkcs11}, {@code org.tandem.keysync.hsm.pkcs11}),
 * Curator or ZooKeeper, gRPC. The log is plain local file I/O so that it still works when the HSM or
 * the ensemble is what failed; callers pass plain strings (zone, HSM id, hex fingerprint), not
 * their types.
 */
package org.tandem.keysync.audit;
