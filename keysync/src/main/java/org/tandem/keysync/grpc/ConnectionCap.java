package org.tandem.keysync.grpc;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the TCP connections one gRPC server holds at once: the first handler of the listening
 * socket's pipeline sees every accepted connection before any TLS work and closes it at once when
 * the server already holds {@code max}. gRPC's Netty server has no such setting, so the server
 * socket is made here ({@link #channelFactory}) and runs on Tandem's own NIO event loops
 * ({@link #BOSS}, {@link #WORKERS}: daemon threads, shared by every server of the process, never
 * shut down).
 *
 * <p>Thread-safe: the count is atomic; accepting happens on the boss loop, closing on the workers.
 */
@ChannelHandler.Sharable // one cap per server, in each of its listening sockets
final class ConnectionCap extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionCap.class);

    /** Accepts connections for every Tandem gRPC server of the process. */
    static final EventLoopGroup BOSS = new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("tandem-grpc-accept", true), NioIoHandler.newFactory());
    /** Serves the accepted connections of every Tandem gRPC server of the process. */
    static final EventLoopGroup WORKERS = new MultiThreadIoEventLoopGroup(
            0, new DefaultThreadFactory("tandem-grpc-io", true), NioIoHandler.newFactory());

    private final int max;
    private final String server;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    private ConnectionCap(int max, String server) {
        this.max = max;
        this.server = server;
    }

    /** Server sockets that close accepted connections beyond {@code max} at once. */
    static ChannelFactory<ServerChannel> channelFactory(int max, String server) {
        ConnectionCap cap = new ConnectionCap(max, server);
        return () -> {
            NioServerSocketChannel channel = new NioServerSocketChannel();
            channel.pipeline().addFirst("tandem-connection-cap", cap);
            return channel;
        };
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Channel child)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            long n = refused.incrementAndGet();
            if (n == 1 || n % 100 == 0) {
                LOG.warn(
                        "gRPC connection refused server={} peer={} reason=already {} connections open (the limit);"
                                + " refused so far={}",
                        server,
                        child.remoteAddress(),
                        max,
                        n);
            }
            child.unsafe().closeForcibly();
            return;
        }
        child.closeFuture().addListener(f -> open.decrementAndGet());
        ctx.fireChannelRead(child);
    }
}
