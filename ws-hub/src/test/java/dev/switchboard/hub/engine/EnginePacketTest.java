package dev.switchboard.hub.engine;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    assertThatThrownBy(() -> EnginePacket.decode("b!!")).isInstanceOf(EngineProtocolException.class);
  }

  @Test
  void encodesForWebSocketAndPolling() {
    EnginePacket message = EnginePacket.message("2[\"é\"]");
    assertThat(message.wire().toString(StandardCharsets.UTF_8)).isEqualTo("42[\"é\"]");
    assertThat(message.wire()).as("encoded once, shared by every recipient").isSameAs(message.wire());
    assertThat(EnginePacket.binary(io.vertx.core.buffer.Buffer.buffer(new byte[] {1, 2, 3})).pollingText()).isEqualTo("bAQID");
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
