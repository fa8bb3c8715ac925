/** The coordinator's audit log of orders and their preflights: {@link org.tandem.coordinator.audit.AuditLog}. */
package org.tandem.coordinator.audit;
