package org.tandem.keysync.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The sockets, channels and servers one test opened, closed after it (register with {@code @RegisterExtension}):
 * sockets closed, channels and servers shut down now, then each awaited for up to five seconds, so that no test
 * leaves a port or a Netty thread behind for the next.
 */
final class OpenedChannels implements AfterEachCallback {
    private final List<Socket> sockets = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<Server> servers = new ArrayList<>();

    ManagedChannel track(ManagedChannel channel) {
        channels.add(channel);
        return channel;
    }

    Server track(Server server) {
        servers.add(server);
        return server;
    }

    <S extends Socket> S track(S socket) {
        sockets.add(socket);
        return socket;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
        }
        for (Server s : servers) {
            s.shutdownNow();
        }
        for (ManagedChannel channel : channels) {
            assertThat(channel.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
        for (Server s : servers) {
            assertThat(s.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
        sockets.clear();
        channels.clear();
        servers.clear();
    }
}
