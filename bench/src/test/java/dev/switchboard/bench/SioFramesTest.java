package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SioFramesTest {

  @Test
  void buildsTheConnectFrameWithTheTokenInAuth() {
    assertThat(SioFrames.connectFrame("/mcp", "T")).isEqualTo("40/mcp,{\"token\":\"T\"}");
    assertThat(SioFrames.connectFrame("/", "T")).isEqualTo("40{\"token\":\"T\"}");
    assertThat(SioFrames.connectFrame("/mcp", "a\"b")).isEqualTo("40/mcp,{\"token\":\"a\\\"b\"}");
  }

  @Test
  void eventPrefixIsWhatAServerWritesForAnEmit() {
    assertThat(SioFrames.eventPrefix("/mcp", "bench")).isEqualTo("42/mcp,[\"bench\",");
    assertThat(SioFrames.eventPrefix("/", "bench")).isEqualTo("42[\"bench\",");
  }

  @Test
  void websocketUriAddsTheEngineIoQuery() {
    assertThat(SioFrames.websocketUri("/socket.io/"))
        .isEqualTo("/socket.io/?EIO=4&transport=websocket");
    assertThat(SioFrames.websocketUri("/socket.io"))
        .isEqualTo("/socket.io/?EIO=4&transport=websocket");
  }

  @Test
  void parsesEngineIoPacketsThatAreNotMessages() {
    SioFrames.Packet open =
        SioFrames.parse("0{\"sid\":\"abc\",\"upgrades\":[],\"pingInterval\":25000}");
    assertThat(open.eioType()).isEqualTo('0');
    assertThat(open.isMessage()).isFalse();
    assertThat(open.payload()).startsWith("{\"sid\"");
    assertThat(SioFrames.parse("2").eioType()).isEqualTo('2');
    assertThat(SioFrames.parse("2").payload()).isEmpty();
    assertThat(SioFrames.parse("6").eioType()).isEqualTo('6');
  }

  @Test
  void parsesConnectAckWithNamespace() {
    SioFrames.Packet p = SioFrames.parse("40/mcp,{\"sid\":\"xyz\"}");
    assertThat(p.sioType()).isEqualTo(SioFrames.SIO_CONNECT);
    assertThat(p.namespace()).isEqualTo("/mcp");
    assertThat(p.ackId()).isEqualTo(-1);
    assertThat(p.payload()).isEqualTo("{\"sid\":\"xyz\"}");
  }

  @Test
  void parsesConnectErrorAndDisconnect() {
    SioFrames.Packet err =
        SioFrames.parse(
            "44/mcp,{\"message\":\"unauthorized\",\"data\":{\"code\":\"unauthorized\"}}");
    assertThat(err.sioType()).isEqualTo(SioFrames.SIO_CONNECT_ERROR);
    assertThat(err.namespace()).isEqualTo("/mcp");
    SioFrames.Packet bye = SioFrames.parse("41/mcp,");
    assertThat(bye.sioType()).isEqualTo(SioFrames.SIO_DISCONNECT);
    assertThat(bye.namespace()).isEqualTo("/mcp");
    assertThat(bye.payload()).isNull();
    SioFrames.Packet byeNoComma = SioFrames.parse("41/mcp");
    assertThat(byeNoComma.namespace()).isEqualTo("/mcp");
  }

  @Test
  void parsesEventsWithAndWithoutNamespaceAndAckId() {
    SioFrames.Packet main = SioFrames.parse("42[\"hello\",1]");
    assertThat(main.namespace()).isEqualTo("/");
    assertThat(main.sioType()).isEqualTo(SioFrames.SIO_EVENT);
    assertThat(main.payload()).isEqualTo("[\"hello\",1]");

    SioFrames.Packet withAck = SioFrames.parse("42/mcp,17[\"join\",{\"room\":\"r\"}]");
    assertThat(withAck.namespace()).isEqualTo("/mcp");
    assertThat(withAck.ackId()).isEqualTo(17);
    assertThat(withAck.payload()).isEqualTo("[\"join\",{\"room\":\"r\"}]");

    SioFrames.Packet ack = SioFrames.parse("43/mcp,17[{\"ok\":true}]");
    assertThat(ack.sioType()).isEqualTo(SioFrames.SIO_ACK);
    assertThat(ack.ackId()).isEqualTo(17);
  }

  @Test
  void parsesBinaryEventAttachmentCount() {
    SioFrames.Packet p = SioFrames.parse("452-/files,[\"blob\",{\"_placeholder\":true,\"num\":0}]");
    assertThat(p.sioType()).isEqualTo(SioFrames.SIO_BINARY_EVENT);
    assertThat(p.attachments()).isEqualTo(2);
    assertThat(p.namespace()).isEqualTo("/files");
  }

  @Test
  void rejectsMalformedFrames() {
    assertThatThrownBy(() -> SioFrames.parse("")).isInstanceOf(SioFrames.ProtocolException.class);
    assertThatThrownBy(() -> SioFrames.parse("9")).isInstanceOf(SioFrames.ProtocolException.class);
    assertThatThrownBy(() -> SioFrames.parse("4")).isInstanceOf(SioFrames.ProtocolException.class);
    assertThatThrownBy(() -> SioFrames.parse("4abc"))
        .isInstanceOf(SioFrames.ProtocolException.class);
    assertThatThrownBy(() -> SioFrames.parse("42/mcp,abc"))
        .isInstanceOf(SioFrames.ProtocolException.class);
    assertThatThrownBy(() -> SioFrames.parse("45[\"x\"]"))
        .isInstanceOf(SioFrames.ProtocolException.class);
  }
}
