/**
 * The two-site tests: Tandem with every machine in its own container (Testcontainers on a local
 * Docker engine), one network per data centre and a WAN between them. {@link
 * org.tandem.cli.twosite.TwoSiteCluster} is the fixture; the images come from {@code
 * bin/build-test-images} through {@link org.tandem.cli.twosite.TestImages}. The tests drive the cluster
 * only as an operator would: {@code signerctl} in the operator's container, faults as network cuts and
 * stopped machines. Nothing here may open another machine's HSM or share a file system between
 * machines (the checkout is mounted read-only for its jars only).
 */
package org.tandem.cli.twosite;
