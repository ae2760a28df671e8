package dev.switchboard.hub.engine;

import io.netty.channel.ChannelHandlerContext;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Writes packets to websockets the fast way, and decides when they leave.
 *
 * <p>Writing: each packet's whole frame, encoded once ({@link EnginePacket#frame()}), goes straight
 * to the Netty channel as a retained duplicate (no copy, no frame object, no work in the frame
 * encoder) and without a flush, so it waits in the channel's outbound buffer.
 *
 * <p>Flushing is what costs: one system call per channel, and over loopback the kernel's work for
 * the receiving end too (about 10 µs a flush on the machine of {@code bench/fanout.sh}, whatever
 * the number of frames it carries, against 1 to 3 µs to write a frame). So a channel is flushed
 * once for everything written to it until its turn comes:
 *
 * <ul>
 *   <li>Written channels wait in one queue, in the order of their first unflushed write. The first
 *       {@link #FLUSH_CHUNK} are flushed when the event loop has run the tasks queued with the
 *       write (a lightly loaded hub sends at once, every packet of those tasks in one flush per
 *       channel).
 *   <li>The rest follow in chunks of {@link #FLUSH_CHUNK}, and between two chunks the event loop
 *       reads: a new emit is written to every recipient right away, and a recipient still waiting
 *       gets it in the same flush as the packets before it. A hub that gets emits faster than one
 *       flush pass over its sockets takes therefore several packets per flush instead of falling
 *       behind, and pongs, new connections and acks are not held up by a broadcast to ten thousand
 *       sockets.
 * </ul>
 *
 * Order per channel is the order of the writes, whoever flushes: a pong or close frame written and
 * flushed directly takes the packets written before it along.
 *
 * <p>The websockets are {@link HubWebSocket}s, handlers in their channels' pipelines; every call
 * happens on the channels' event loop, which is the hub's.
 */
final class WebSocketWriter {

  /** Channels flushed in one event-loop task (about a millisecond of system calls). */
  static final int FLUSH_CHUNK = 128;

  /**
   * Channels with written, unflushed packets, each once, in the order of their first such write.
   */
  private final ArrayDeque<HubWebSocket> unflushed = new ArrayDeque<>();

  private final Runnable flushChunk = this::flushChunk;
  private boolean armed;

  /** Queues the packet on the socket's channel; the channel is flushed when its turn comes. */
  void write(HubWebSocket ws, EnginePacket packet) {
    ChannelHandlerContext ctx = ws.context();
    ctx.write(packet.frame().retainedDuplicate(), ctx.voidPromise());
    if (!ws.flushQueued) {
      ws.flushQueued = true;
      unflushed.add(ws);
    }
    if (!armed) {
      armed = true;
      // after the tasks queued now: every delivery already waiting is written before the flush
      ctx.executor().execute(flushChunk);
    }
  }

  private void flushChunk() {
    for (int i = 0; i < FLUSH_CHUNK; i++) {
      HubWebSocket ws = unflushed.poll();
      if (ws == null) {
        armed = false;
        return;
      }
      ws.flushQueued = false;
      ws.flush();
    }
    HubWebSocket next = unflushed.peek();
    if (next == null) {
      armed = false;
      return;
    }
    // scheduled, not executed: the event loop takes scheduled tasks in only after it has read
    // again, where a task executed now would run before any I/O (for up to a second of them)
    next.context().executor().schedule(flushChunk, 0, TimeUnit.NANOSECONDS);
  }
}
