/**
 * The HSM port over PKCS#11, through the JDK's own PKCS#11 wrapper (the engine under SunPKCS11,
 * module {@code jdk.crypto.cryptoki}). The only package that may touch PKCS#11. See
 * docs/adr/0001-pkcs11-through-the-jdk-wrapper.md for why it does not go through the SunPKCS11
 * KeyStore.
 */
package org.tandem.keysync.hsm.pkcs11;
