/**
 * The coordinator's audit log of orders and their preflights: {@link org.tandem.coordinator.audit.AuditLog},
 * a thin layer over keysync's hash-chained, checkpointed log ({@code org.tandem.keysync.audit}), the only
 * keysync package the coordinator may use.
 */
package org.tandem.coordinator.audit;
