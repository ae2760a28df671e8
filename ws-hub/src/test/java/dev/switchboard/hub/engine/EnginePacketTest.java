package dev.switchboard.hub.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** Engine.IO v4 packets as they appear in websocket frames and polling payloads. */
class EnginePacketTest {

  @Test
  void decodesEveryTypeAndBase64Binary() {
    assertThat(EnginePacket.decode("3").type()).isEqualTo(EnginePacket.PONG);
    assertThat(EnginePacket.decode("4hello").text()).isEqualTo("hello");
    assertThat(EnginePacket.decode("2probe").text()).isEqualTo("probe");
    EnginePacket binary = EnginePacket.decode("bAQID");
    assertThat(binary.isBinary()).isTrue();
    assertThat(binary.binaryData().getBytes()).containsExactly(1, 2, 3);
    assertThatThrownBy(() -> EnginePacket.decode("")).isInstanceOf(EngineProtocolException.class);
    assertThatThrownBy(() -> EnginePacket.decode("7")).isInstanceOf(EngineProtocolException.class);
    assertThatThrownBy(() -> EnginePacket.decode("b!!"))
        .isInstanceOf(EngineProtocolException.class);
  }

  @Test
  void encodesForWebSocketAndPolling() {
    EnginePacket message = EnginePacket.message("2[\"é\"]");
    assertThat(message.frame())
        .as("encoded once, shared by every recipient")
        .isSameAs(message.frame());
    assertThat(message.frame().isDirect()).isTrue();
    assertThat(EnginePacket.binary(Buffer.buffer(new byte[] {1, 2, 3})).pollingText())
        .isEqualTo("bAQID");
  }

  /**
   * The pre-encoded frames are byte for byte what Netty's own server-side encoder writes, at every
   * length form.
   */
  @Test
  void framesAreWhatNettysEncoderWrites() {
    for (int length : new int[] {0, 1, 124, 125, 126, 65_535, 65_536, 200_000}) {
      String text = "x".repeat(length);
      assertThat(bytes(EnginePacket.message(text).frame()))
          .as("text of %d", length)
          .isEqualTo(nettyFrame(new TextWebSocketFrame("4" + text)));
      byte[] data = new byte[length];
      Arrays.fill(data, (byte) 7);
      assertThat(bytes(EnginePacket.binary(Buffer.buffer(data)).frame()))
          .as("binary of %d", length)
          .isEqualTo(nettyFrame(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(data))));
    }
    assertThat(bytes(EnginePacket.message("\"é\"").frame()))
        .isEqualTo(nettyFrame(new TextWebSocketFrame("4\"é\"")));
  }

  private static byte[] bytes(ByteBuf buf) {
    return ByteBufUtil.getBytes(buf);
  }

  private static byte[] nettyFrame(Object frame) {
    EmbeddedChannel channel = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
    channel.writeOutbound(frame);
    ByteBuf out = Unpooled.buffer();
    for (Object part; (part = channel.readOutbound()) != null; ) {
      out.writeBytes((ByteBuf) part);
      ((ByteBuf) part).release();
    }
    channel.finishAndReleaseAll();
    return bytes(out);
  }

  @Property(tries = 2000)
  void decodingRaisesNothingButProtocolErrors(@ForAll String frame) {
    try {
      EnginePacket.decode(frame);
    } catch (EngineProtocolException expected) {
      // the only acceptable failure
    }
  }
}
