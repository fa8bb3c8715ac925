package org.tandem.keysync.hsm.pkcs11;

/**
 * The JVM flag that opens the JDK's PKCS#11 wrapper to this adapter (docs/adr/0001), for Java code
 * that starts another JVM which may touch an HSM (test fixtures, the demo, the chaos harness).
 *
 * <p>The flag has one home per kind of launcher, and they must stay equal (a test checks it): this
 * constant; the parent POM's {@code tandem.addExports} (javac, surefire and failsafe); and {@code
 * bin/lib/jvm-flags.sh}, sourced by the shell launchers in {@code bin/} and {@code bench/}.
 */
public final class Pkcs11JvmFlags {
    /** {@code --add-exports} of {@code sun.security.pkcs11.wrapper} to the unnamed module. */
    public static final String ADD_EXPORTS =
            "--add-exports=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED";

    private Pkcs11JvmFlags() {}
}
