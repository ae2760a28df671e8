package dev.switchboard.hub.engine;

import io.netty.channel.ChannelHandlerContext;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Writes packets to websockets the fast way: each packet's whole frame, encoded once
 * ({@link EnginePacket#frame()}), goes straight to the Netty channel as a retained duplicate (no
 * copy, no frame object, no work in the frame encoder) and without a flush. Channels are flushed
 * once per event-loop task, or sooner, in slices of {@link #FLUSH_SLICE} channels, while a big
 * broadcast is still being written: a broadcast to ten thousand sockets then costs ten thousand
 * buffered writes and one system call per socket, and the first recipients get their bytes while
 * the last ones are still being queued rather than all of them only once all are queued.
 *
 * <p>The websockets are {@link HubWebSocket}s, handlers in their channels' pipelines; every call
 * happens on the channels' event loop, which is the hub's, so close and pong frames keep their
 * order with the packets.
 */
final class WebSocketWriter {

  /**
   * Channels written before a flush while a task goes on. Small enough that a broadcast's first
   * recipients do not wait for its last ones; big enough that one task sending several packets to
   * the same sockets (an /emit batch, say) still flushes each socket about once.
   */
  static final int FLUSH_SLICE = 256;

  private final Set<ChannelHandlerContext> dirty = Collections.newSetFromMap(new IdentityHashMap<>());
  private final List<ChannelHandlerContext> slice = new ArrayList<>(FLUSH_SLICE);
  private final Runnable endOfTask = this::endOfTask;
  private boolean scheduled;

  /** Queues the packet on the socket's channel; the flush follows within the slice or at the end of this task. */
  void write(HubWebSocket ws, EnginePacket packet) {
    ChannelHandlerContext ctx = ws.context();
    ctx.write(packet.frame().retainedDuplicate(), ctx.voidPromise());
    if (dirty.add(ctx)) {
      slice.add(ctx);
      if (slice.size() >= FLUSH_SLICE) {
        flushSlice();
      }
    }
    if (!scheduled) {
      scheduled = true;
      ctx.executor().execute(endOfTask);
    }
  }

  private void endOfTask() {
    scheduled = false;
    flushSlice();
  }

  private void flushSlice() {
    for (ChannelHandlerContext ctx : slice) {
      ctx.flush();
    }
    slice.clear();
    dirty.clear();
  }
}
