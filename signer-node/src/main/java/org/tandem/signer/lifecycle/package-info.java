/**
 * Key lifecycle: the rollover policy of a zone ({@link org.tandem.signer.lifecycle.RolloverPolicy})
 * and the rollover planner, a pure function from the keys' timelines, the policy, the publication
 * history, the parent's DS state and {@code now} to the next actions and when each is due (RFC 7583
 * timing: ZSK pre-publication, KSK double-KSK with double-DS, CDS/CDNSKEY by RFC 7344 and RFC 8078,
 * algorithm rollovers in the order of RFC 6781 §4.1.4).
 *
 * <p>The rollover agent the leader runs ({@link org.tandem.signer.lifecycle.RolloverAgent}) reads the
 * manifest, the ledger and the parent, calls the planner and carries out what is due, each step under
 * the keysync guarantee (a key is published only when every HSM has proven it).
 * {@link org.tandem.signer.lifecycle.CacheCheck} judges a series of published versions the way a
 * resolver's cache meets them: every DNSKEY RRset, RRSIG and DS that may still be cached must
 * validate every version (the simulation command and the rollover tests run it).
 *
 * <p>Must not import Curator, gRPC, PKCS#11 or the {@code sign} and {@code gate} packages.
 */
package org.tandem.signer.lifecycle;
