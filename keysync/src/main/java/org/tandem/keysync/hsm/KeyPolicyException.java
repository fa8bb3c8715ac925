package org.tandem.keysync.hsm;

import java.util.List;
import org.tandem.keysync.KeySyncException;

/** Keys on the HSMs break the key attribute policy; the message lists every violation. */
public final class KeyPolicyException extends KeySyncException {
    private static final long serialVersionUID = 1L;

    private final transient List<KeyPolicyViolation> violations;

    public KeyPolicyException(List<KeyPolicyViolation> violations) {
        super(violations.size()
                + " key(s) break the HSM key attribute policy (keys could leave the HSM with the user PIN;"
                + " see docs/security/hsm.md): "
                + String.join(
                        "; ",
                        violations.stream().map(KeyPolicyViolation::describe).toList()));
        this.violations = List.copyOf(violations);
    }

    public List<KeyPolicyViolation> violations() {
        return violations;
    }
}
