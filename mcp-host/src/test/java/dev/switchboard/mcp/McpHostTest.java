package dev.switchboard.mcp;

import static dev.switchboard.mcp.McpFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.Eventually;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The host with the real npm server-everything as a stdio server, and the official MCP Java SDK
 * (and raw HTTP) as clients over Streamable HTTP.
 */
class McpHostTest {

  private McpFixture fixture;
  private final List<McpSyncClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() {
    clients.forEach(McpSyncClient::close);
    if (fixture != null) {
      fixture.close();
    }
  }

  private McpSyncClient client(String server, String project) {
    McpSyncClient client = fixture.client(server, project, null);
    clients.add(client);
    return client;
  }

  private static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  private JsonObject status(String server) {
    return fixture.ask(Addresses.MCP_SERVERS_GET, new JsonObject().put("name", server));
  }

  @Test
  void theSdkInitializesListsAndCallsToolsWithProgress() {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
    McpSyncClient client = fixture.client("everything", null, progress::add);
    clients.add(client);

    assertThat(client.getServerInfo().name()).isEqualTo("example-servers/everything");
    assertThat(client.listTools().tools())
        .extracting(McpSchema.Tool::name)
        .contains("echo", "add", "longRunningOperation");
    assertThat(
            text(
                client.callTool(
                    new McpSchema.CallToolRequest("echo", Map.of("message", "over the host")))))
        .isEqualTo("Echo: over the host");
    assertThat(text(client.callTool(new McpSchema.CallToolRequest("add", Map.of("a", 2, "b", 3)))))
        .contains("The sum of 2 and 3 is 5");

    McpSchema.CallToolResult done =
        client.callTool(
            McpSchema.CallToolRequest.builder()
                .name("longRunningOperation")
                .arguments(Map.of("duration", 1, "steps", 4))
                .progressToken("my-token")
                .build());
    assertThat(text(done)).contains("Long running operation completed");
    // the server saw the host's token; the client gets its own back, each step once (the SDK hands
    // notifications to its consumer on a thread of its own: the last may come just after the
    // result)
    Eventually.within(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(progress).hasSize(4));
    assertThat(progress).allSatisfy(p -> assertThat(p.progressToken()).isEqualTo("my-token"));
    assertThat(progress)
        .extracting(McpSchema.ProgressNotification::progress)
        .containsExactly(1.0, 2.0, 3.0, 4.0);
  }

  @Test
  void twoProjectsGetTwoInstancesAndOneProjectShares() {
    fixture = new McpFixture().start(McpFixture.everything("pp", "per-project"));
    McpSyncClient a1 = client("pp", "alpha");
    McpSyncClient b = client("pp", "beta");
    McpSyncClient a2 = client("pp", "alpha");
    for (McpSyncClient client : List.of(a1, b, a2)) {
      assertThat(
              text(client.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "x")))))
          .isEqualTo("Echo: x");
    }
    JsonArray instances = status("pp").getJsonArray("instances");
    assertThat(instances).hasSize(2);
    List<String> projects = new ArrayList<>();
    List<Long> pids = new ArrayList<>();
    for (int i = 0; i < instances.size(); i++) {
      projects.add(instances.getJsonObject(i).getString("project"));
      pids.add(instances.getJsonObject(i).getLong("pid"));
      long sessions = instances.getJsonObject(i).getLong("sessions");
      assertThat(sessions).isEqualTo("alpha".equals(projects.get(i)) ? 2 : 1);
    }
    assertThat(projects).containsExactlyInAnyOrder("alpha", "beta");
    assertThat(pids).doesNotHaveDuplicates();
  }

  @Test
  void aPerProjectServerNeedsAProject() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("pp", "per-project"));
    HttpResponse<String> answer =
        fixture.post("/mcp/pp", null, McpFixture.initialize(1), "Authorization", "Bearer " + TOKEN);
    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.body()).contains("project");
    HttpResponse<String> header =
        fixture.post(
            "/mcp/pp",
            null,
            McpFixture.initialize(1),
            "Authorization",
            "Bearer " + TOKEN,
            StreamableHttp.PROJECT,
            "gamma");
    assertThat(header.statusCode()).isEqualTo(200);
    assertThat(status("pp").getJsonArray("instances").getJsonObject(0).getString("project"))
        .isEqualTo("gamma");
  }

  @Test
  void anIdleInstanceStops() throws Exception {
    fixture =
        new McpFixture().start(McpFixture.everything("idle", "shared").put("idleTimeout", "1s"));
    McpSyncClient client = fixture.client("idle", null, null);
    client.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "x")));
    assertThat(status("idle").getJsonArray("instances")).hasSize(1);
    long pid = status("idle").getJsonArray("instances").getJsonObject(0).getLong("pid");
    client.closeGracefully();
    Eventually.within(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              JsonObject now = status("idle");
              assertThat(now.getJsonArray("instances")).isEmpty();
              assertThat(now.getJsonArray("lastEnded").getJsonObject(0).getString("reason"))
                  .isEqualTo("idle for 1s");
            });
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .isFalse());
  }

  @Test
  void clientsStillArrivingKeepAnIdleInstanceRunning() throws Exception {
    fixture =
        new McpFixture()
            .start(McpFixture.everything("arriving", "shared").put("idleTimeout", "1s"));
    long pid = 0;
    // a new session every 300 ms for 4 s: each initialize is a message to the instance's key, so
    // the
    // 1 s idle timeout never passes (the bench's idle step opens sessions this way)
    for (int i = 0; i < 14; i++) {
      HttpResponse<String> init =
          fixture.post(
              "/mcp/arriving", null, McpFixture.initialize(1), "Authorization", "Bearer " + TOKEN);
      assertThat(init.statusCode()).isEqualTo(200);
      JsonArray instances = status("arriving").getJsonArray("instances");
      assertThat(instances).hasSize(1);
      long now = instances.getJsonObject(0).getLong("pid");
      assertThat(pid == 0 || now == pid)
          .as("the instance of session %d is the first one", i)
          .isTrue();
      pid = now;
      Thread.sleep(300);
    }
    assertThat(status("arriving").getJsonArray("lastEnded")).isEmpty();
  }

  @Test
  void aHundredConcurrentSessionsGetOnlyTheirOwnAnswers() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("many", "shared"));
    int count = 100;
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      HttpResponse<String> init =
          fixture.post(
              "/mcp/many", null, McpFixture.initialize(1), "Authorization", "Bearer " + TOKEN);
      assertThat(init.statusCode()).isEqualTo(200);
      sessions.add(init.headers().firstValue(StreamableHttp.SESSION).orElseThrow());
    }
    ExecutorService pool = Executors.newFixedThreadPool(count);
    try {
      List<Future<List<JsonObject>>> answers = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String session = sessions.get(i);
        int n = i;
        answers.add(
            pool.submit(
                () -> {
                  List<JsonObject> got = new ArrayList<>();
                  // every session uses the same ids: the host must keep them apart
                  for (int id = 1; id <= 5; id++) {
                    HttpResponse<String> answer =
                        fixture.post(
                            "/mcp/many",
                            session,
                            McpFixture.call(
                                id, "echo", new JsonObject().put("message", "s" + n + "-" + id)),
                            "Authorization",
                            "Bearer " + TOKEN);
                    got.add(new JsonObject(answer.body()));
                  }
                  return got;
                }));
      }
      for (int i = 0; i < count; i++) {
        List<JsonObject> got = answers.get(i).get();
        for (int id = 1; id <= 5; id++) {
          JsonObject answer = got.get(id - 1);
          assertThat(answer.getValue("id")).isEqualTo(id);
          assertThat(
                  answer
                      .getJsonObject("result")
                      .getJsonArray("content")
                      .getJsonObject(0)
                      .getString("text"))
              .isEqualTo("Echo: s" + i + "-" + id);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    JsonArray instances = status("many").getJsonArray("instances");
    assertThat(instances).hasSize(1);
    assertThat(instances.getJsonObject(0).getLong("sessions")).isEqualTo(count);
  }

  @Test
  void aServerThatNeverInitializesFailsWithTheReasonAndOthersGoOn() throws Exception {
    fixture =
        new McpFixture()
            .start(
                new JsonObject()
                    .put("name", "mute")
                    .put("command", new JsonArray().add("sleep").add("60"))
                    .put("startTimeout", "1s"),
                new JsonObject()
                    .put("name", "quits")
                    .put(
                        "command",
                        new JsonArray().add("sh").add("-c").add("echo not json; exit 3")),
                new JsonObject()
                    .put("name", "missing")
                    .put("command", new JsonArray().add("/nonexistent/mcp-server")),
                McpFixture.everything("fine", "shared"));
    HttpResponse<String> mute =
        fixture.post(
            "/mcp/mute", null, McpFixture.initialize(7), "Authorization", "Bearer " + TOKEN);
    assertThat(mute.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(mute.body()).getJsonObject("error").getString("message"))
        .contains("did not answer initialize within 1s");
    JsonObject ended = status("mute").getJsonArray("lastEnded").getJsonObject(0);
    assertThat(ended.getString("state")).isEqualTo("failed");
    assertThat(ended.getString("reason")).isEqualTo("did not answer initialize within 1s");
    long pid = ended.getLong("pid");
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .isFalse());

    HttpResponse<String> quits =
        fixture.post(
            "/mcp/quits", null, McpFixture.initialize(8), "Authorization", "Bearer " + TOKEN);
    assertThat(quits.statusCode()).isEqualTo(502);
    assertThat(quits.body()).contains("exited with code 3 before answering initialize");
    assertThat(
            status("quits")
                .getJsonArray("lastEnded")
                .getJsonObject(0)
                .getLong("stdoutGarbageLines"))
        .isEqualTo(1);

    HttpResponse<String> missing =
        fixture.post(
            "/mcp/missing", null, McpFixture.initialize(9), "Authorization", "Bearer " + TOKEN);
    assertThat(missing.statusCode()).isEqualTo(502);
    assertThat(missing.body()).contains("cannot start /nonexistent/mcp-server");
    assertThat(fixture.ask(Addresses.MCP_SERVERS_LIST, new JsonObject()).encode())
        .as("no instance counted for a process that never started")
        .doesNotContain("\"state\":\"starting\"");

    McpSyncClient fine = client("fine", null);
    assertThat(text(fine.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "ok")))))
        .isEqualTo("Echo: ok");
  }

  @Test
  void garbageOnStdoutIsCountedNotFatal() {
    JsonObject noisy =
        new JsonObject()
            .put("name", "noisy")
            .put(
                "command",
                new JsonArray()
                    .add("sh")
                    .add("-c")
                    .add("echo 'starting up...'; exec node " + McpFixture.EVERYTHING + " stdio"));
    fixture = new McpFixture().start(noisy);
    McpSyncClient client = client("noisy", null);
    assertThat(text(client.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "x")))))
        .isEqualTo("Echo: x");
    assertThat(
            status("noisy")
                .getJsonArray("instances")
                .getJsonObject(0)
                .getLong("stdoutGarbageLines"))
        .isEqualTo(1);
  }

  @Test
  void credentialAndOriginAreChecked() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    assertThat(fixture.post("/mcp/everything", null, McpFixture.initialize(1)).statusCode())
        .isEqualTo(401);
    assertThat(
            fixture
                .post(
                    "/mcp/everything",
                    null,
                    McpFixture.initialize(1),
                    "Authorization",
                    "Bearer " + TOKEN,
                    "Origin",
                    "http://evil.example")
                .statusCode())
        .isEqualTo(403);
    assertThat(
            fixture
                .post(
                    "/mcp/everything",
                    null,
                    McpFixture.initialize(1),
                    "Authorization",
                    "Bearer " + TOKEN,
                    "Origin",
                    "http://127.0.0.1:3006")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            fixture
                .post(
                    "/mcp/everything",
                    "no-such-session",
                    McpFixture.call(2, "echo", new JsonObject()),
                    "Authorization",
                    "Bearer " + TOKEN)
                .statusCode())
        .isEqualTo(404);
    assertThat(
            fixture
                .post(
                    "/mcp/nobody",
                    null,
                    McpFixture.initialize(1),
                    "Authorization",
                    "Bearer " + TOKEN)
                .statusCode())
        .isEqualTo(404);
  }

  @Test
  void aDeletedSessionIsGone() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    HttpResponse<String> init =
        fixture.post(
            "/mcp/everything", null, McpFixture.initialize(1), "Authorization", "Bearer " + TOKEN);
    String session = init.headers().firstValue(StreamableHttp.SESSION).orElseThrow();
    java.net.http.HttpRequest delete =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + fixture.port + "/mcp/everything"))
            .header("Authorization", "Bearer " + TOKEN)
            .header(StreamableHttp.SESSION, session)
            .DELETE()
            .build();
    assertThat(McpFixture.HTTP.send(delete, HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(204);
    assertThat(
            fixture
                .post(
                    "/mcp/everything",
                    session,
                    McpFixture.call(2, "echo", new JsonObject().put("message", "x")),
                    "Authorization",
                    "Bearer " + TOKEN)
                .statusCode())
        .isEqualTo(404);
  }
}
