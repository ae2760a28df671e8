package dev.switchboard.hub.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.hub.engine.EnginePacket;
import dev.switchboard.hub.engine.EngineProtocolException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Socket.IO v5 packet format, byte for byte as socket.io-parser writes and reads it. */
class PacketCodecTest {

  @Test
  void encodesEventsAcksAndConnectReplies() {
    assertThat(text(SocketPacket.event("/", new JsonArray().add("hello").add(1), null)))
        .isEqualTo("2[\"hello\",1]");
    assertThat(text(SocketPacket.event("/admin", new JsonArray().add("hello"), 12L)))
        .isEqualTo("2/admin,12[\"hello\"]");
    assertThat(text(new SocketPacket(SocketPacket.ACK, "/", 7L, new JsonArray().add("ok"))))
        .isEqualTo("37[\"ok\"]");
    assertThat(
            text(
                new SocketPacket(
                    SocketPacket.CONNECT, "/custom", null, new JsonObject().put("sid", "abc"))))
        .isEqualTo("0/custom,{\"sid\":\"abc\"}");
    assertThat(text(new SocketPacket(SocketPacket.DISCONNECT, "/custom", null, null)))
        .isEqualTo("1/custom,");
    assertThat(
            text(
                new SocketPacket(
                    SocketPacket.CONNECT_ERROR,
                    "/random",
                    null,
                    new JsonObject().put("message", "Invalid namespace"))))
        .isEqualTo("4/random,{\"message\":\"Invalid namespace\"}");
  }

  @Test
  void binaryValuesTravelAsAttachments() {
    JsonArray data =
        new JsonArray()
            .add("upload")
            .add(Buffer.buffer(new byte[] {1, 2, 3}))
            .add(new JsonObject().put("nested", Buffer.buffer(new byte[] {4, 5})));

    List<EnginePacket> messages = PacketCodec.encode(SocketPacket.event("/files", data, 3L));

    assertThat(messages).hasSize(3);
    assertThat(messages.get(0).text())
        .isEqualTo(
            "52-/files,3[\"upload\",{\"_placeholder\":true,\"num\":0},{\"nested\":{\"_placeholder\":true,\"num\":1}}]");
    assertThat(messages.get(1).binaryData().getBytes()).containsExactly(1, 2, 3);
    assertThat(messages.get(2).binaryData().getBytes()).containsExactly(4, 5);

    PacketCodec.Decoder decoder = new PacketCodec.Decoder();
    assertThat(decoder.text(messages.get(0).text())).as("waits for its attachments").isNull();
    assertThat(decoder.binary(messages.get(1).binaryData())).isNull();
    SocketPacket decoded = decoder.binary(messages.get(2).binaryData());
    assertThat(decoded.type()).as("comes out as a plain event").isEqualTo(SocketPacket.EVENT);
    assertThat(decoded.nsp()).isEqualTo("/files");
    assertThat(decoded.id()).isEqualTo(3L);
    assertThat(decoded.array().getBuffer(1).getBytes()).containsExactly(1, 2, 3);
    assertThat(decoded.array().getJsonObject(2).getBuffer("nested").getBytes())
        .containsExactly(4, 5);
  }

  @Test
  void decodesWhatClientsSend() {
    PacketCodec.Decoder decoder = new PacketCodec.Decoder();
    assertThat(decoder.text("0"))
        .isEqualTo(new SocketPacket(SocketPacket.CONNECT, "/", null, null));
    assertThat(decoder.text("0/custom"))
        .as("namespace without trailing comma")
        .isEqualTo(new SocketPacket(SocketPacket.CONNECT, "/custom", null, null));
    assertThat(decoder.text("0/custom,"))
        .isEqualTo(new SocketPacket(SocketPacket.CONNECT, "/custom", null, null));
    assertThat(decoder.text("0/custom,{\"token\":\"abc\"}").data())
        .isEqualTo(new JsonObject().put("token", "abc"));
    SocketPacket event = decoder.text("2/mcp,42[\"join\",{\"room\":\"r1\"}]");
    assertThat(event.nsp()).isEqualTo("/mcp");
    assertThat(event.id()).isEqualTo(42L);
    assertThat(event.eventName()).isEqualTo("join");
    assertThat(decoder.text("3/mcp,5[]").type()).isEqualTo(SocketPacket.ACK);
    assertThat(decoder.text("1/mcp,").type()).isEqualTo(SocketPacket.DISCONNECT);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "9",
        "x",
        "4abc",
        "4{\"message\":\"servers send this\"}",
        "42{}",
        "2{}",
        "2[]",
        "2[{}]",
        "2[\"connect\"]",
        "2[\"disconnect\",1]",
        "0\"string\"",
        "0[1]",
        "1/nsp,{}",
        "3[1]",
        "2/nsp,[\"a\"",
        "5[\"a\"]",
        "5x-[\"a\"]",
        "511-[\"a\"]",
        "50-[\"a\"]",
        "51-{\"a\":1}",
        "2[\"a\"]trailing"
      })
  void malformedPacketsAreProtocolErrors(String packet) {
    assertThatThrownBy(() -> new PacketCodec.Decoder().text(packet))
        .isInstanceOf(EngineProtocolException.class);
  }

  @Test
  void attachmentsMustComeWhenAnnouncedAndOnlyThen() {
    PacketCodec.Decoder decoder = new PacketCodec.Decoder();
    assertThatThrownBy(() -> decoder.binary(Buffer.buffer("x")))
        .isInstanceOf(EngineProtocolException.class);
    assertThat(decoder.text("51-[\"a\",{\"_placeholder\":true,\"num\":0}]")).isNull();
    assertThatThrownBy(() -> decoder.text("2[\"b\"]"))
        .as("text while an attachment is due")
        .isInstanceOf(EngineProtocolException.class);

    PacketCodec.Decoder other = new PacketCodec.Decoder();
    other.text("51-[\"a\",{\"_placeholder\":true,\"num\":3}]");
    assertThatThrownBy(() -> other.binary(Buffer.buffer("x")))
        .as("placeholder without attachment")
        .isInstanceOf(EngineProtocolException.class);
  }

  private static String text(SocketPacket packet) {
    List<EnginePacket> messages = PacketCodec.encode(packet);
    assertThat(messages).hasSize(1);
    return messages.get(0).text();
  }
}
