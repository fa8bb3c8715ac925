package org.tandem.chaos.boundaries;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The module and package boundaries that the modules' {@code package-info.java} and CONVENTIONS
 * state, checked on the compiled classes of every module (this module depends on all of them), so
 * that neither an import nor an inline fully qualified name can slip past.
 *
 * <p>Only main classes are analysed: test classes and the fixture test-jars may use anything. Each
 * rule fails when the packages it names hold no class, so a renamed package cannot turn a rule
 * into one that checks nothing. cli rules name {@code org.tandem.cli..} as a whole, so they hold
 * for any sub-package.
 */
@AnalyzeClasses(packages = "org.tandem", importOptions = PackageBoundariesTest.MainClassesOnly.class)
class PackageBoundariesTest {
    private static final String PKCS11 = "sun.security.pkcs11..";
    private static final String PKCS11_ADAPTER = "org.tandem.keysync.hsm.pkcs11..";
    private static final String CURATOR = "org.apache.curator..";
    private static final String ZOOKEEPER = "org.apache.zookeeper..";
    private static final String GRPC = "io.grpc..";

    /** Leaves out test classes and the test-jars (keysync's and signer-node's fixtures). */
    static final class MainClassesOnly implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("/test-classes/") && !location.contains("-tests.jar");
        }
    }

    // --- modules: proto <- keysync <- signer-node <- cli; coordinator beside signer-node; chaos on top

    @ArchTest
    static final ArchRule protoDependsOnNoOtherModule = noClasses()
            .that()
            .resideInAPackage("org.tandem.proto..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.tandem.keysync..",
                    "org.tandem.signer..",
                    "org.tandem.coordinator..",
                    "org.tandem.cli..",
                    "org.tandem.chaos..");

    @ArchTest
    static final ArchRule keysyncDependsOnNoModuleAboveIt = noClasses()
            .that()
            .resideInAPackage("org.tandem.keysync..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.tandem.signer..", "org.tandem.coordinator..", "org.tandem.cli..", "org.tandem.chaos..");

    @ArchTest
    static final ArchRule signerNodeDependsOnNeitherCoordinatorNorCliNorChaos = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.tandem.coordinator..", "org.tandem.cli..", "org.tandem.chaos..");

    @ArchTest
    static final ArchRule coordinatorDependsOnNeitherSignerNodeNorCliNorChaos = noClasses()
            .that()
            .resideInAPackage("org.tandem.coordinator..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.tandem.signer..", "org.tandem.cli..", "org.tandem.chaos..");

    @ArchTest
    static final ArchRule cliDependsOnNeitherCoordinatorNorChaos = noClasses()
            .that()
            .resideInAPackage("org.tandem.cli..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.tandem.coordinator..", "org.tandem.chaos..");

    // --- keysync

    @ArchTest
    static final ArchRule pkcs11OnlyInKeysyncsAdapter = noClasses()
            .that()
            .resideOutsideOfPackage(PKCS11_ADAPTER)
            .and()
            .resideInAnyPackage("org.tandem.keysync..", "org.tandem.signer..", "org.tandem.coordinator..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(PKCS11);

    @ArchTest
    static final ArchRule hsmPortDependsOnNeitherCuratorNorGrpc = noClasses()
            .that()
            .resideInAPackage("org.tandem.keysync.hsm")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CURATOR, ZOOKEEPER, GRPC);

    @ArchTest
    static final ArchRule auditLogIsPlainFileIo = noClasses()
            .that()
            .resideInAPackage("org.tandem.keysync.audit..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(PKCS11, PKCS11_ADAPTER, CURATOR, ZOOKEEPER, GRPC);

    @ArchTest
    static final ArchRule proofsNeedNeitherPkcs11NorCurator = noClasses()
            .that()
            .resideInAPackage("org.tandem.keysync.proof..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(PKCS11, PKCS11_ADAPTER, CURATOR, ZOOKEEPER);

    // --- signer-node

    @ArchTest
    static final ArchRule gateDependsOnNothingOfTheSigningPath = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer.gate..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    PKCS11, "org.tandem.keysync.hsm..", "org.tandem.signer.sign..", "org.tandem.signer.nsec..")
            // dnsjava's DNSSEC class: its canonical form is the signer's, the gate must not share it
            .orShould()
            .dependOnClassesThat(nameMatching("org\\.xbill\\.DNS\\.DNSSEC(\\$.*)?"));

    @ArchTest
    static final ArchRule curatorInSignerNodeOnlyInElectionAndPublish = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer..")
            .and()
            .resideOutsideOfPackages("org.tandem.signer.election", "org.tandem.signer.publish")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CURATOR, ZOOKEEPER);

    @ArchTest
    static final ArchRule signerNodeUsesNoPkcs11Adapter = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(PKCS11, PKCS11_ADAPTER);

    @ArchTest
    static final ArchRule electionUsesNeitherGrpcNorCuratorTest = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer.election")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(GRPC, "org.apache.curator.test..");

    @ArchTest
    static final ArchRule nodeComposesWithoutGrpc = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer.node")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(GRPC);

    @ArchTest
    static final ArchRule grpcServiceSeesTheNodeOnlyThroughNodeControl = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer.grpc")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.tandem.signer.sign",
                    "org.tandem.signer.gate",
                    "org.tandem.signer.zone",
                    "org.tandem.signer.nsec",
                    "org.tandem.signer.publish",
                    "org.tandem.signer.election");

    @ArchTest
    static final ArchRule metricsReadOnlyTheNodesRecords = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer.metrics")
            .should()
            .dependOnClassesThat(resideInAnyPackage(
                            GRPC,
                            "org.tandem.signer.sign",
                            "org.tandem.signer.gate",
                            "org.tandem.signer.zone",
                            "org.tandem.signer.publish",
                            "org.tandem.signer.election")
                    // the transfer server's event kinds: what the metrics count, not how transfers work
                    .and(not(nameMatching("org\\.tandem\\.signer\\.publish\\.TransferEvent(\\$.*)?")))
                    .as("the signing path, gRPC and publish classes other than publish.TransferEvent"));

    @ArchTest
    static final ArchRule watchdogJudgesWhatIsServedWithoutTheSigningPath = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer.watchdog")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    GRPC,
                    "org.tandem.signer.sign",
                    "org.tandem.signer.nsec",
                    "org.tandem.signer.schedule",
                    "org.tandem.signer.election",
                    "org.tandem.signer.node",
                    "org.tandem.signer.zone");

    @ArchTest
    static final ArchRule replicationKnowsNeitherSigningNorElection = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer.replication")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.tandem.signer.sign",
                    "org.tandem.signer.gate",
                    "org.tandem.signer.zone",
                    "org.tandem.signer.nsec",
                    "org.tandem.signer.publish",
                    "org.tandem.signer.election");

    @ArchTest
    static final ArchRule schedulePlansWithoutTheSigningMachinery = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer.schedule")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    GRPC,
                    "org.tandem.signer.gate",
                    "org.tandem.signer.zone",
                    "org.tandem.signer.nsec",
                    "org.tandem.signer.publish",
                    "org.tandem.signer.election")
            .orShould()
            .dependOnClassesThat(nameMatching("org\\.tandem\\.signer\\.sign\\.(ZoneSigner|RrsetSigner)(\\$.*)?"));

    @ArchTest
    static final ArchRule zoneLoadingIsPureFileIo = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer.zone")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(PKCS11, "org.tandem.keysync.hsm..", CURATOR, ZOOKEEPER, GRPC);

    @ArchTest
    static final ArchRule denialChainsArePure = noClasses()
            .that()
            .resideInAPackage("org.tandem.signer.nsec")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.tandem.signer.sign", "org.tandem.keysync.hsm..", PKCS11, CURATOR, GRPC);

    // --- coordinator

    @ArchTest
    static final ArchRule coordinatorUsesOnlyKeysyncsAuditGrpcConfigMetricsAndZooKeeperSettings = noClasses()
            .that()
            .resideInAPackage("org.tandem.coordinator..")
            .should()
            .dependOnClassesThat(resideInAPackage("org.tandem.keysync..")
                    .and(not(resideInAnyPackage(
                            "org.tandem.keysync.audit..",
                            "org.tandem.keysync.grpc..",
                            "org.tandem.keysync.config..",
                            "org.tandem.keysync.metrics..")))
                    .and(not(nameMatching("org\\.tandem\\.keysync\\.(KeySyncException"
                            + "|manifest\\.ZooKeeperClientSettings|manifest\\.ZooKeeperLayout)(\\$.*)?")))
                    .as("keysync classes other than audit.., grpc.., config.., metrics.., KeySyncException,"
                            + " manifest.ZooKeeperClientSettings and manifest.ZooKeeperLayout"));

    @ArchTest
    static final ArchRule ceremonyDependsOnNeitherKeysyncNorSignerNode = noClasses()
            .that()
            .resideInAPackage("org.tandem.coordinator.ceremony..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.tandem.keysync..", "org.tandem.signer..");

    // --- chaos harness

    @ArchTest
    static final ArchRule chaosInjectsHsmFaultsFromOutsideThePkcs11State = noClasses()
            .that()
            .resideInAPackage("org.tandem.chaos.hsm..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(PKCS11, PKCS11_ADAPTER);

    @ArchTest
    static final ArchRule simulatedInternetObservesTheSignersFromOutside = noClasses()
            .that()
            .resideInAPackage("org.tandem.chaos.inet..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.tandem.signer..", "org.tandem.keysync..");
}
