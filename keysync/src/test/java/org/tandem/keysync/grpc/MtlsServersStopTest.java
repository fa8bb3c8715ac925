package org.tandem.keysync.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class MtlsServersStopTest {
    private static Server started() throws IOException {
        return InProcessServerBuilder.forName(InProcessServerBuilder.generateName())
                .directExecutor()
                .build()
                .start();
    }

    @Test
    void stopsAnIdleServerAndCanBeCalledAgain() throws IOException {
        Server server = started();
        MtlsServers.stop(server, "test server");
        assertThat(server.isTerminated()).isTrue();
        MtlsServers.stop(server, "test server");
        assertThat(server.isTerminated()).isTrue();
    }

    @Test
    void stopsAtOnceAndKeepsTheInterruptWhenInterrupted() throws IOException {
        Server server = started();
        Thread.currentThread().interrupt();
        try {
            MtlsServers.stop(server, "test server");
            assertThat(Thread.currentThread().isInterrupted())
                    .as("interrupt flag kept")
                    .isTrue();
            assertThat(server.isShutdown()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }
}
