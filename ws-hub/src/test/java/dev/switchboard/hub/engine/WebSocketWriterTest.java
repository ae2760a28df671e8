package dev.switchboard.hub.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When the writer's packets leave: the first chunk of channels after the queued tasks, the rest in
 * later chunks (each a task of its own, so the event loop reads between them), and a channel still
 * waiting takes what was written meanwhile in the same flush. Embedded channels stand in for the
 * sockets; each counts its flushes.
 */
class WebSocketWriterTest {

  private static final int SOCKETS = WebSocketWriter.FLUSH_CHUNK * 2 + 10;

  private final WebSocketWriter writer = new WebSocketWriter();
  private final List<Peer> peers = new ArrayList<>();

  WebSocketWriterTest() {
    for (int i = 0; i < SOCKETS; i++) {
      peers.add(new Peer());
    }
  }

  @Test
  void aBroadcastLeavesInChunksAndAnEmitWrittenMeanwhileSharesTheWaitingFlushes() {
    EnginePacket first = EnginePacket.message("2[\"first\"]");
    EnginePacket second = EnginePacket.message("2[\"second\"]");
    peers.forEach(peer -> writer.write(peer.ws, first));
    assertThat(flushes()).as("nothing leaves while the writing task runs").isZero();

    runOneChunk();
    assertThat(flushed())
        .as("the first chunk leaves after the queued tasks")
        .isEqualTo(WebSocketWriter.FLUSH_CHUNK);

    // an emit read between two chunks: written to everyone at once
    peers.forEach(peer -> writer.write(peer.ws, second));
    runOneChunk();
    assertThat(flushed()).isEqualTo(2 * WebSocketWriter.FLUSH_CHUNK);
    runOneChunk();
    runOneChunk();
    int total = flushes();
    runOneChunk();
    assertThat(flushes()).as("everything has left").isEqualTo(total);

    for (int i = 0; i < SOCKETS; i++) {
      Peer peer = peers.get(i);
      assertThat(peer.received())
          .as("socket %d, in order", i)
          .containsExactly("4" + first.text(), "4" + second.text());
      if (i < WebSocketWriter.FLUSH_CHUNK) {
        assertThat(peer.flushes)
            .as("socket %d was flushed before the second emit, then again", i)
            .isEqualTo(2);
      } else {
        assertThat(peer.flushes)
            .as("socket %d was still waiting: one flush for both", i)
            .isEqualTo(1);
      }
    }
  }

  @Test
  void aFewPacketsLeaveInOneFlushPerChannelAfterTheQueuedTasks() {
    List<Peer> few = peers.subList(0, 3);
    for (int n = 0; n < 5; n++) {
      EnginePacket packet = EnginePacket.message("2[" + n + "]");
      few.forEach(peer -> writer.write(peer.ws, packet));
    }
    runOneChunk();
    for (Peer peer : few) {
      assertThat(peer.flushes).isEqualTo(1);
      assertThat(peer.received()).containsExactly("42[0]", "42[1]", "42[2]", "42[3]", "42[4]");
    }
    runOneChunk();
    assertThat(flushes()).as("nothing left to flush").isEqualTo(3);
  }

  /**
   * Runs what the channels' event loops have to do until one chunk was flushed. Each embedded
   * channel has an event loop of its own; the writer queues its next chunk on one of them.
   */
  private void runOneChunk() {
    int before = flushes();
    for (Peer peer : peers) {
      peer.channel.runPendingTasks();
      if (flushes() != before) {
        return;
      }
    }
  }

  private int flushes() {
    return peers.stream().mapToInt(peer -> peer.flushes).sum();
  }

  private long flushed() {
    return peers.stream().filter(peer -> peer.flushes > 0).count();
  }

  /**
   * One socket: an embedded channel with a {@link HubWebSocket} in front of a stand-in transport
   * that holds what is written until a flush sends it, and counts the flushes. (The embedded
   * channel's own transport would run the pending tasks at every write.)
   */
  private static final class Peer {
    final HubWebSocket ws = new HubWebSocket(1 << 20);
    final EmbeddedChannel channel;
    final List<ByteBuf> unflushed = new ArrayList<>();
    final List<String> sent = new ArrayList<>();
    int flushes;

    Peer() {
      channel =
          new EmbeddedChannel(
              new ChannelOutboundHandlerAdapter() {
                @Override
                public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                  unflushed.add((ByteBuf) msg);
                }

                @Override
                public void flush(ChannelHandlerContext ctx) {
                  flushes++;
                  for (ByteBuf frame : unflushed) {
                    // short unmasked text frames: a two-byte header, then the packet
                    sent.add(frame.toString(2, frame.readableBytes() - 2, StandardCharsets.UTF_8));
                    frame.release();
                  }
                  unflushed.clear();
                }
              },
              ws);
    }

    List<String> received() {
      return sent;
    }
  }
}
