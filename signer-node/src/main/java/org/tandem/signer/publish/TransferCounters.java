package org.tandem.signer.publish;

/**
 * What a {@link TransferServer} did since it started, for metrics and tests. A snapshot; every count
 * only grows.
 *
 * @param soaAnswers SOA queries answered (UDP and TCP)
 * @param axfrTransfers full transfers sent (AXFR, and IXFR answered in AXFR style)
 * @param ixfrIncremental IXFR answered with differences
 * @param ixfrFallbacks IXFR whose serial the journal did not reach, answered in AXFR style (also in axfrTransfers)
 * @param ixfrUpToDate IXFR answered with the single current SOA (client current, or over UDP)
 * @param refused requests answered REFUSED (permit, allow-list, missing TSIG, unsupported query)
 * @param notAuthorized requests answered NOTAUTH (TSIG failed, zone not served here)
 * @param tsigRejected requests refused for their TSIG: missing while required, failed, or with a key unknown here
 *     (also in refused or notAuthorized)
 * @param malformed messages dropped because they could not be parsed or were not queries
 * @param connectionsRejected TCP connections closed at accept because all slots were busy
 * @param notifiesAcknowledged NOTIFY messages a secondary answered with NOERROR
 * @param notifiesFailed NOTIFY sends that gave up (no answer after every attempt, an error answer, no permit)
 */
public record TransferCounters(
        long soaAnswers,
        long axfrTransfers,
        long ixfrIncremental,
        long ixfrFallbacks,
        long ixfrUpToDate,
        long refused,
        long notAuthorized,
        long tsigRejected,
        long malformed,
        long connectionsRejected,
        long notifiesAcknowledged,
        long notifiesFailed) {}
