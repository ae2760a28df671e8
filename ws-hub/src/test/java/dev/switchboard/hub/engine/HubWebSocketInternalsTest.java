package dev.switchboard.hub.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.MessageAggregator;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.ShutdownEvent;
import io.vertx.core.net.impl.VertxHandler;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What {@link HubWebSocket} relies on in Vert.x's internal packages, checked on the Vert.x the hub
 * runs on, so that an upgrade that changes it fails here, naming the change, rather than as memory
 * kept per connection or websockets left open when the server stops:
 *
 * <ul>
 *   <li>an upgraded {@code ServerWebSocket} is a {@code WebSocketInternal} that hands out its
 *       channel's context, whose handler is Vert.x's {@code VertxHandler} (told the connection is
 *       over when the hub takes the channel);
 *   <li>after {@link HubWebSocket#takeOver} the pipeline holds the hub's handler where Vert.x's
 *       was, no aggregator (the hub puts fragments together itself), no other frame decoder (the
 *       hub decodes, with the settings Vert.x gave its decoder) and nothing of Vert.x's, and
 *       messages reach the hub;
 *   <li>the Vert.x websocket connection's close promise no longer listens to the channel's close
 *       (it kept its duplicated context reachable for the life of the connection);
 *   <li>stopping the HTTP server still tells each connection by a {@code ShutdownEvent} travelling
 *       down its pipeline, which the hub answers with a close frame.
 * </ul>
 *
 * Compiling this class also checks the internal types and methods exist; these tests check they
 * still behave as the hub expects.
 */
@Timeout(20)
class HubWebSocketInternalsTest {

  private static final EngineOptions OPTIONS = EngineOptions.defaults("/engine.io/");

  private static final int MAX_MESSAGE = 1_000;

  private static Vertx vertx;

  /**
   * Held for the whole class: Vert.x closes a client that is no longer referenced, connections and
   * all.
   */
  private static WebSocketClient client;

  private HttpServer server;

  /** What the server saw of the last websocket it took over. */
  private Promise<TakeOver> takeOver;

  private Promise<String> received;

  /**
   * Whether the Vert.x websocket connection's close future was done when the hub heard the close.
   */
  private Promise<Boolean> vertxClosedWhenHubClosed;

  /** The websocket as Vert.x handed it over, and the pipeline after the hub took it. */
  private record TakeOver(
      boolean internal,
      ChannelHandler vertxHandler,
      List<String> names,
      ChannelPipeline pipeline,
      HubWebSocket hub,
      String vertxDecoderConfig) {}

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
    client = vertx.createWebSocketClient();
  }

  @AfterAll
  static void stopVertx() {
    vertx.close().await();
  }

  @BeforeEach
  void startServer() {
    takeOver = Promise.promise();
    received = Promise.promise();
    vertxClosedWhenHubClosed = Promise.promise();
    server =
        vertx
            .createHttpServer(EngineServer.httpServerOptions(OPTIONS))
            // as the hub mounts it: the handshake accepted first, so Vert.x has answered the
            // upgrade before the takeover
            .webSocketHandshakeHandler(ServerWebSocketHandshake::accept)
            .webSocketHandler(this::takeOver);
    server.listen(0, "127.0.0.1").await();
  }

  @AfterEach
  void stopServer() {
    server.close().await();
  }

  @Test
  void anUpgradedWebSocketStillHandsOutItsChannelAndVertxHandler() {
    connect();
    TakeOver seen = takeOver.future().await();

    assertThat(seen.internal())
        .withFailMessage(
            "Vert.x's ServerWebSocket no longer implements io.vertx.core.internal.http.WebSocketInternal:"
                + " HubWebSocket.takeOver cannot reach the Netty channel")
        .isTrue();
    assertThat(seen.vertxHandler())
        .withFailMessage(
            "the websocket's channel handler is %s, no longer io.vertx.core.net.impl.VertxHandler:"
                + " HubWebSocket.takeOver would not tell Vert.x the connection is over (its metrics stay open)",
            seen.vertxHandler())
        .isInstanceOf(VertxHandler.class);
  }

  @Test
  void afterTheTakeOverOnlyTheHubReadsTheChannel() {
    WebSocket client = connect();
    TakeOver seen = takeOver.future().await();

    assertThat(seen.names())
        .withFailMessage(
            "after HubWebSocket.takeOver the pipeline is %s: expected the hub's handler where Vert.x's"
                + " handler was",
            seen.names())
        .contains("hubWebSocket");
    assertThat(seen.pipeline().toMap().values())
        .withFailMessage(
            "a message aggregator is in the pipeline after HubWebSocket.takeOver (%s): one more handler"
                + " and context kept by every connection",
            seen.names())
        .noneMatch(handler -> handler instanceof MessageAggregator<?, ?, ?, ?>);
    assertThat(seen.pipeline().get("hubWebSocket")).isSameAs(seen.hub());
    assertThat(seen.pipeline().toMap().values())
        .withFailMessage(
            "a Vert.x handler is still in the pipeline after HubWebSocket.takeOver (%s): Vert.x objects stay"
                + " reachable for every connection",
            seen.names())
        .noneMatch(handler -> handler instanceof VertxHandler<?>);

    client.writeTextMessage("4hello").await();
    assertThat(received.future().await()).isEqualTo("4hello");
  }

  @Test
  void theHubDecodesFramesWithTheSettingsVertxGaveItsDecoder() {
    WebSocket client = connect();
    TakeOver seen = takeOver.future().await();

    assertThat(seen.vertxDecoderConfig())
        .withFailMessage(
            "Vert.x configured the websocket's frame decoder with %s, the hub decodes with %s:"
                + " EngineServer.decoderConfig no longer follows Http1xServerConnection",
            seen.vertxDecoderConfig(), EngineServer.decoderConfig(OPTIONS))
        .isEqualTo(EngineServer.decoderConfig(OPTIONS).toString());
    assertThat(seen.pipeline().toMap().values())
        .withFailMessage(
            "a frame decoder besides the hub is in the pipeline after HubWebSocket.takeOver (%s):"
                + " one more handler and context kept by every connection",
            seen.names())
        .allMatch(handler -> !(handler instanceof WebSocketFrameDecoder) || handler == seen.hub());

    // a message in fragments still comes out whole, and one over the limit still closes with 1009
    client.writeFrame(WebSocketFrame.textFrame("4hel", false)).await();
    client.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("lo"), true)).await();
    assertThat(received.future().await()).isEqualTo("4hello");
    Promise<Short> closed = Promise.promise();
    client.closeHandler(v -> closed.complete(client.closeStatusCode()));
    client.writeFrame(WebSocketFrame.textFrame("4" + "x".repeat(MAX_MESSAGE / 2), false)).await();
    client.writeFrame(
        WebSocketFrame.continuationFrame(Buffer.buffer("x".repeat(MAX_MESSAGE / 2)), true));
    assertThat(closed.future().await()).isEqualTo((short) 1009);
  }

  @Test
  void theVertxConnectionNoLongerWaitsForTheChannelToClose() {
    WebSocket client = connect();
    takeOver.future().await();

    client.close();

    assertThat(vertxClosedWhenHubClosed.future().await())
        .withFailMessage(
            "the Vert.x websocket connection's close future completed when the channel closed: its"
                + " promise still listens to the channel's close future, and keeps its context")
        .isFalse();
  }

  @Test
  void theFrameEncoderIsGoneAndControlFramesStillLeaveEncoded() {
    WebSocket client = connect();
    TakeOver seen = takeOver.future().await();
    Promise<Buffer> pong = Promise.promise();
    client.pongHandler(pong::tryComplete);

    assertThat(seen.pipeline().toMap().values())
        .withFailMessage(
            "a websocket frame encoder is in the pipeline after HubWebSocket.takeOver (%s): one more"
                + " handler and context kept by every connection, for frames the hub encodes itself",
            seen.names())
        .noneMatch(handler -> handler instanceof WebSocketFrameEncoder);
    client.writePing(Buffer.buffer("are you there")).await();
    assertThat(pong.future().await().toString()).isEqualTo("are you there");
  }

  @Test
  void stoppingTheServerStillReachesTheHubAsAShutdownEvent() {
    WebSocket client = connect();
    takeOver.future().await();
    Promise<Short> closed = Promise.promise();
    client.closeHandler(v -> closed.complete(client.closeStatusCode()));

    server.shutdown(5, TimeUnit.SECONDS);

    assertThat(closed.future().await())
        .withFailMessage(
            "stopping the HTTP server did not end the websocket with a close frame (status %s): the hub"
                + " answers "
                + ShutdownEvent.class.getName()
                + " with one, so Vert.x no longer sends it down the pipeline"
                + " the way HubWebSocket.userEventTriggered expects",
            client.closeStatusCode())
        .isEqualTo((short) 1000);
  }

  private void takeOver(ServerWebSocket ws) {
    if (!(ws instanceof WebSocketInternal internal)) {
      takeOver.complete(new TakeOver(false, null, List.of(), null, null, null));
      ws.close();
      return;
    }
    ChannelHandlerContext vertxContext = internal.channelHandlerContext();
    ChannelHandler vertxHandler = vertxContext.handler();
    ChannelPipeline pipeline = vertxContext.pipeline();
    String vertxDecoderConfig = decoderConfigOf(pipeline.get(WebSocketFrameDecoder.class));
    Future<Void> vertxClosed =
        vertxHandler instanceof VertxHandler<?> handler
            ? handler.getConnection().closeFuture()
            : Future.succeededFuture();
    HubWebSocket hub = HubWebSocket.takeOver(ws, MAX_MESSAGE, EngineServer.decoderConfig(OPTIONS));
    hub.listener(
        new HubWebSocket.Listener() {
          @Override
          public void onText(HubWebSocket socket, String text) {
            received.tryComplete(text);
          }

          @Override
          public void onBinary(HubWebSocket socket, Buffer data) {}

          @Override
          public void onClose(HubWebSocket socket) {
            vertxClosedWhenHubClosed.tryComplete(vertxClosed.isComplete());
          }
        });
    takeOver.complete(
        new TakeOver(true, vertxHandler, pipeline.names(), pipeline, hub, vertxDecoderConfig));
  }

  /** The settings of Vert.x's frame decoder (a private field of Netty's), as text. */
  private static String decoderConfigOf(WebSocketFrameDecoder decoder) {
    try {
      Field config = WebSocket08FrameDecoder.class.getDeclaredField("config");
      config.setAccessible(true);
      return String.valueOf(config.get(decoder));
    } catch (ReflectiveOperationException e) {
      return "unreadable: " + e;
    }
  }

  private WebSocket connect() {
    return client.connect(server.actualPort(), "127.0.0.1", "/engine.io/").await();
  }
}
