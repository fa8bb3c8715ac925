package org.tandem.chaos.cluster;

/** The "internet" site: the authoritative secondary, the validating resolver and the observer. */
final class Internet implements AutoCloseable {
    static Internet start(Cluster c) {
        return new Internet();
    }

    @Override
    public void close() {}
}
