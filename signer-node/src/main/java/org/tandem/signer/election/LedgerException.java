package org.tandem.signer.election;

import org.tandem.signer.SigningException;

/**
 * Base of every failure of the {@link PublishLedger}. The subclasses say what the caller must do:
 *
 * <ul>
 *   <li>{@link StaleLeadershipException}: this node does not (or no longer) lead; publish nothing, do
 *       not retry with this {@link Leadership}.
 *   <li>{@link SerialRefusedException}: the serial would go backwards or repeat with other content;
 *       allocate a new serial with {@link PublishLedger#nextSerial} and re-sign.
 *   <li>{@link LedgerUnavailableException}: ZooKeeper could not be reached; the outcome of a commit is
 *       unknown; read {@link PublishLedger#last} before deciding anything.
 *   <li>{@link LedgerCorruptException}: a ledger znode holds bytes that are not a record; an operator
 *       must repair the znode named in the message.
 * </ul>
 */
public abstract sealed class LedgerException extends SigningException
        permits StaleLeadershipException, SerialRefusedException, LedgerUnavailableException, LedgerCorruptException {
    private static final long serialVersionUID = 1L;

    LedgerException(String message, Throwable cause) {
        super(message, cause);
    }
}
