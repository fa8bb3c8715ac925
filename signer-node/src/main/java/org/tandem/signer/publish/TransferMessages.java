package org.tandem.signer.publish;

import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Splits a transfer's record stream into DNS messages that fit the 64 KiB TCP message limit
 * (RFC 5936 §2.2: an AXFR is one or more messages). Each record is counted at its uncompressed wire
 * length, an upper bound: compression only shrinks a message.
 */
final class TransferMessages {
    /** The largest DNS message over TCP: the two-byte length prefix. */
    static final int MAX_MESSAGE = 65535;

    /** Header (12), a TSIG record with a 64-byte MAC and long names, and slack. */
    static final int RESERVED = 12 + 512;

    private TransferMessages() {}

    /** The answer-section budget of one message whose question names {@code questionNameLength} bytes. */
    static int budget(int questionNameLength) {
        return MAX_MESSAGE - RESERVED - (questionNameLength + 4);
    }

    /** Uncompressed wire length of a record in the answer section. */
    static int wireLength(Record r) {
        return r.getName().length() + 10 + r.rdataToWireCanonical().length;
    }

    /**
     * Consecutive views of {@code stream}, each at most {@code budget} bytes of records, none empty.
     *
     * @throws IllegalArgumentException when one record alone exceeds the budget
     */
    static List<List<Record>> split(List<Record> stream, int budget) {
        List<List<Record>> messages = new ArrayList<>();
        int start = 0;
        int used = 0;
        for (int i = 0; i < stream.size(); i++) {
            int len = wireLength(stream.get(i));
            if (len > budget) {
                throw new IllegalArgumentException("record too large for a DNS message (" + len + " bytes): "
                        + stream.get(i).getName() + " "
                        + Type.string(stream.get(i).getType()));
            }
            if (used + len > budget) {
                messages.add(stream.subList(start, i));
                start = i;
                used = 0;
            }
            used += len;
        }
        if (start < stream.size()) {
            messages.add(stream.subList(start, stream.size()));
        }
        return List.copyOf(messages);
    }
}
