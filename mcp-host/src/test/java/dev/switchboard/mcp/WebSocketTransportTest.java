package dev.switchboard.mcp;

import static dev.switchboard.mcp.McpFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.GatewayStandIn;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seed 003's plain WebSocket transport, {@code /ws/mcp/{server}}, with Vert.x's WebSocket client
 * against the real npm server-everything under the host.
 */
@Timeout(90)
class WebSocketTransportTest {

  private McpFixture fixture;

  /** Held: Vert.x 5 closes a client nothing references any more, with its websockets. */
  private WebSocketClient webSockets;

  @AfterEach
  void close() {
    if (fixture != null) {
      fixture.close();
    }
  }

  /** A connected client and what it received, in order. */
  private record Client(WebSocket ws, BlockingQueue<JsonObject> received) {
    JsonObject next() throws InterruptedException {
      JsonObject message = received.poll(30, TimeUnit.SECONDS);
      assertThat(message).as("a message within 30 s").isNotNull();
      return message;
    }

    /** The next message with that id (progress and list changes may come before it). */
    JsonObject answerTo(Object id) throws InterruptedException {
      while (true) {
        JsonObject message = next();
        if (id.equals(message.getValue("id")) && !message.containsKey("method")) {
          return message;
        }
      }
    }

    void send(JsonObject message) {
      ws.writeTextMessage(message.encode()).await();
    }
  }

  private Client connect(String path, String... headers) {
    WebSocketConnectOptions options =
        new WebSocketConnectOptions().setHost("127.0.0.1").setPort(fixture.port).setURI(path);
    for (int i = 0; i < headers.length; i += 2) {
      options.addHeader(headers[i], headers[i + 1]);
    }
    BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
    if (webSockets == null) {
      webSockets = fixture.vertx.createWebSocketClient();
    }
    WebSocket ws = webSockets.connect(options).await();
    ws.textMessageHandler(text -> received.add(new JsonObject(text)));
    return new Client(ws, received);
  }

  private Client authorized(String server) {
    return connect("/ws/mcp/" + server, "Authorization", "Bearer " + TOKEN);
  }

  private long pid(String server, String project) {
    JsonArray instances =
        fixture
            .ask(Addresses.MCP_SERVERS_GET, new JsonObject().put("name", server))
            .getJsonArray("instances");
    return instances.stream()
        .map(JsonObject.class::cast)
        .filter(i -> project.equals(i.getString("project")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no instance of " + project + ": " + instances))
        .getLong("pid");
  }

  /** The probe server asks for sampling: the request comes on the socket, its answer goes back. */
  @Test
  void aRequestOfTheServerComesOnTheSocketAndItsAnswerReachesTheServer() throws Exception {
    fixture =
        new McpFixture()
            .start(
                new JsonObject()
                    .put("name", "probe")
                    .put(
                        "command",
                        new JsonArray()
                            .add("node")
                            .add(
                                java.nio.file.Path.of("src/test/node/probe-server.mjs")
                                    .toAbsolutePath()
                                    .toString())));
    Client client = authorized("probe");
    JsonObject init = McpFixture.initialize(1);
    init.getJsonObject("params")
        .put("capabilities", new JsonObject().put("sampling", new JsonObject()));
    client.send(init);
    assertThat(client.answerTo(1).getJsonObject("result")).isNotNull();
    client.send(McpFixture.call(2, "ask", new JsonObject()));
    JsonObject asked = client.next();
    assertThat(asked.getString("method")).isEqualTo("sampling/createMessage");
    client.send(
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", asked.getValue("id"))
            .put("result", new JsonObject().put("model", "over-the-socket")));
    String text =
        client
            .answerTo(2)
            .getJsonObject("result")
            .getJsonArray("content")
            .getJsonObject(0)
            .getString("text");
    assertThat(new JsonObject(text).getString("model")).isEqualTo("over-the-socket");
  }

  @Test
  void seedClientInitializesWithAProjectCallsAToolAndFindsItsInstanceWarmAfterReconnecting()
      throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "per-project"));
    Client client = authorized("everything");
    client.send(
        new JsonObject()
            .put("method", "initialize")
            .put("project", "frontend-app")
            .put("projectRoot", "/app"));
    JsonObject initialized = client.next();
    assertThat(initialized.getJsonObject("result").getJsonObject("serverInfo").getString("name"))
        .as(initialized.encode())
        .isNotBlank();
    client.send(new JsonObject().put("jsonrpc", "2.0").put("id", 7).put("method", "tools/list"));
    JsonObject tools = client.answerTo(7);
    assertThat(tools.getJsonObject("result").getJsonArray("tools").encode()).contains("\"echo\"");
    client.send(McpFixture.call(8, "echo", new JsonObject().put("message", "over a websocket")));
    JsonObject echoed = client.answerTo(8);
    assertThat(echoed.getJsonObject("result").encode()).contains("Echo: over a websocket");
    // the call audit knows the upgrade's caller and the transport
    JsonObject recorded =
        dev.switchboard.common.testing.Eventually.within(java.time.Duration.ofSeconds(10))
            .alias("the echo is recorded")
            .until(
                () -> fixture.ask(Addresses.MCP_CALLS_LIST, new JsonObject()).getJsonArray("calls"),
                all -> !all.isEmpty())
            .getJsonObject(0);
    assertThat(recorded.getString("via")).isEqualTo("websocket");
    assertThat(recorded.getString("caller")).isEqualTo("admin");
    assertThat(recorded.getString("project")).isEqualTo("frontend-app");
    assertThat(recorded.getString("tool")).isEqualTo("echo");
    client.send(
        McpFixture.call(
                9, "longRunningOperation", new JsonObject().put("duration", 1).put("steps", 3))
            .put(
                "params",
                new JsonObject()
                    .put("name", "longRunningOperation")
                    .put("arguments", new JsonObject().put("duration", 1).put("steps", 3))
                    .put("_meta", new JsonObject().put("progressToken", "ws-progress"))));
    int progress = 0;
    while (true) {
      JsonObject message = client.next();
      if ("notifications/progress".equals(message.getString("method"))) {
        assertThat(message.getJsonObject("params").getString("progressToken"))
            .isEqualTo("ws-progress");
        progress++;
      } else if (Integer.valueOf(9).equals(message.getValue("id"))) {
        assertThat(message.containsKey("result")).as(message.encode()).isTrue();
        break;
      }
    }
    assertThat(progress).isEqualTo(3);
    long first = pid("everything", "frontend-app");

    client.ws().close().await();
    Client again = authorized("everything");
    again.send(new JsonObject().put("method", "initialize").put("project", "frontend-app"));
    assertThat(again.next().containsKey("result")).isTrue();
    again.send(McpFixture.call("a", "echo", new JsonObject().put("message", "back")));
    assertThat(again.answerTo("a").getJsonObject("result").encode()).contains("Echo: back");
    assertThat(pid("everything", "frontend-app"))
        .as("the reconnected client of the same project finds the same instance warm")
        .isEqualTo(first);
  }

  @Test
  void badMessagesAreJsonRpcErrorsAndTheConnectionStays() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "per-project"));
    Client client = authorized("everything");
    client.ws().writeTextMessage("{not json").await();
    assertThat(client.next().getJsonObject("error").getInteger("code")).isEqualTo(-32700);
    client.send(McpFixture.call(1, "echo", new JsonObject().put("message", "too early")));
    JsonObject early = client.next();
    assertThat(early.getJsonObject("error").getString("message")).contains("initialize first");
    client.send(new JsonObject().put("method", "initialize"));
    assertThat(client.next().getJsonObject("error").getString("message"))
        .contains("project")
        .contains("required");
    client.send(new JsonObject().put("method", "initialize").put("project", "bad project!"));
    assertThat(client.next().getJsonObject("error").getInteger("code")).isEqualTo(-32602);
    client.send(new JsonObject().put("method", "initialize").put("project", "ok"));
    assertThat(client.next().containsKey("result")).isTrue();
  }

  @Test
  void aMessageOverOneMebibyteClosesTheConnection() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    Client client = authorized("everything");
    java.util.concurrent.CompletableFuture<Short> closed =
        new java.util.concurrent.CompletableFuture<>();
    client.ws().closeHandler(v -> closed.complete(client.ws().closeStatusCode()));
    client.ws().writeTextMessage("x".repeat(WebSocketTransport.MAX_MESSAGE / 2));
    assertThat(client.next().getJsonObject("error").getInteger("code"))
        .as("half the limit is read (and is not JSON)")
        .isEqualTo(-32700);
    client.ws().writeTextMessage("x".repeat(WebSocketTransport.MAX_MESSAGE + 1));
    assertThat(closed.get(30, TimeUnit.SECONDS)).as("the connection is closed").isNotNull();
  }

  /**
   * Bug: a connection made with a named token stayed open after the admin revoked the token. The
   * gateway answers who a named token is over the event bus (a stand-in here, since the contract is
   * the bus message) and names what would revoke it; the revocation closes the connection at once.
   */
  @Test
  void aRevokedNamedTokensConnectionIsClosed() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    String named = "sbt_" + "n".repeat(43);
    String origin = "token:6f1c2d4e-0000-4000-8000-000000000004";
    GatewayStandIn.verifying(
        fixture.vertx, token -> GatewayStandIn.caller("ci", "operator", origin));
    Client revoked = connect("/ws/mcp/everything", "Authorization", "Bearer " + named);
    Client kept = authorized("everything");
    java.util.concurrent.CompletableFuture<Short> closed =
        new java.util.concurrent.CompletableFuture<>();
    revoked.ws().closeHandler(v -> closed.complete(revoked.ws().closeStatusCode()));

    GatewayStandIn.revoke(fixture.vertx, named, origin);

    assertThat(closed.get(30, TimeUnit.SECONDS)).as("policy violation").isEqualTo((short) 1008);
    kept.send(new JsonObject().put("method", "initialize").put("project", "ok").put("id", 1));
    assertThat(kept.answerTo(1).containsKey("result")).as("the configured token's").isTrue();
  }

  /**
   * Bug: a connection made with a sign-in JWT stayed open after its session was signed out. The
   * gateway names the JWT's session in its answer and the sign-out's revocation names it; another
   * session's connection stays.
   */
  @Test
  void aSignedOutSessionsConnectionIsClosed() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJvbmUifQ.b25l";
    String other = "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ0d28ifQ.dHdv";
    GatewayStandIn.verifying(
        fixture.vertx,
        token ->
            new JsonObject()
                .put("name", "admin token")
                .put("role", "admin")
                .put("session", token.equals(jwt) ? "session:one" : "session:two"));
    Client signedOut = connect("/ws/mcp/everything", "Authorization", "Bearer " + jwt);
    Client kept = connect("/ws/mcp/everything", "Authorization", "Bearer " + other);
    java.util.concurrent.CompletableFuture<Short> closed =
        new java.util.concurrent.CompletableFuture<>();
    signedOut.ws().closeHandler(v -> closed.complete(signedOut.ws().closeStatusCode()));

    GatewayStandIn.revoke(fixture.vertx, jwt, "session:one");

    assertThat(closed.get(30, TimeUnit.SECONDS)).as("policy violation").isEqualTo((short) 1008);
    kept.send(new JsonObject().put("method", "initialize").put("project", "ok").put("id", 1));
    assertThat(kept.answerTo(1).containsKey("result")).as("another session's").isTrue();
  }

  @Test
  void aCredentialIsRequiredAndAForeignOriginIsRefused() {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    assertThatThrownBy(() -> connect("/ws/mcp/everything"))
        .isInstanceOfSatisfying(
            UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
    assertThatThrownBy(
            () ->
                connect(
                    "/ws/mcp/everything",
                    "Authorization",
                    "Bearer " + TOKEN,
                    "Origin",
                    "http://evil.example"))
        .isInstanceOfSatisfying(
            UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(403));
  }
}
