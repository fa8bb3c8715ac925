/**
 * Token faults for the chaos harness: SoftHSM2 tokens broken the way an outside tool or an operator
 * breaks them ({@code pkcs11-tool}, {@code softhsm2-util}, file operations on the token directory),
 * and healed again from a snapshot. {@link org.tandem.chaos.hsm.TokenFaults} is the entry point;
 * Faults F10 (token loss), F11 (DENIC) and F12 (APNIC), invariants INV-K1, INV-K2 and
 * INV-K6.
 *
 * <p>Owns: child processes of the OpenSC and SoftHSM2 tools, the token directory named by a
 * softhsm2.conf, and its own work directory (snapshots, removed tokens).
 *
 * <p>Must not import: the PKCS#11 wrapper ({@code sun.security.pkcs11}) or keysync's {@code
 * hsm.pkcs11} adapter: a fault is injected from outside the processes that hold the token, never
 * through their PKCS#11 state. keysync's {@code key} records are used only to compute the
 * fingerprint keysync will see.
 */
package org.tandem.chaos.hsm;
