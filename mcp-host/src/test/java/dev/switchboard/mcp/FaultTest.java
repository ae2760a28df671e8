package dev.switchboard.mcp;

import static dev.switchboard.mcp.McpFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.common.testing.Eventually;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Faults and policies with real processes (the probe server, src/test/node/probe-server.mjs): a
 * {@code kill -9} mid-call answers a {@code tools/call} with the crash and replays a read on the
 * restarted instance (or the call too, for a definition whose tools are idempotent); a restart loop
 * backs off and gives up; the allow-list of tools; the tool meters and their bounded labels; the
 * roles that may call.
 */
class FaultTest {

  private static final Path PROBE = Path.of("src/test/node/probe-server.mjs").toAbsolutePath();
  private McpFixture fixture;

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static JsonObject probe(String name, String... args) {
    JsonArray command = new JsonArray().add("node").add(PROBE.toString());
    for (String arg : args) {
      command.add(arg);
    }
    return new JsonObject().put("name", name).put("command", command);
  }

  private JsonObject status(String server) {
    return fixture.ask(Addresses.MCP_SERVERS_GET, new JsonObject().put("name", server));
  }

  private CompletableFuture<JsonObject> postAsync(String server, String session, JsonObject msg) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return new JsonObject(
                fixture
                    .post("/mcp/" + server, session, msg, "Authorization", "Bearer " + TOKEN)
                    .body());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private JsonObject post(String server, String session, JsonObject msg) throws Exception {
    return postAsync(server, session, msg).get(30, TimeUnit.SECONDS);
  }

  private static JsonObject read(int id, String uri) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", id)
        .put("method", "resources/read")
        .put("params", new JsonObject().put("uri", uri));
  }

  private static long pidIn(String text) {
    return new JsonObject(text).getLong("pid");
  }

  /** Waits for {@code count} requests in flight on the server's instance; answers its pid. */
  private long inFlight(String server, int count) {
    long[] pid = new long[1];
    Eventually.within(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              JsonObject instance = status(server).getJsonArray("instances").getJsonObject(0);
              assertThat(instance.getInteger("inFlight")).isEqualTo(count);
              pid[0] = instance.getLong("pid");
            });
    return pid[0];
  }

  private static void kill(long pid) throws Exception {
    assertThat(new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor()).isZero();
  }

  private static double count(String server, String tool, String outcome) {
    Counter counter =
        Telemetry.registry()
            .find(Telemetry.PREFIX + "mcp.tool.calls")
            .tags("server", server, "tool", tool, "outcome", outcome)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aKillMidCallAnswersTheCallWithTheCrashAndReplaysTheReadOnTheRestartedInstance()
      throws Exception {
    fixture = new McpFixture().start(probe("crashy"));
    String session = fixture.session("crashy");
    CompletableFuture<JsonObject> call =
        postAsync("crashy", session, McpFixture.call(11, "hold", new JsonObject()));
    CompletableFuture<JsonObject> slowRead = postAsync("crashy", session, read(12, "slow:2000"));
    long pid = inFlight("crashy", 2);
    kill(pid);

    JsonObject crashed = call.get(15, TimeUnit.SECONDS);
    assertThat(crashed.getValue("id")).isEqualTo(11);
    assertThat(crashed.getJsonObject("error").getInteger("code")).isEqualTo(-32603);
    assertThat(crashed.getJsonObject("error").getString("message"))
        .isEqualTo("MCP server crashy exited with code 137 while this request was in flight");
    // the read is answered by the instance the host restarted (after its backoff)
    JsonObject replayed = slowRead.get(20, TimeUnit.SECONDS);
    assertThat(replayed.getValue("id")).isEqualTo(12);
    long replayedOn =
        pidIn(
            replayed
                .getJsonObject("result")
                .getJsonArray("contents")
                .getJsonObject(0)
                .getString("text"));
    assertThat(replayedOn).isNotEqualTo(pid);
    // and the next call works, on that instance
    JsonObject next = post("crashy", session, McpFixture.call(13, "echo", new JsonObject()));
    String text =
        next.getJsonObject("result").getJsonArray("content").getJsonObject(0).getString("text");
    assertThat(pidIn(text)).isEqualTo(replayedOn);
    assertThat(count("crashy", "hold", "crash")).isEqualTo(1);
    assertThat(count("crashy", "echo", "ok")).isEqualTo(1);
    assertThat(
            Telemetry.registry()
                .find(Telemetry.PREFIX + "mcp.instances.restarted")
                .tag("server", "crashy")
                .counter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void aCallOfIdempotentToolsIsReplayedToo() throws Exception {
    fixture = new McpFixture().start(probe("idem").put("idempotentTools", true));
    String session = fixture.session("idem");
    CompletableFuture<JsonObject> call =
        postAsync("idem", session, McpFixture.call(21, "echo", new JsonObject().put("ms", 2000)));
    long pid = inFlight("idem", 1);
    kill(pid);
    JsonObject answer = call.get(20, TimeUnit.SECONDS);
    String text =
        answer.getJsonObject("result").getJsonArray("content").getJsonObject(0).getString("text");
    assertThat(pidIn(text)).isNotEqualTo(pid);
    assertThat(count("idem", "echo", "ok")).isEqualTo(1);
  }

  @Test
  void aRestartLoopBacksOffThenGivesUp() throws Exception {
    // answers initialize, then exits with code 1 200 ms later, every time
    fixture = new McpFixture().start(probe("loop", "crash"));
    long began = System.nanoTime();
    fixture.session("loop");
    JsonObject[] ended = new JsonObject[1];
    Eventually.within(Duration.ofSeconds(40))
        .untilAsserted(
            () -> {
              JsonObject status = status("loop");
              assertThat(status.getJsonArray("instances")).isEmpty();
              ended[0] = status.getJsonArray("lastEnded").getJsonObject(0);
              assertThat(ended[0].getString("reason"))
                  .isEqualTo("exited with code 1; gave up restarting after 5 exits within 5m");
            });
    long took = Duration.ofNanos(System.nanoTime() - began).toMillis();
    // four restarts, after waits of at least 250, 500, 1000 and 2000 ms (half of 500ms·2^n)
    assertThat(took).isGreaterThanOrEqualTo(3750);
    assertThat(
            Telemetry.registry()
                .find(Telemetry.PREFIX + "mcp.instances.restarted")
                .tag("server", "loop")
                .counter()
                .count())
        .isEqualTo(4);
  }

  @Test
  void theAllowListFiltersToolsListAndRefusesOtherTools() throws Exception {
    fixture =
        new McpFixture()
            .start(probe("narrow").put("allowedTools", new JsonArray().add("echo").add("ask")));
    String session = fixture.session("narrow");
    JsonObject list =
        post(
            "narrow",
            session,
            new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "tools/list"));
    assertThat(
            list.getJsonObject("result").getJsonArray("tools").stream()
                .map(t -> ((JsonObject) t).getString("name"))
                .collect(Collectors.toList()))
        .containsExactly("ask", "echo");
    JsonObject refused = post("narrow", session, McpFixture.call(2, "hold", new JsonObject()));
    assertThat(refused.getJsonObject("error").getInteger("code")).isEqualTo(-32602);
    assertThat(refused.getJsonObject("error").getString("message"))
        .isEqualTo("the tool hold is not allowed on the MCP server narrow (its allowedTools)");
    assertThat(status("narrow").getJsonArray("instances").getJsonObject(0).getInteger("inFlight"))
        .isZero();
    JsonObject echoed = post("narrow", session, McpFixture.call(3, "echo", new JsonObject()));
    assertThat(echoed.getJsonObject("result")).isNotNull();
    assertThat(count("narrow", "hold", "refused")).isEqualTo(1);
    assertThat(count("narrow", "echo", "ok")).isEqualTo(1);
    assertThat(status("narrow").getJsonArray("allowedTools")).containsExactly("echo", "ask");
  }

  @Test
  void toolLabelsAreBoundedPerServer() throws Exception {
    fixture = new McpFixture().start(probe("many"));
    String session = fixture.session("many");
    for (int i = 0; i < HostMeters.TOOL_LABELS + 10; i++) {
      JsonObject answer = post("many", session, McpFixture.call(i, "t" + i, new JsonObject()));
      assertThat(answer.getJsonObject("error").getInteger("code")).isEqualTo(-32601);
    }
    var counters =
        Telemetry.registry()
            .find(Telemetry.PREFIX + "mcp.tool.calls")
            .tag("server", "many")
            .counters();
    assertThat(counters).hasSize(HostMeters.TOOL_LABELS + 1);
    assertThat(count("many", "other", "error")).isEqualTo(10);
    assertThat(
            Telemetry.registry()
                .find(Telemetry.PREFIX + "mcp.tool.duration")
                .tags("server", "many", "tool", "t0")
                .timer()
                .count())
        .isEqualTo(1);
  }

  @Test
  void callingNeedsTheOperatorOrAdminRole() throws Exception {
    fixture = new McpFixture().start(probe("roles"));
    HttpResponse<String> viewer =
        fixture.post(
            "/mcp/roles",
            null,
            McpFixture.initialize(1),
            "Authorization",
            "Bearer " + McpFixture.VIEWER_TOKEN);
    assertThat(viewer.statusCode()).isEqualTo(403);
    HttpResponse<String> operator =
        fixture.post(
            "/mcp/roles",
            null,
            McpFixture.initialize(1),
            "Authorization",
            "Bearer " + McpFixture.OPERATOR_TOKEN);
    assertThat(operator.statusCode()).isEqualTo(200);
  }
}
