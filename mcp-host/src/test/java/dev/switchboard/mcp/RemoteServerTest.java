package dev.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.common.testing.Eventually;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Remote Streamable HTTP servers as definitions, against the real npm server-everything run in its
 * own Streamable HTTP mode ({@code node dist/index.js streamableHttp}, {@code PORT}): the host is
 * one MCP client of it per instance key; a remote killed mid-call is reported and reconnected to
 * once it is back; header values are never answered. And the restart policy's figures, honoured for
 * a stdio server that exits after every initialize.
 */
class RemoteServerTest {

  private static final String SECRET = "Bearer remote-secret-never-shown";
  private static final Path PROBE = Path.of("src/test/node/probe-server.mjs").toAbsolutePath();
  private McpFixture fixture;
  private Process remote;
  private final List<String> remoteStderr = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
    if (remote != null) {
      remote.destroyForcibly();
    }
  }

  /** server-everything's own Streamable HTTP server on {@code port}, once it listens. */
  private void startRemote(int port) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder("node", McpFixture.EVERYTHING.toString(), "streamableHttp");
    builder.environment().put("PORT", Integer.toString(port));
    remote = builder.start();
    Process started = remote;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(started.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  remoteStderr.add(line);
                }
              } catch (java.io.IOException e) {
                // gone
              }
            });
    reader.setDaemon(true);
    reader.start();
    Eventually.within(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              boolean listening;
              try (Socket socket = new Socket("127.0.0.1", port)) {
                listening = socket.isConnected();
              } catch (java.io.IOException refused) {
                listening = false;
              }
              assertThat(listening).as("server-everything listens on " + port).isTrue();
            });
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static JsonObject remoteDefinition(String name, String pool, int port) {
    return new JsonObject()
        .put("name", name)
        .put("url", "http://127.0.0.1:" + port + "/mcp")
        .put("pool", pool)
        .put("headers", new JsonObject().put("Authorization", SECRET));
  }

  private JsonObject status(String server) {
    return fixture.ask(Addresses.MCP_SERVERS_GET, new JsonObject().put("name", server));
  }

  /** server-everything's {@code longRunningOperation}, called in the background. */
  private static CompletableFuture<McpSchema.CallToolResult> longRunning(
      McpSyncClient client, int seconds, int steps, String progressToken) {
    return CompletableFuture.supplyAsync(
        () ->
            client.callTool(
                McpSchema.CallToolRequest.builder()
                    .name("longRunningOperation")
                    .arguments(Map.of("duration", seconds, "steps", steps))
                    .progressToken(progressToken)
                    .build()));
  }

  private static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  private long sessionsInitializedRemotely() {
    return remoteStderr.stream().filter(l -> l.startsWith("Session initialized with ID")).count();
  }

  /**
   * A TCP proxy in front of the remote server whose open connections can all be cut at once, as a
   * network fault cuts them: the host's next connection goes through again.
   */
  private static final class CuttingProxy {
    private final java.util.Set<io.vertx.core.net.NetSocket> open =
        java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final io.vertx.core.net.NetServer server;
    private final java.util.concurrent.atomic.AtomicInteger refusing =
        new java.util.concurrent.atomic.AtomicInteger();

    CuttingProxy(io.vertx.core.Vertx vertx, int target) {
      io.vertx.core.net.NetClient client = vertx.createNetClient();
      server =
          vertx
              .createNetServer()
              .connectHandler(
                  front -> {
                    if (refusing.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                      front.close();
                      return;
                    }
                    front.pause();
                    client
                        .connect(target, "127.0.0.1")
                        .onSuccess(
                            back -> {
                              open.add(front);
                              open.add(back);
                              front.pipeTo(back);
                              back.pipeTo(front);
                              front.resume();
                            })
                        .onFailure(err -> front.close());
                  })
              .listen(0, "127.0.0.1")
              .await();
    }

    int port() {
      return server.actualPort();
    }

    /**
     * Closes every connection open through it, and closes the next {@code refused} at once, as a
     * fault that still cuts an instant later.
     */
    void cut(int refused) {
      refusing.set(refused);
      List.copyOf(open).forEach(socket -> socket.close());
      open.clear();
    }
  }

  @Test
  void aBrokenStreamIsResumedWithLastEventIdAndTheCallCompletesWithEveryProgress()
      throws Exception {
    int port = freePort();
    startRemote(port);
    fixture = new McpFixture();
    CuttingProxy proxy = new CuttingProxy(fixture.vertx, port);
    fixture.start(remoteDefinition("cut", "shared", proxy.port()));
    List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
    McpSyncClient client = fixture.client("cut", null, progress::add);
    String startedAt =
        status("cut").getJsonArray("instances").getJsonObject(0).getString("startedAt");
    CompletableFuture<McpSchema.CallToolResult> call = longRunning(client, 3, 6, "cut-token");
    Eventually.within(Duration.ofSeconds(10))
        .alias("the first progress through the host")
        .until(progress::size, n -> n >= 1);
    proxy.cut(1);

    McpSchema.CallToolResult done = call.get(30, TimeUnit.SECONDS);
    assertThat(text(done)).contains("Long running operation completed");
    // the rest of the request's stream was replayed after the last event: none lost, none twice
    // (the SDK's client hands notifications to their consumer on another thread than the answer)
    Eventually.within(Duration.ofSeconds(5)).until(progress::size, n -> n >= 6);
    assertThat(progress)
        .extracting(McpSchema.ProgressNotification::progress)
        .containsExactly(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
    // the same instance and remote session: nothing was restarted
    JsonObject instance = status("cut").getJsonArray("instances").getJsonObject(0);
    assertThat(instance.getString("state")).isEqualTo("ready");
    assertThat(instance.getString("startedAt")).isEqualTo(startedAt);
    assertThat(sessionsInitializedRemotely()).isEqualTo(1);
    assertThat(
            Telemetry.registry()
                .find(Telemetry.PREFIX + "mcp.remote.streams.resumed")
                .tag("server", "cut")
                .counter()
                .count())
        .isGreaterThanOrEqualTo(1.0);
    assertThat(
            text(client.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "on")))))
        .isEqualTo("Echo: on");
  }

  @Test
  void aRemoteServerIsUsedThroughTheHostOneRemoteSessionPerProject() throws Exception {
    int port = freePort();
    startRemote(port);
    fixture = new McpFixture().start(remoteDefinition("far", "per-project", port));
    List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
    McpSyncClient alpha = fixture.client("far", "alpha", progress::add);
    assertThat(alpha.listTools().tools())
        .extracting(McpSchema.Tool::name)
        .contains("echo", "add", "longRunningOperation");
    assertThat(
            text(alpha.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "afar")))))
        .isEqualTo("Echo: afar");
    McpSchema.CallToolResult done =
        alpha.callTool(
            McpSchema.CallToolRequest.builder()
                .name("longRunningOperation")
                .arguments(Map.of("duration", 1, "steps", 3))
                .progressToken("far-token")
                .build());
    assertThat(text(done)).contains("Long running operation completed");
    Eventually.within(Duration.ofSeconds(5)).until(progress::size, n -> n >= 3);
    assertThat(progress)
        .extracting(McpSchema.ProgressNotification::progress)
        .containsExactly(1.0, 2.0, 3.0);
    assertThat(progress).allSatisfy(p -> assertThat(p.progressToken()).isEqualTo("far-token"));

    McpSyncClient beta = fixture.client("far", "beta", null);
    assertThat(text(beta.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "b")))))
        .isEqualTo("Echo: b");
    // a second client of alpha shares alpha's remote session
    McpSyncClient alpha2 = fixture.client("far", "alpha", null);
    assertThat(text(alpha2.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "c")))))
        .isEqualTo("Echo: c");

    JsonObject status = status("far");
    assertThat(status.getJsonArray("instances").stream().map(i -> (JsonObject) i))
        .extracting(i -> i.getString("project") + ":" + i.getString("state"))
        .containsExactlyInAnyOrder("alpha:ready", "beta:ready");
    // two projects, two remote sessions: server-everything logs each one it opens
    assertThat(sessionsInitializedRemotely()).isEqualTo(2);
    // header names are shown, values never
    assertThat(status.getJsonObject("headers").getJsonObject("Authorization").getBoolean("masked"))
        .isTrue();
    assertThat(status.getString("url")).isEqualTo("http://127.0.0.1:" + port + "/mcp");
    assertThat(status.encode()).doesNotContain("remote-secret");
    assertThat(fixture.ask(Addresses.MCP_SERVERS_LIST, new JsonObject()).encode())
        .doesNotContain("remote-secret");
    alpha.close();
    alpha2.close();
    beta.close();
  }

  @Test
  void aRemoteKilledMidCallIsReportedAndReconnectedToWhenItIsBack() throws Exception {
    int port = freePort();
    startRemote(port);
    fixture =
        new McpFixture()
            .start(
                remoteDefinition("flaky", "shared", port)
                    .put(
                        "restart",
                        new JsonObject()
                            .put("initialDelay", "100ms")
                            .put("maxDelay", "300ms")
                            .put("limit", 1000)));
    List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
    McpSyncClient client = fixture.client("flaky", null, progress::add);
    CompletableFuture<McpSchema.CallToolResult> call = longRunning(client, 30, 30, "t");
    Eventually.within(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(progress).isNotEmpty());
    remote.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> call.get(20, TimeUnit.SECONDS))
        .hasMessageContaining("MCP server flaky")
        .hasMessageContaining("while this request was in flight");
    // reported on the instance: restarting with backoff, the reason said
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonObject ended = status("flaky").getJsonArray("lastEnded").getJsonObject(0);
              assertThat(ended.getString("reason")).contains("remote MCP server");
              assertThat(
                      Telemetry.registry()
                          .find(Telemetry.PREFIX + "mcp.instances.restarted")
                          .tag("server", "flaky")
                          .counter()
                          .count())
                  .isGreaterThanOrEqualTo(2);
            });

    // back on the same port: the host reconnects (a new remote session) and the session goes on
    startRemote(port);
    Eventually.within(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        status("flaky")
                            .getJsonArray("instances")
                            .getJsonObject(0)
                            .getString("state"))
                    .isEqualTo("ready"));
    assertThat(
            text(client.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "back")))))
        .isEqualTo("Echo: back");
    client.close();
  }

  @Test
  void aRemoteThatIsNotThereIsReportedAndOthersKeepWorking() throws Exception {
    int nowhere = freePort();
    fixture =
        new McpFixture()
            .start(
                remoteDefinition("gone", "shared", nowhere), McpFixture.everything("ok", "shared"));
    HttpAnswer refused = post("gone");
    assertThat(refused.status).isEqualTo(502);
    assertThat(refused.body).contains("cannot reach the remote MCP server");
    assertThat(status("gone").getJsonArray("lastEnded").getJsonObject(0).getString("state"))
        .isEqualTo("failed");
    assertThat(post("ok").status).isEqualTo(200);
  }

  /**
   * What server-everything cannot be made to do, from a small Streamable HTTP server of the test:
   * forget a session (the next POST with it gets {@code 404}), answer {@code initialize} with an
   * HTML page. The host re-initializes after the 404 and replays the read on the new session; the
   * HTML answer fails the start, counted as garbage.
   */
  @Test
  void anExpiredRemoteSessionIsInitializedAgainAndGarbageIsReported() throws Exception {
    fixture = new McpFixture();
    String[] current = {null};
    int[] generation = {0};
    io.vertx.core.http.HttpServer server =
        fixture
            .vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  if (req.method() != io.vertx.core.http.HttpMethod.POST) {
                    req.response().setStatusCode(405).end();
                    return;
                  }
                  if (req.path().equals("/junk")) {
                    req.response()
                        .putHeader("Content-Type", "text/html")
                        .end("<html><body>not an MCP server</body></html>");
                    return;
                  }
                  req.body()
                      .onSuccess(
                          body -> {
                            JsonObject message = body.toJsonObject();
                            String method = message.getString("method");
                            var response =
                                req.response().putHeader("Content-Type", "application/json");
                            if ("initialize".equals(method)) {
                              current[0] = "s" + ++generation[0];
                              response
                                  .putHeader("Mcp-Session-Id", current[0])
                                  .end(
                                      result(
                                              message,
                                              new JsonObject()
                                                  .put("protocolVersion", "2025-06-18")
                                                  .put(
                                                      "capabilities",
                                                      new JsonObject()
                                                          .put("tools", new JsonObject()))
                                                  .put(
                                                      "serverInfo",
                                                      new JsonObject()
                                                          .put("name", "fake")
                                                          .put("version", "1")))
                                          .encode());
                            } else if (!java.util.Objects.equals(
                                req.getHeader("Mcp-Session-Id"), current[0])) {
                              response.setStatusCode(404).end();
                            } else if (message.getValue("id") == null) {
                              response.setStatusCode(202).end();
                            } else {
                              JsonObject tool =
                                  new JsonObject()
                                      .put("name", "session-" + current[0])
                                      .put("inputSchema", new JsonObject().put("type", "object"));
                              response.end(
                                  result(
                                          message,
                                          new JsonObject().put("tools", new JsonArray().add(tool)))
                                      .encode());
                            }
                          });
                })
            .listen(0, "127.0.0.1")
            .await();
    String base = "http://127.0.0.1:" + server.actualPort();
    fixture.start(
        new JsonObject()
            .put("name", "fake")
            .put("url", base + "/mcp")
            .put("restart", new JsonObject().put("initialDelay", "100ms").put("maxDelay", "100ms")),
        new JsonObject().put("name", "junk").put("url", base + "/junk"));
    String session = fixture.session("fake");
    assertThat(toolName(session)).isEqualTo("session-s1");
    // the remote forgets the session: the next POST gets 404, the host initializes again and
    // replays the read (tools/list) on the new remote session
    current[0] = null;
    assertThat(toolName(session)).isEqualTo("session-s2");
    assertThat(status("fake").getJsonArray("lastEnded").getJsonObject(0).getString("reason"))
        .isEqualTo("the remote MCP server ended its session (HTTP 404): initialize again");
    assertThat(generation[0]).isEqualTo(2);

    HttpAnswer junk = post("junk");
    assertThat(junk.status).isEqualTo(502);
    JsonObject failed = status("junk").getJsonArray("lastEnded").getJsonObject(0);
    assertThat(failed.getString("state")).isEqualTo("failed");
    assertThat(failed.getString("reason"))
        .startsWith(
            "the remote MCP server answered with something that is not JSON-RPC (200, text/html):"
                + " <html>");
    assertThat(failed.getLong("garbageMessages")).isEqualTo(1);
  }

  private static JsonObject result(JsonObject request, JsonObject result) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", request.getValue("id"))
        .put("result", result);
  }

  private String toolName(String session) throws Exception {
    var answer =
        fixture.post(
            "/mcp/fake",
            session,
            new JsonObject().put("jsonrpc", "2.0").put("id", 7).put("method", "tools/list"),
            "Authorization",
            "Bearer " + McpFixture.TOKEN);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new JsonObject(answer.body())
        .getJsonObject("result")
        .getJsonArray("tools")
        .getJsonObject(0)
        .getString("name");
  }

  private record HttpAnswer(int status, String body) {}

  private HttpAnswer post(String server) throws Exception {
    var answer =
        fixture.post(
            "/mcp/" + server,
            null,
            McpFixture.initialize(1),
            "Authorization",
            "Bearer " + McpFixture.TOKEN);
    return new HttpAnswer(answer.statusCode(), answer.body());
  }

  @Test
  void badRemoteDefinitionsAreRefusedNamingTheField() {
    JsonObject both =
        new JsonObject()
            .put("name", "a")
            .put("command", new JsonArray().add("x"))
            .put("url", "http://h/mcp");
    assertThat(field(both)).isEqualTo("url");
    assertThat(field(new JsonObject().put("name", "a"))).isEqualTo("command");
    assertThat(field(new JsonObject().put("name", "a").put("url", "ftp://h/mcp"))).isEqualTo("url");
    assertThat(field(new JsonObject().put("name", "a").put("url", "http://u:p@h/mcp")))
        .isEqualTo("url");
    assertThat(
            field(
                new JsonObject()
                    .put("name", "a")
                    .put("command", new JsonArray().add("x"))
                    .put("headers", new JsonObject().put("X", "y"))))
        .isEqualTo("headers");
    assertThat(
            field(
                new JsonObject()
                    .put("name", "a")
                    .put("url", "http://h/mcp")
                    .put("env", new JsonObject().put("X", "y"))))
        .isEqualTo("env");
    assertThat(
            field(
                new JsonObject()
                    .put("name", "a")
                    .put("url", "http://h/mcp")
                    .put("headers", new JsonObject().put("Mcp-Session-Id", "y"))))
        .isEqualTo("headers.Mcp-Session-Id");
    assertThat(
            field(
                new JsonObject()
                    .put("name", "a")
                    .put("url", "http://h/mcp")
                    .put("headers", new JsonObject().put("X-Key", "a\r\nInjected: 1"))))
        .isEqualTo("headers.X-Key");
    // the restart policy's figures
    JsonObject stdio = new JsonObject().put("name", "a").put("command", new JsonArray().add("x"));
    assertThat(field(stdio.copy().put("restart", "sometimes"))).isEqualTo("restart");
    assertThat(field(stdio.copy().put("restart", new JsonObject().put("limit", 0))))
        .isEqualTo("restart.limit");
    assertThat(
            field(
                stdio
                    .copy()
                    .put(
                        "restart",
                        new JsonObject().put("initialDelay", "2s").put("maxDelay", "1s"))))
        .isEqualTo("restart.maxDelay");
    assertThat(field(stdio.copy().put("restart", new JsonObject().put("tries", 3))))
        .isEqualTo("restart.tries");
    assertThat(field(stdio.copy().put("restart", new JsonObject().put("window", "forever"))))
        .isEqualTo("restart.window");
    McpServerDefinition.RestartPolicy defaults = McpServerDefinition.parse(stdio).restart();
    assertThat(defaults).isEqualTo(McpServerDefinition.RestartPolicy.DEFAULT);
    assertThat(defaults.toJson().encode())
        .isEqualTo(
            "{\"policy\":\"on-failure\",\"initialDelay\":\"500ms\",\"maxDelay\":\"30s\","
                + "\"resetAfter\":\"1m\",\"limit\":5,\"window\":\"5m\"}");

    // the config file names the entry
    assertThatThrownBy(
            () ->
                McpServerDefinition.declared(
                    new JsonArray().add(stdio).add(both.copy().put("name", "b"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("mcp.servers[1].url in the config file: a definition has either");

    // and the API (the bus command the gateway sends) answers 400 naming it
    fixture = new McpFixture().start();
    assertThatThrownBy(
            () ->
                fixture.ask(
                    Addresses.MCP_SERVERS_CREATE,
                    new JsonObject()
                        .put(
                            "definition",
                            new JsonObject().put("name", "r").put("url", "gopher://h/"))))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.field()).isEqualTo("url");
            });
  }

  private static String field(JsonObject json) {
    try {
      McpServerDefinition.parse(json);
      return null;
    } catch (ApiException e) {
      return e.field();
    }
  }

  /**
   * The same stdio server that exits 200 ms after every initialize, under two policies at once:
   * waits of 2 s doubling (at least 1 s, then 2 s: half of each ceiling) against 100 ms; both give
   * up after their {@code limit} of 3 exits, after 2 restarts.
   */
  @Test
  void theRestartPolicysFiguresAreHonoured() throws Exception {
    JsonObject slow =
        probe("slow")
            .put(
                "restart",
                new JsonObject().put("initialDelay", "2s").put("maxDelay", "4s").put("limit", 3));
    JsonObject fast =
        probe("fast")
            .put(
                "restart",
                new JsonObject()
                    .put("initialDelay", "100ms")
                    .put("maxDelay", "100ms")
                    .put("limit", 3));
    fixture = new McpFixture().start(slow, fast);
    long began = System.nanoTime();
    CompletableFuture<Long> slowTook = CompletableFuture.supplyAsync(() -> loop("slow", began));
    CompletableFuture<Long> fastTook = CompletableFuture.supplyAsync(() -> loop("fast", began));
    long slowMs = slowTook.get(60, TimeUnit.SECONDS);
    long fastMs = fastTook.get(60, TimeUnit.SECONDS);
    assertThat(slowMs).isGreaterThanOrEqualTo(3000);
    assertThat(fastMs).isLessThan(slowMs - 2000);
    for (String server : List.of("slow", "fast")) {
      assertThat(
              Telemetry.registry()
                  .find(Telemetry.PREFIX + "mcp.instances.restarted")
                  .tag("server", server)
                  .counter()
                  .count())
          .isEqualTo(2);
    }
  }

  /** Opens a session on {@code server}, then waits for its restarts to be given up on. */
  private long loop(String server, long began) {
    try {
      fixture.session(server);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    Eventually.within(Duration.ofSeconds(40))
        .untilAsserted(
            () -> {
              JsonObject status = status(server);
              assertThat(status.getJsonArray("instances")).isEmpty();
              assertThat(status.getJsonArray("lastEnded").getJsonObject(0).getString("reason"))
                  .isEqualTo("exited with code 1; gave up restarting after 3 exits within 5m");
            });
    return Duration.ofNanos(System.nanoTime() - began).toMillis();
  }

  private static JsonObject probe(String name) {
    return new JsonObject()
        .put("name", name)
        .put("command", new JsonArray().add("node").add(PROBE.toString()).add("crash"));
  }
}
