package org.tandem.signer.sign;

import java.util.List;

/**
 * What the capability canary proved: every listed record type was signed by every key on its HSM
 * and verified against the key's DNSKEY.
 *
 * @param types the record types checked, ascending
 * @param keys the number of keys that signed each type
 * @param signatures signatures made and verified
 */
public record CanaryReport(List<Integer> types, int keys, int signatures) {
    public CanaryReport {
        types = List.copyOf(types);
    }
}
