/** Reading Tandem's configuration files: one reader with the same limits for all of them. */
package org.tandem.keysync.config;
