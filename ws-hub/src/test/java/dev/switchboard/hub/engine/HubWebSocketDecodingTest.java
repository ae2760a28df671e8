package dev.switchboard.hub.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link HubWebSocket} is its channel's frame decoder too: what a client sends, in whatever pieces
 * the reads cut it into, comes out as the same messages, whole and in order.
 */
class HubWebSocketDecodingTest {

  private final List<Object> heard = new ArrayList<>();

  private final HubWebSocket ws = new HubWebSocket(1 << 20);

  private final EmbeddedChannel channel = new EmbeddedChannel(ws);

  HubWebSocketDecodingTest() {
    ws.listener(
        new HubWebSocket.Listener() {
          @Override
          public void onText(HubWebSocket socket, String text) {
            heard.add(text);
          }

          @Override
          public void onBinary(HubWebSocket socket, Buffer data) {
            heard.add(data.getBytes());
          }

          @Override
          public void onClose(HubWebSocket socket) {
            heard.add("closed");
          }
        });
  }

  @Test
  void messagesCutIntoPiecesOfEverySizeComeOutWholeAndInOrder() {
    byte[] large = new byte[200_000];
    new Random(3).nextBytes(large);
    ByteBuf bytes =
        clientFrames(
            new TextWebSocketFrame("451-[\"echo\",{\"_placeholder\":true,\"num\":0}]"),
            new BinaryWebSocketFrame(Unpooled.wrappedBuffer(large)),
            new TextWebSocketFrame(false, 0, "4frag"),
            new ContinuationWebSocketFrame(
                true, 0, Unpooled.copiedBuffer("mented", StandardCharsets.UTF_8)),
            new TextWebSocketFrame("3"));
    for (int piece : new int[] {1, 7, 8192, 65_536}) {
      heard.clear();
      ByteBuf all = bytes.retainedDuplicate();
      while (all.isReadable()) {
        channel.writeInbound(all.readRetainedSlice(Math.min(piece, all.readableBytes())));
      }
      all.release();

      assertThat(heard).hasSize(4);
      assertThat(heard.get(0)).isEqualTo("451-[\"echo\",{\"_placeholder\":true,\"num\":0}]");
      assertThat(Arrays.equals((byte[]) heard.get(1), large)).isTrue();
      assertThat(heard.subList(2, 4)).containsExactly("4fragmented", "3");
    }
    bytes.release();
    assertThat(channel.isActive()).isTrue();
  }

  /** The frames as a client sends them (masked), encoded one after the other. */
  private static ByteBuf clientFrames(WebSocketFrame... frames) {
    EmbeddedChannel encoder = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
    ByteBuf all = Unpooled.buffer();
    for (WebSocketFrame frame : frames) {
      encoder.writeOutbound(frame);
      ByteBuf encoded;
      while ((encoded = encoder.readOutbound()) != null) {
        all.writeBytes(encoded);
        encoded.release();
      }
    }
    encoder.finishAndReleaseAll();
    return all;
  }
}
