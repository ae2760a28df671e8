package dev.switchboard.hub.socket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.hub.ConformanceVerticle;
import dev.switchboard.hub.engine.EngineProtocolException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random and mutated frames: the decoder raises nothing but a protocol error, and a server fed such
 * frames on a live connection keeps serving everyone else.
 */
class FramesPropertyTest {

  private static final List<String> VALID =
      List.of(
          "0",
          "0/custom,",
          "0{\"token\":\"abc\"}",
          "2[\"message\",1,\"2\",{\"3\":[true]}]",
          "2/mcp,12[\"join\",{\"room\":\"a\"}]",
          "3/mcp,4[\"ok\"]",
          "1/custom,",
          "51-[\"message\",{\"_placeholder\":true,\"num\":0}]");

  private static Vertx vertx;
  private static int port;

  @BeforeContainer
  static void start() {
    vertx = Vertx.vertx();
    ConformanceVerticle server = new ConformanceVerticle();
    vertx
        .deployVerticle(server, new DeploymentOptions().setConfig(new JsonObject().put("port", 0)))
        .await();
    port = server.actualPort();
  }

  @AfterContainer
  static void stop() {
    vertx.close().await();
  }

  @Property(tries = 2000)
  void theDecoderOnlyRaisesProtocolErrors(@ForAll("frames") String frame) {
    PacketCodec.Decoder decoder = new PacketCodec.Decoder();
    try {
      decoder.text(frame);
    } catch (EngineProtocolException expected) {
      // the only acceptable failure
    }
  }

  @Property(tries = 60)
  void garbageOnOneConnectionLeavesTheServerServing(@ForAll("frames") String frame)
      throws Exception {
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocket attacker = connect(client);
      attacker.writeTextMessage("4" + frame);
      attacker.writeBinaryMessage(Buffer.buffer(frame));
      assertThat(echoes(client)).as("a fresh client still gets its echo after: " + frame).isTrue();
    } finally {
      client.close().await();
    }
  }

  @Provide
  Arbitrary<String> frames() {
    Arbitrary<String> random = Arbitraries.strings().ofMaxLength(60);
    Arbitrary<String> mutated =
        Combinators.combine(
                Arbitraries.of(VALID),
                Arbitraries.integers().between(0, 80),
                Arbitraries.chars(),
                Arbitraries.integers().between(0, 3))
            .as((valid, position, c, how) -> mutate(valid, position, c, how));
    return Arbitraries.oneOf(random, mutated);
  }

  /** Replaces, inserts or deletes one character, or cuts the frame short. */
  private static String mutate(String valid, int position, char c, int how) {
    int at = Math.min(position, valid.length());
    return switch (how) {
      case 0 ->
          at < valid.length() ? valid.substring(0, at) + c + valid.substring(at + 1) : valid + c;
      case 1 -> valid.substring(0, at) + c + valid.substring(at);
      case 2 -> at < valid.length() ? valid.substring(0, at) + valid.substring(at + 1) : valid;
      default -> valid.substring(0, at);
    };
  }

  private static WebSocketConnectOptions options() {
    return new WebSocketConnectOptions()
        .setHost("127.0.0.1")
        .setPort(port)
        .setURI("/socket.io/?EIO=4&transport=websocket");
  }

  private static WebSocket connect(WebSocketClient client) {
    return client.connect(options()).await();
  }

  /** Connects to the main namespace and checks that "message" comes back as "message-back". */
  private static boolean echoes(WebSocketClient client) throws Exception {
    CompletableFuture<Boolean> echoed = new CompletableFuture<>();
    // handlers set before connecting: the server speaks first
    ClientWebSocket ws = client.webSocket();
    ws.textMessageHandler(
        text -> {
          if (text.startsWith("0{")) {
            ws.writeTextMessage("40");
          } else if (text.startsWith("40{")) {
            ws.writeTextMessage("42[\"message\",\"ping\"]");
          } else if (text.equals("42[\"message-back\",\"ping\"]")) {
            echoed.complete(true);
          }
        });
    ws.connect(options()).await();
    try {
      return echoed.get(5, TimeUnit.SECONDS);
    } finally {
      ws.close();
    }
  }
}
