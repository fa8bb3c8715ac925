package org.tandem.signer.node;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.tandem.signer.SigningException;
import org.tandem.signer.publish.TransferConfig;
import org.tandem.signer.publish.TsigKey;

/** Turns the {@code publish.transfer} part of {@code node.yaml} into the transfer server's configuration. */
final class TransferSettings {
    private TransferSettings() {}

    static TransferConfig from(org.tandem.signer.node.TransferConfig node) throws SigningException {
        TransferConfig c = TransferConfig.on(
                new InetSocketAddress(node.listen().host(), node.listen().port()));
        List<InetSocketAddress> notify = new ArrayList<>();
        for (Endpoint e : node.notifyTargets()) {
            notify.add(new InetSocketAddress(e.host(), e.port()));
        }
        c = c.withNotify(notify);
        // an empty allow-list lets nobody transfer (the loader refuses one without TSIG)
        c = c.withAllowNetworks(node.allow());
        if (node.tsig().isPresent()) {
            TsigConfig t = node.tsig().get();
            c = c.withTsig(TsigKey.fromFile(t.name().toString(), t.algorithm(), t.secretFile()));
        }
        return c;
    }
}
