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
 * copy, no frame object, no work in the frame encoder) and without a flush.
 *
 * <p>When to flush is a trade between two loads, both measured with {@code bench/fanout.sh}:
 * <ul>
 *   <li>A loaded hub, where one event-loop task carries several broadcasts (it reads several emits
 *   per turn), wants each channel flushed once per task, so that one system call carries all the
 *   task's packets for that socket. Flushing more often costs a system call per packet: the hub
 *   then saturated at 150 emits/s to 1,000 sockets instead of 250.</li>
 *   <li>One broadcast to very many sockets wants the first recipients flushed while the last are
 *   still being written, so that the receivers work while the hub writes: with ten thousand
 *   sockets, flushing all at the end of the task doubled the p99 of a single broadcast.</li>
 * </ul>
 * So the channels of a task are flushed at its end, except when a task writes to more than
 * {@link #SLICE_AFTER} channels, each once: then the written channels are flushed every
 * {@link #SLICE} new ones. A channel written twice in a task shows several broadcasts in it, and
 * stops the slicing for the rest of the task.
 *
 * <p>The websockets are {@link HubWebSocket}s, handlers in their channels' pipelines; every call
 * happens on the channels' event loop, which is the hub's, so close and pong frames keep their
 * order with the packets.
 */
final class WebSocketWriter {

  /** Channels a task writes before its writes are flushed in slices (about a millisecond of writes). */
  static final int SLICE_AFTER = 1024;
  /** Channels per slice, once slicing. */
  static final int SLICE = 256;

  /** Channels written in this task. */
  private final Set<ChannelHandlerContext> written = Collections.newSetFromMap(new IdentityHashMap<>());
  /** Channels written in this task and not flushed in a slice, in the order written. */
  private final List<ChannelHandlerContext> toFlush = new ArrayList<>();
  private final Runnable endOfTask = this::endOfTask;
  private boolean scheduled;
  private boolean sliced;
  private boolean batching;

  /** Queues the packet on the socket's channel; the flush follows at the end of this task, or in its slice. */
  void write(HubWebSocket ws, EnginePacket packet) {
    ChannelHandlerContext ctx = ws.context();
    ctx.write(packet.frame().retainedDuplicate(), ctx.voidPromise());
    if (written.add(ctx)) {
      toFlush.add(ctx);
      if (!batching && written.size() > SLICE_AFTER && toFlush.size() >= SLICE) {
        sliced = true;
        for (ChannelHandlerContext each : toFlush) {
          each.flush();
        }
        toFlush.clear();
      }
    } else {
      // several packets for this channel in one task: from now on, one flush per channel at the end
      batching = true;
    }
    if (!scheduled) {
      scheduled = true;
      ctx.executor().execute(endOfTask);
    }
  }

  private void endOfTask() {
    // a channel flushed in a slice and written again since is not in toFlush: flush every one then
    for (ChannelHandlerContext ctx : sliced && batching ? written : toFlush) {
      ctx.flush();
    }
    toFlush.clear();
    written.clear();
    scheduled = false;
    sliced = false;
    batching = false;
  }
}
