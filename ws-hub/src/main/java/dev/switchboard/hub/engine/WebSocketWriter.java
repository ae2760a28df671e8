package dev.switchboard.hub.engine;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Writes packets to websockets the fast way: straight to the Netty channel without a flush, with
 * one flush per channel at the end of the event-loop task. A broadcast to ten thousand sockets
 * then costs ten thousand buffered writes and, per socket, one system call, instead of one system
 * call per packet; and every write shares the packet's encoded bytes (a retained duplicate, no copy).
 *
 * <p>Vert.x exposes the channel of a server websocket through its internal
 * {@link WebSocketInternal} interface; all calls happen on the channel's event loop, which is the
 * hub's, so Vert.x's own writes (close and pong frames) keep their order with ours.
 */
final class WebSocketWriter {

  private final Set<ChannelHandlerContext> dirty = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Runnable flushAll = this::flushAll;

  /** Queues the packet on the socket's channel; the flush follows at the end of this task. */
  void write(ServerWebSocket ws, EnginePacket packet) {
    ChannelHandlerContext ctx = ((WebSocketInternal) ws).channelHandlerContext();
    ByteBuf bytes = packet.wire().retainedDuplicate();
    Object frame = packet.isBinary() ? new BinaryWebSocketFrame(bytes) : new TextWebSocketFrame(bytes);
    ctx.write(frame, ctx.voidPromise());
    if (dirty.isEmpty()) {
      ctx.executor().execute(flushAll);
    }
    dirty.add(ctx);
  }

  /** Bytes written to the socket's channel that the peer has not taken yet. */
  static long backlog(ServerWebSocket ws) {
    Channel channel = ((WebSocketInternal) ws).channelHandlerContext().channel();
    ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
    return buffer == null ? 0 : buffer.totalPendingWriteBytes();
  }

  /** Flushes one socket now, ahead of the end of the task. */
  static void flush(ServerWebSocket ws) {
    ((WebSocketInternal) ws).channelHandlerContext().flush();
  }

  static boolean writable(ServerWebSocket ws) {
    return ((WebSocketInternal) ws).channelHandlerContext().channel().isWritable();
  }

  private void flushAll() {
    for (ChannelHandlerContext ctx : dirty) {
      ctx.flush();
    }
    dirty.clear();
  }
}
