/** {@code coordinator.yaml}: {@link org.tandem.coordinator.config.CoordinatorConfig#load}. */
package org.tandem.coordinator.config;
