package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a client other than the JavaScript one sees on the wire: with recovery on, every kept event
 * carries the recovery offset as one more argument (only socket.io-client strips it); with {@code
 * recoveryWindow} 0 recovery is off and the frames carry exactly the emitted arguments. Raw
 * Engine.IO frames over a websocket, no Socket.IO client library.
 */
@Timeout(30)
class RecoveryOffWireTest {

  private static final String NSP = "/mcp";

  /** Bug: HUB_RECOVERY_WINDOW could not be 0, so python-socketio always got an extra argument. */
  @Test
  void withRecoveryOffTheFramesCarryExactlyTheEmittedArguments() throws InterruptedException {
    try (HubFixture hub = HubFixture.start(new JsonObject().put("recoveryWindow", 0));
        Wire wire = Wire.open(hub)) {
      JsonObject connect = wire.join();
      assertThat(connect.fieldNames()).as("no pid: nothing to recover with").containsExactly("sid");
      assertThat(wire.event())
          .isEqualTo(
              new JsonArray()
                  .add("connected")
                  .add(
                      new JsonObject()
                          .put("id", connect.getString("sid"))
                          .put("namespace", NSP)
                          .put("recovered", false)));

      wire.send("42" + NSP + ",1[\"join\",{\"room\":\"r\"}]");
      assertThat(wire.event())
          .isEqualTo(new JsonArray().add("joined").add(new JsonObject().put("room", "r")));
      assertThat(wire.next()).isEqualTo("43" + NSP + ",1[{\"room\":\"r\",\"ok\":true}]");

      assertThat(
              hub.emit(
                      new JsonObject()
                          .put("namespace", NSP)
                          .put("room", "r")
                          .put("event", "news")
                          .put("data", new JsonObject().put("n", 1)))
                  .statusCode())
          .isEqualTo(202);
      assertThat(wire.event())
          .isEqualTo(new JsonArray().add("news").add(new JsonObject().put("n", 1)));
      assertThat(hub.emit(new JsonObject().put("namespace", NSP).put("event", "bare")).statusCode())
          .isEqualTo(202);
      assertThat(wire.event())
          .as("an emit without data: the event name alone")
          .isEqualTo(new JsonArray().add("bare"));
    }
  }

  @Test
  void withRecoveryOnEveryKeptEventCarriesItsOffsetLast() throws InterruptedException {
    try (HubFixture hub = HubFixture.start();
        Wire wire = Wire.open(hub)) {
      assertThat(wire.join().fieldNames()).containsExactlyInAnyOrder("sid", "pid");
      JsonArray greeting = wire.event();
      assertThat(greeting).hasSize(3);
      assertThat(greeting.getValue(2)).as("the offset").isInstanceOf(String.class);

      assertThat(
              hub.emit(
                      new JsonObject()
                          .put("namespace", NSP)
                          .put("event", "news")
                          .put("data", new JsonObject().put("n", 1)))
                  .statusCode())
          .isEqualTo(202);
      JsonArray news = wire.event();
      assertThat(news).as("one argument more than emitted").hasSize(3);
      assertThat(news.getString(0)).isEqualTo("news");
      assertThat(news.getJsonObject(1)).isEqualTo(new JsonObject().put("n", 1));
      assertThat(news.getValue(2)).as("the offset").isInstanceOf(String.class);
    }
  }

  /**
   * One websocket speaking Engine.IO by hand; every text frame is kept in order. It holds its
   * client: Vert.x 5 closes a client nothing references any more, with its websockets.
   */
  private static final class Wire implements AutoCloseable {

    private final WebSocketClient client;
    private final ClientWebSocket ws;
    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();

    private Wire(WebSocketClient client) {
      this.client = client;
      this.ws = client.webSocket();
      ws.textMessageHandler(frames::add);
    }

    static Wire open(HubFixture hub) throws InterruptedException {
      Wire wire = new Wire(hub.vertx.createWebSocketClient());
      wire.ws
          .connect(
              new WebSocketConnectOptions()
                  .setHost("127.0.0.1")
                  .setPort(hub.port())
                  .setURI("/socket.io/?EIO=4&transport=websocket"))
          .await();
      assertThat(wire.next()).startsWith("0{");
      return wire;
    }

    /** Connects to {@link #NSP} with the admin token; answers the CONNECT packet's payload. */
    JsonObject join() throws InterruptedException {
      send("40" + NSP + "," + new JsonObject().put("token", HubFixture.ADMIN_TOKEN).encode());
      String connected = next();
      assertThat(connected).startsWith("40" + NSP + ",");
      return new JsonObject(connected.substring(("40" + NSP + ",").length()));
    }

    /**
     * The next frame, which must be an EVENT of {@link #NSP}; answers its array (name, then
     * arguments).
     */
    JsonArray event() throws InterruptedException {
      String frame = next();
      assertThat(frame).startsWith("42" + NSP + ",");
      return new JsonArray(frame.substring(("42" + NSP + ",").length()));
    }

    String next() throws InterruptedException {
      String frame = frames.poll(10, TimeUnit.SECONDS);
      assertThat(frame).as("a frame within 10 s").isNotNull();
      return frame;
    }

    void send(String frame) {
      ws.writeTextMessage(frame);
    }

    @Override
    public void close() {
      client.close();
    }
  }
}
