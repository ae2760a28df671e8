package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A message over {@code maxPayload} (HUB_MAX_PAYLOAD) ends the websocket with close code 1009
 * (message too big), whether it comes as one frame or as fragments, so that a client can tell why:
 * a connection cut without a close frame reads as 1006 (abnormal closure).
 */
@Timeout(20)
class OversizedFrameTest {

  private static final int MAX_PAYLOAD = 1_000;

  /** More than the loopback socket buffers of both ends hold. */
  private static final int HUGE = 16 << 20;

  private HubFixture hub;
  private WebSocketClient client;

  @BeforeEach
  void start() {
    hub = HubFixture.start(new JsonObject().put("maxPayload", MAX_PAYLOAD));
    client =
        hub.vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(2 * HUGE));
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  /**
   * A raw websocket on the hub that has read its Engine.IO open packet, and the close code it will
   * see.
   */
  private WebSocket open(Promise<Short> closeCode) {
    Promise<String> opened = Promise.promise();
    // the handlers are set on the event loop as the connection completes, ahead of any message
    WebSocket ws =
        client
            .connect(
                new WebSocketConnectOptions()
                    .setHost("127.0.0.1")
                    .setPort(hub.port())
                    .setURI("/socket.io/?EIO=4&transport=websocket"))
            .map(
                connected -> {
                  connected.textMessageHandler(opened::tryComplete);
                  connected.closeHandler(v -> closeCode.tryComplete(connected.closeStatusCode()));
                  return connected;
                })
            .await();
    assertThat(opened.future().await()).startsWith("0{");
    return ws;
  }

  @Test
  void aSingleFrameOverTheLimitClosesWith1009() {
    Promise<Short> closeCode = Promise.promise();
    WebSocket ws = open(closeCode);
    ws.writeFinalTextFrame("4" + "x".repeat(2 * MAX_PAYLOAD));
    assertThat(closeCode.future().await()).isEqualTo((short) 1009);
  }

  /**
   * Bug: the hub answered a frame far over the limit with its close frame and closed the connection
   * at once, with the rest of the frame still arriving; the kernel then reset the connection and
   * the client, losing the close frame, saw 1006.
   */
  @Test
  void aFrameFarOverTheLimitStillClosesWith1009() {
    Promise<Short> closeCode = Promise.promise();
    WebSocket ws = open(closeCode);
    ws.writeFinalTextFrame("4" + "x".repeat(HUGE));
    assertThat(closeCode.future().await()).isEqualTo((short) 1009);
  }

  /** The hub puts fragments together itself (no aggregator per connection): a whole message. */
  @Test
  void fragmentsUnderTheLimitArriveAsOneMessage() {
    Promise<Short> closeCode = Promise.promise();
    WebSocket ws = open(closeCode);
    Promise<String> reply = Promise.promise();
    ws.textMessageHandler(reply::tryComplete);
    // a Socket.IO CONNECT to the main namespace, in three fragments; the hub answers it
    String auth = "{\"token\":\"" + HubFixture.ADMIN_TOKEN + "\"}";
    ws.writeFrame(WebSocketFrame.textFrame("4", false));
    ws.writeFrame(
        WebSocketFrame.continuationFrame(Buffer.buffer("0" + auth.substring(0, 5)), false));
    ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(auth.substring(5)), true));
    assertThat(reply.future().await()).startsWith("40{\"sid\":");
    // and binary ones: an attachment in two fragments completes a binary event, which is acked
    Promise<String> ack = Promise.promise();
    ws.textMessageHandler(
        message -> {
          if (message.startsWith("43")) {
            ack.tryComplete(message);
          }
        });
    ws.writeFinalTextFrame("451-0[\"nonesuch\",{\"_placeholder\":true,\"num\":0}]");
    ws.writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer(new byte[] {1, 2}), false));
    ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {3}), true));
    assertThat(ack.future().await()).startsWith("430[");
    assertThat(closeCode.future().isComplete()).isFalse();
  }

  @Test
  void fragmentsOverTheLimitTogetherCloseWith1009() {
    Promise<Short> closeCode = Promise.promise();
    WebSocket ws = open(closeCode);
    String half = "x".repeat(MAX_PAYLOAD / 2 + 10);
    ws.writeFrame(WebSocketFrame.textFrame("4" + half, false));
    ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(half), true));
    assertThat(closeCode.future().await()).isEqualTo((short) 1009);
  }
}
