import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.publish.SignedZoneFile;
import org.tandem.signer.zone.ZoneLimits;
import org.tandem.signer.zone.ZoneLoader;
import org.xbill.DNS.Name;

/**
 * Times reading a zone file in one JVM, ROUNDS times (the first cold): an unsigned file through the zone
 * loader, a signed one through SignedZoneFile. Run by bench/read-zone.
 */
public class ReadZone {
    /** The file's own size is the cap: this times reading, not refusing. */
    private static final ZoneLimits UNCAPPED =
            new ZoneLimits(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        Path file = Path.of(args[1]);
        String zone = args[2];
        int rounds = Integer.parseInt(args[3]);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int i = 1; i <= rounds; i++) {
            long cpu = os.getProcessCpuTime();
            long t = System.nanoTime();
            int records = kind.equals("signed")
                    ? SignedZoneFile.read(file, Name.fromString(zone)).size()
                    : ZoneLoader.load(file, ZoneName.of(zone), UNCAPPED).records().size();
            System.out.printf(
                    "round %d: %d records, wall %.2f s, cpu %.2f s%n",
                    i, records, (System.nanoTime() - t) / 1e9, (os.getProcessCpuTime() - cpu) / 1e9);
            System.gc();
        }
    }
}
