package org.tandem.signer.gate;

import java.util.Objects;
import org.tandem.signer.SigningException;

/**
 * The validation gate refused a zone: nothing may be published. Carries the verdict; the message is
 * its {@linkplain GateVerdict#summary() summary} (failures by reason, each with owner, type, key tag
 * and fingerprint).
 */
public final class GateRefusedException extends SigningException {
    private static final long serialVersionUID = 1L;

    private final transient GateVerdict verdict;

    public GateRefusedException(GateVerdict verdict) {
        super(Objects.requireNonNull(verdict, "verdict").summary());
        if (verdict.passed()) {
            throw new IllegalArgumentException("the gate passed zone " + verdict.origin());
        }
        this.verdict = verdict;
    }

    public GateVerdict verdict() {
        return verdict;
    }
}
