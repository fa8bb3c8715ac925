package org.tandem.cli;

/**
 * Every exit code of {@code signerctl}, documented in docs/operations.md. Scripts may rely on them.
 */
public enum ExitCode {
    /** Done; for verify: every HSM holds the identical, proven key set. */
    OK(0, "done; for verify and sync: every HSM holds the manifest's key set, proven"),
    /** The key sets differ (verify), or sync could not make them equal. */
    NOT_SYNCED(
            1,
            "key sets differ between the manifest and at least one HSM; the report names zone, role, tag, fingerprint "
                    + "and HSM"),
    /** Wrong command line. */
    USAGE(2, "usage error: unknown command or option, missing argument"),
    /** An HSM cannot be used: library, token, PIN file, PIN. Nothing was changed. */
    HSM_UNAVAILABLE(3, "an HSM cannot be used (PKCS#11 library, token, PIN file or PIN); nothing was changed"),
    /** ZooKeeper cannot be reached. Nothing was changed. */
    ZOOKEEPER_UNAVAILABLE(4, "ZooKeeper cannot be reached; nothing was changed"),
    /** The manifest changed under us too often, or the zone has no manifest yet. */
    MANIFEST(5, "the manifest is missing, corrupt, or kept changing under this command"),
    /** The command was refused for safety (e.g. deleting a live key, a second KEK). */
    REFUSED(
            6,
            "refused for safety (deleting a live key, a second KEK, HSMs without a shared KEK, KEK check values that "
                    + "differ after an enrolment)"),
    /** The audit log is corrupt or was tampered with. */
    AUDIT_CORRUPT(
            7,
            "the audit log's hash chain is broken or a signed checkpoint does not verify: a line was edited, removed, "
                    + "inserted or reordered (also with recomputed hashes)"),
    /** The configuration file is missing or wrong. */
    CONFIG(8, "the configuration file is missing or wrong (the message names file and key)"),
    /** The zone does not validate (verify), or the gate refused the signed zone (sign). Nothing was written. */
    INVALID_ZONE(
            9, "the zone does not validate (verify), or the validation gate refused it (sign); nothing was written"),
    /** A failure that is not one of the above; the message says what. */
    FAILED(10, "any other failure, e.g. a node the coordinator could not reach during an order; the message says what"),
    /** The unsigned zone file was rejected (syntax, out-of-zone data, CNAME beside other data, ...). */
    ZONE_REJECTED(
            11, "the unsigned zone file was rejected; the message names file, line and record; nothing was written"),
    /** A record type could not be signed and verified (the Restena guard). */
    CANARY_FAILED(
            12,
            "the capability canary failed: a record type present in the zone cannot be signed; nothing was written"),
    /** The coordinator's preflight refused the cut-over (failover, preflight). Nothing was changed. */
    PREFLIGHT_REFUSED(
            13,
            "the preflight refused the cut-over; the report names zone, check, role, tag, fingerprint, node, HSM and "
                    + "the fix; nothing was changed"),
    /** The coordinator cannot be reached (or did not answer in time). */
    COORDINATOR_UNREACHABLE(
            14,
            "the coordinator cannot be reached or did not answer in time; nothing was changed (after a timeout of "
                    + "failover: the outcome is unknown, run status)"),
    /** The coordinator refused the caller's certificate for this call. */
    NOT_PERMITTED(
            15,
            "the coordinator refused the certificate (ordering a failover, a step-down or a key ceremony needs "
                    + "OU=operator); nothing was changed"),
    /** The cut-over was performed but the new leader's first validated publication was not seen in time. */
    FAILOVER_INCOMPLETE(
            16,
            "the leader stepped down but the new leader's first validated publication was not seen before the timeout: "
                    + "run status"),
    /** Confirmation of a failover was refused at the prompt. */
    ABORTED(17, "the operator answered no at the confirmation prompt; nothing was changed");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
