package org.tandem.cli.twosite;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TwoSiteCluster} for a test class: started before its first test under
 * {@code target/twosite/<name>}, removed after its last, even when a test failed.
 */
final class ClusterPerClass implements BeforeAllCallback, AfterAllCallback {
    /** What a class needs done on the started cluster before its tests (a key ceremony, say). */
    @FunctionalInterface
    interface Setup {
        void on(TwoSiteCluster cluster) throws Exception;
    }

    private final String name;
    private final Setup setup;
    private TwoSiteCluster cluster;

    ClusterPerClass(String name) {
        this(name, c -> {});
    }

    ClusterPerClass(String name, Setup setup) {
        this.name = name;
        this.setup = setup;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        cluster = TwoSiteCluster.start(Path.of("target", "twosite", name).toAbsolutePath());
        setup.on(cluster);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    /** The running cluster. */
    TwoSiteCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the " + name + " cluster is not running");
        }
        return cluster;
    }
}
