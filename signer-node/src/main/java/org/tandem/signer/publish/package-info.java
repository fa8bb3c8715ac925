/**
 * Publishing signed zones: atomic zone files now; later the transfer endpoint and the fenced publish
 * through ZooKeeper (issue 4). Must not import PKCS#11.
 */
package org.tandem.signer.publish;
