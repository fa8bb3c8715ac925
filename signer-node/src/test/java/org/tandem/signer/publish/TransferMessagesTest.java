package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

class TransferMessagesTest {
    private static final int BUDGET =
            TransferMessages.budget(PublishTestZones.ZONE.name().length());

    /** 3000 TXT records of ~250 bytes: about 750 KB, so a dozen messages. */
    private static SignedZone bigZone() {
        List<Record> r = new ArrayList<>(PublishTestZones.version(7, 0, 0).records());
        String filler = "x".repeat(240);
        for (int i = 0; i < 3000; i++) {
            r.add(PublishTestZones.txt("t" + i, filler + i));
        }
        return PublishTestZones.zone(7, r);
    }

    @Test
    void anAxfrOfABigZoneIsSeveralMessagesEachUnder64KiBWithSoaFirstAndLast() throws Exception {
        SignedZone zone = bigZone();
        ServedZone served = ServedZone.first(zone, BUDGET);
        List<List<Record>> chunks = served.axfrMessages;
        assertThat(chunks.size()).isBetween(11, 16);
        List<Record> all = new ArrayList<>();
        Message query = Message.newQuery(Record.newRecord(PublishTestZones.ZONE.name(), Type.AXFR, DClass.IN));
        for (List<Record> chunk : chunks) {
            assertThat(chunk).isNotEmpty();
            Message m = new Message(query.getHeader().getID());
            m.getHeader().setFlag(Flags.QR);
            m.addRecord(query.getQuestion(), Section.QUESTION);
            chunk.forEach(rec -> m.addRecord(rec, Section.ANSWER));
            byte[] wire = m.toWire();
            assertThat(wire.length).isLessThanOrEqualTo(65535 - 512);
            all.addAll(new Message(wire).getSection(Section.ANSWER));
        }
        assertThat(all).hasSize(zone.records().size() + 1);
        assertThat(all.get(0)).isInstanceOf(SOARecord.class);
        assertThat(all.get(all.size() - 1)).isInstanceOf(SOARecord.class).isEqualTo(all.get(0));
        assertThat(all.subList(1, all.size() - 1))
                .containsExactlyElementsOf(
                        zone.records().subList(1, zone.records().size()));
    }

    @Test
    void aSmallZoneIsOneMessage() {
        assertThat(ServedZone.first(PublishTestZones.version(1, 10, 0), BUDGET).axfrMessages)
                .hasSize(1);
    }

    @Test
    void splitsExactlyAtTheBudget() {
        TXTRecord r = PublishTestZones.txt("a", "y".repeat(100));
        int len = TransferMessages.wireLength(r);
        assertThat(len).isEqualTo(r.toWire(Section.ANSWER).length);
        List<Record> stream = List.of(r, r, r, r, r);
        assertThat(TransferMessages.split(stream, 2 * len))
                .extracting(List::size)
                .containsExactly(2, 2, 1);
        assertThat(TransferMessages.split(stream, 2 * len - 1))
                .extracting(List::size)
                .containsExactly(1, 1, 1, 1, 1);
    }

    @Test
    void aRecordLargerThanAMessageIsRefusedNamingIt() {
        TXTRecord r =
                new TXTRecord(PublishTestZones.name("huge"), DClass.IN, 300, Collections.nCopies(300, "z".repeat(250)));
        assertThatThrownBy(() -> TransferMessages.split(List.of(r), BUDGET))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("huge.example.test. TXT");
    }
}
