/**
 * Re-sign scheduling: {@link org.tandem.signer.schedule.ResignPlanner} (pure: when is a zone next
 * due, from its earliest signature expiration, the policy's refresh, a source change and a floor)
 * with {@link org.tandem.signer.schedule.SignatureExpiry} (the earliest RRSIG expiration of the zone
 * as published) and {@link org.tandem.signer.schedule.SourceWatcher} (which zone's unsigned source changed,
 * debounced). The daemon runs the signing; nothing here signs, loads zones or publishes.
 *
 * <p>Must not import Curator, gRPC, PKCS#11 or the {@code sign}/{@code gate}/{@code publish}
 * machinery beyond {@code SigningPolicy}.
 */
package org.tandem.signer.schedule;
