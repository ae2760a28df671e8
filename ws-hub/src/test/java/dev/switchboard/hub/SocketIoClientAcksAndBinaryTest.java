package dev.switchboard.hub;

import static dev.switchboard.hub.NodeDriver.bin;
import static dev.switchboard.hub.NodeDriver.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.hub.NodeDriver.Event;
import dev.switchboard.hub.socket.Socket;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Acknowledgements in both directions and binary attachments between the hub's Socket.IO server
 * ({@link EchoVerticle}, a test namespace on a {@code SocketServer}) and the npm socket.io-client,
 * over each transport. Binary goes as separate websocket frames, or base64 {@code b} packets when
 * polling, and must come out byte for byte on both sides.
 */
@Timeout(30)
class SocketIoClientAcksAndBinaryTest {

  private static final byte[] SMALL = {1, 2, 3, (byte) 0xff, 0};
  private static final byte[] EMPTY = {};
  private static final byte[] LARGE = new byte[200_000];

  static {
    new Random(7).nextBytes(LARGE);
  }

  private Vertx vertx;
  private EchoVerticle echo;
  private NodeDriver node;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    echo = new EchoVerticle();
    vertx.deployVerticle(echo).await();
    node = NodeDriver.start(echo.actualPort(), "unused", "unused", "unused");
  }

  @AfterEach
  void stop() {
    node.close();
    vertx.close().await();
  }

  /**
   * Three arguments holding four attachments: top level, nested in an object, in an array, and a
   * large one.
   */
  private static JsonArray binaryArgs() {
    return new JsonArray()
        .add(bin(SMALL))
        .add(
            new JsonObject()
                .put("label", "nested")
                .put("empty", bin(EMPTY))
                .put("list", new JsonArray().add(bin(LARGE)).add("text")))
        .add("plain");
  }

  private static void assertBinaryArgs(JsonArray args) {
    assertThat(bytes(args.getValue(0))).isEqualTo(SMALL);
    JsonObject nested = args.getJsonObject(1);
    assertThat(nested.getString("label")).isEqualTo("nested");
    assertThat(bytes(nested.getValue("empty"))).isEqualTo(EMPTY);
    assertThat(bytes(nested.getJsonArray("list").getValue(0))).isEqualTo(LARGE);
    assertThat(nested.getJsonArray("list").getValue(1)).isEqualTo("text");
    assertThat(args.getValue(2)).isEqualTo("plain");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void binaryRoundTripsThroughAnEventAndAnAck(Transport transport) {
    node.connected("c", "/echo", null, transport.opts());

    node.call(
        "emit", new JsonObject().put("client", "c").put("event", "echo").put("args", binaryArgs()));
    JsonArray decoded = echo.nextEcho();
    assertThat(decoded.getList().get(0)).as("the server sees a Buffer").isInstanceOf(Buffer.class);
    assertThat(((Buffer) decoded.getList().get(0)).getBytes()).isEqualTo(SMALL);
    Event back = node.await("c", "echo-back");
    assertThat(back.args()).hasSize(3);
    assertBinaryArgs(back.args());

    JsonObject acked =
        node.call(
            "emitWithCallback",
            new JsonObject().put("client", "c").put("event", "echo-ack").put("args", binaryArgs()));
    assertThat(acked.getJsonArray("args")).hasSize(3);
    assertBinaryArgs(acked.getJsonArray("args"));

    // the real emitWithAck resolves with the first argument: a Buffer
    Object first =
        node.call(
                "emitWithAck",
                new JsonObject()
                    .put("client", "c")
                    .put("event", "echo-ack")
                    .put("args", binaryArgs()))
            .getValue("ack");
    assertThat(bytes(first)).isEqualTo(SMALL);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void theServerGetsTheClientsAcknowledgement(Transport transport) throws Throwable {
    node.connected("c", "/echo", null, transport.opts());
    node.call("answer", new JsonObject().put("client", "c").put("event", "question"));
    Socket socket = echo.nextConnection();

    JsonArray answer =
        EchoVerticle.await(
            echo.onLoop(
                () ->
                    socket.emitWithAck(
                        Duration.ofSeconds(5),
                        "question",
                        new JsonObject().put("n", 1),
                        Buffer.buffer(SMALL))));
    assertThat(answer.getJsonObject(0)).isEqualTo(new JsonObject().put("answered", "question"));
    assertThat(answer.getJsonObject(1)).isEqualTo(new JsonObject().put("n", 1));
    assertThat(answer.getList().get(2))
        .as("the client's binary ack arrives as a Buffer")
        .isInstanceOf(Buffer.class);
    assertThat(((Buffer) answer.getList().get(2)).getBytes()).isEqualTo(SMALL);
    assertThat(node.await("c", "question").json(0)).isEqualTo(new JsonObject().put("n", 1));

    // the same, asked for by the client: client -> server event, server -> client ack request, then
    // the server's ack
    JsonObject asked =
        node.call(
            "emitWithAck",
            new JsonObject()
                .put("client", "c")
                .put("event", "ask")
                .put("args", new JsonArray().add("why?")));
    assertThat(asked.getJsonArray("ack"))
        .isEqualTo(new JsonArray().add(new JsonObject().put("answered", "question")).add("why?"));
  }

  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"WEBSOCKET", "POLLING"})
  void anUnansweredAckTimesOutAndAPendingOneFailsOnDisconnect(Transport transport)
      throws Throwable {
    node.connected("c", "/echo", null, transport.opts());
    Socket socket = echo.nextConnection();

    // socket.io-client sends no ack for an event nobody listens to
    assertThatThrownBy(
            () ->
                EchoVerticle.await(
                    echo.onLoop(
                        () -> socket.emitWithAck(Duration.ofMillis(300), "nobody-listens"))))
        .isInstanceOf(TimeoutException.class);

    var pending =
        echo.onLoop(() -> socket.emitWithAck(Duration.ofSeconds(20), "nobody-listens-either"));
    node.await("c", "nobody-listens-either");
    node.disconnect("c");
    long started = System.nanoTime();
    assertThatThrownBy(() -> EchoVerticle.await(pending))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("disconnected");
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("failed by the disconnect, not the timeout")
        .isLessThan(Duration.ofSeconds(5));
  }
}
