# Sourced (not run) by the launchers in bin/ and bench/: the JVM flags of every Tandem JVM that may
# touch an HSM. The flag opens the JDK's PKCS#11 wrapper (docs/adr/0001); its other homes are the
# parent POM's tandem.addExports (javac, surefire, failsafe) and the Java constant Pkcs11JvmFlags
# (keysync, for JVMs that Java code starts). Pkcs11JvmFlagsTest keeps the three equal.
# shellcheck disable=SC2034  # used by the scripts that source this file
TANDEM_JVM_FLAGS=(--add-exports=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED)
