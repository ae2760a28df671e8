package dev.switchboard.mcp;

import static dev.switchboard.mcp.McpFixture.OPERATOR_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.common.testing.Eventually;
import io.micrometer.core.instrument.Counter;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The call audit with the real npm server-everything and PostgreSQL: every {@code tools/call}, over
 * Streamable HTTP (the official Java SDK and raw HTTP) and over the hub's {@code mcp.socket.*}
 * commands, is recorded with its caller, tool, outcome and duration, arguments only where the
 * definition allows them; {@code mcp.calls.list} filters and pages; retention deletes; a database
 * that is away never holds a call up, and what does not fit is dropped and counted.
 */
class CallAuditTest {

  private McpFixture fixture;
  private final List<McpSyncClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() {
    clients.forEach(McpSyncClient::close);
    if (fixture != null) {
      fixture.close();
    }
  }

  private JsonObject calls(JsonObject filters) {
    return fixture.ask(Addresses.MCP_CALLS_LIST, filters);
  }

  /** The calls recorded so far, newest first, once {@code count} are there. */
  private JsonArray recorded(JsonObject filters, int count) {
    return Eventually.within(Duration.ofSeconds(10))
        .alias(count + " calls recorded for " + filters.encode())
        .until(() -> calls(filters).getJsonArray("calls"), all -> all.size() >= count);
  }

  @Test
  void callsOverHttpAndTheHubAreRecordedWithCallerToolOutcomeAndDuration() throws Exception {
    JsonObject narrow =
        McpFixture.everything("narrow", "per-project")
            .put("allowedTools", new JsonArray().add("echo").add("add"));
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"), narrow);

    McpSyncClient sdk = fixture.client("everything", null, null);
    clients.add(sdk);
    sdk.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "secret-argument")));
    sdk.callTool(new McpSchema.CallToolRequest("add", Map.of("a", 2, "b", 3)));

    // raw HTTP as the operator: a refused tool, and one the server does not have
    String session = operatorSession("narrow", "alpha");
    HttpResponse<String> refused =
        fixture.post(
            "/mcp/narrow?project=alpha",
            session,
            McpFixture.call(7, "printEnv", new JsonObject()),
            "Authorization",
            "Bearer " + OPERATOR_TOKEN);
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getInteger("code"))
        .isEqualTo(-32602);
    HttpResponse<String> unknown =
        fixture.post(
            "/mcp/everything",
            operatorSession("everything", null),
            McpFixture.call(8, "no-such-tool", new JsonObject()),
            "Authorization",
            "Bearer " + OPERATOR_TOKEN);
    JsonObject unknownAnswer = new JsonObject(unknown.body());

    // the hub's mcp:request path, with the caller the hub knows of the socket
    JsonObject viaHub =
        fixture.ask(
            Addresses.MCP_SOCKET_REQUEST,
            new JsonObject()
                .put("holder", "socket-1")
                .put("server", "narrow")
                .put("project", "beta")
                .put("caller", new JsonObject().put("name", "ci deploys").put("role", "operator"))
                .put("message", McpFixture.call(1, "echo", new JsonObject().put("message", "x"))));
    assertThat(viaHub.getJsonObject("response").containsKey("result")).isTrue();

    JsonArray all = recorded(new JsonObject(), 5);
    assertThat(all).hasSize(5);
    JsonObject hub = all.getJsonObject(0);
    assertThat(hub.getString("caller")).isEqualTo("ci deploys");
    assertThat(hub.getString("role")).isEqualTo("operator");
    assertThat(hub.getString("via")).isEqualTo("socket");
    assertThat(hub.getString("server")).isEqualTo("narrow");
    assertThat(hub.getString("project")).isEqualTo("beta");
    assertThat(hub.getString("tool")).isEqualTo("echo");
    assertThat(hub.getString("outcome")).isEqualTo("ok");

    JsonObject missing = all.getJsonObject(1);
    assertThat(missing.getString("tool")).isEqualTo("no-such-tool");
    assertThat(missing.getString("caller")).isEqualTo("operator");
    if (unknownAnswer.containsKey("error")) {
      assertThat(missing.getString("outcome")).isEqualTo("error");
      assertThat(missing.getInteger("errorCode"))
          .isEqualTo(unknownAnswer.getJsonObject("error").getInteger("code"));
    } else {
      assertThat(unknownAnswer.getJsonObject("result").getBoolean("isError")).isTrue();
      assertThat(missing.getString("outcome")).isEqualTo("tool_error");
      assertThat(missing.getValue("errorCode")).isNull();
    }

    JsonObject refusal = all.getJsonObject(2);
    assertThat(refusal.getString("tool")).isEqualTo("printEnv");
    assertThat(refusal.getString("outcome")).isEqualTo("refused");
    assertThat(refusal.getInteger("errorCode")).isEqualTo(-32602);
    assertThat(refusal.getString("caller")).isEqualTo("operator");
    assertThat(refusal.getString("project")).isEqualTo("alpha");

    JsonObject add = all.getJsonObject(3);
    JsonObject echo = all.getJsonObject(4);
    assertThat(add.getString("tool")).isEqualTo("add");
    assertThat(echo.getString("tool")).isEqualTo("echo");
    for (JsonObject call : List.of(add, echo)) {
      assertThat(call.getString("caller")).isEqualTo("admin");
      assertThat(call.getString("role")).isEqualTo("admin");
      assertThat(call.getString("via")).isEqualTo("http");
      assertThat(call.getString("server")).isEqualTo("everything");
      assertThat(call.getString("project")).isEmpty();
      assertThat(call.getString("outcome")).isEqualTo("ok");
      assertThat(call.getValue("errorCode")).isNull();
      assertThat(call.getDouble("durationMs")).isPositive().isLessThan(30_000.0);
      assertThat(Instant.parse(call.getString("startedAt")))
          .isBetween(Instant.now().minusSeconds(120), Instant.now());
    }
    // no definition here allows arguments: none is kept, and never a token
    assertThat(all.encode())
        .doesNotContain("secret-argument")
        .doesNotContain("arguments")
        .doesNotContain(McpFixture.TOKEN)
        .doesNotContain(OPERATOR_TOKEN);
  }

  @Test
  void theCallerIsTheRequestsEvenWhenAnotherCredentialUsesTheSessionMeanwhile() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    String session = fixture.session("everything");
    java.util.concurrent.CompletableFuture<HttpResponse<String>> slow =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return fixture.post(
                    "/mcp/everything",
                    session,
                    McpFixture.call(
                        1,
                        "longRunningOperation",
                        new JsonObject().put("duration", 2).put("steps", 2)),
                    "Authorization",
                    "Bearer " + OPERATOR_TOKEN);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    // the admin's call on the same session, while the operator's is in flight
    Thread.sleep(500);
    HttpResponse<String> quick =
        fixture.post(
            "/mcp/everything",
            session,
            McpFixture.call(2, "echo", new JsonObject().put("message", "meanwhile")),
            "Authorization",
            "Bearer " + McpFixture.TOKEN);
    assertThat(quick.statusCode()).isEqualTo(200);
    assertThat(slow.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);

    JsonArray all = recorded(new JsonObject(), 2);
    assertThat(all.getJsonObject(0).getString("tool")).isEqualTo("longRunningOperation");
    assertThat(all.getJsonObject(0).getString("caller")).isEqualTo("operator");
    assertThat(all.getJsonObject(1).getString("tool")).isEqualTo("echo");
    assertThat(all.getJsonObject(1).getString("caller")).isEqualTo("admin");
  }

  @Test
  void argumentsAreKeptOnlyWhereTheDefinitionSaysAuditArgumentsAndCutWhenLong() {
    fixture =
        new McpFixture()
            .start(
                McpFixture.everything("kept", "shared").put("auditArguments", true),
                McpFixture.everything("quiet", "shared"));
    McpSyncClient kept = fixture.client("kept", null, null);
    McpSyncClient quiet = fixture.client("quiet", null, null);
    clients.add(kept);
    clients.add(quiet);
    kept.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "keep me")));
    String longText = "y".repeat(CallAudit.MAX_ARGUMENTS + 100);
    kept.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", longText)));
    quiet.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "never kept")));

    JsonArray all = recorded(new JsonObject(), 3);
    assertThat(all.getJsonObject(0).getString("server")).isEqualTo("quiet");
    assertThat(all.getJsonObject(0).containsKey("arguments")).isFalse();
    JsonObject cut = all.getJsonObject(1).getJsonObject("arguments");
    assertThat(cut.getBoolean("truncated")).isTrue();
    assertThat(cut.getInteger("length")).isGreaterThan(CallAudit.MAX_ARGUMENTS);
    assertThat(cut.getString("prefix")).hasSize(CallAudit.MAX_ARGUMENTS).startsWith("{\"message\"");
    assertThat(all.getJsonObject(2).getJsonObject("arguments"))
        .isEqualTo(new JsonObject().put("message", "keep me"));
    assertThat(all.encode()).doesNotContain("never kept");
  }

  @Test
  void theListFiltersPagesNewestFirstAndNamesABadFilter() {
    fixture =
        new McpFixture()
            .start(McpFixture.everything("one", "shared"), McpFixture.everything("two", "shared"));
    McpSyncClient one = fixture.client("one", null, null);
    McpSyncClient two = fixture.client("two", null, null);
    clients.add(one);
    clients.add(two);
    for (int i = 0; i < 3; i++) {
      one.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "m" + i)));
    }
    two.callTool(new McpSchema.CallToolRequest("add", Map.of("a", 1, "b", 1)));
    recorded(new JsonObject(), 4);

    assertThat(calls(new JsonObject().put("server", "one")).getJsonArray("calls")).hasSize(3);
    assertThat(calls(new JsonObject().put("tool", "add")).getJsonArray("calls"))
        .singleElement()
        .satisfies(call -> assertThat(((JsonObject) call).getString("server")).isEqualTo("two"));
    assertThat(calls(new JsonObject().put("outcome", "refused")).getJsonArray("calls")).isEmpty();
    assertThat(calls(new JsonObject().put("caller", "admin")).getJsonArray("calls")).hasSize(4);
    assertThat(
            calls(new JsonObject().put("since", Instant.now().plusSeconds(60).toString()))
                .getJsonArray("calls"))
        .isEmpty();
    assertThat(
            calls(new JsonObject().put("until", Instant.now().plusSeconds(60).toString()))
                .getJsonArray("calls"))
        .hasSize(4);

    // pages of 3, newest first, by the keyset cursor
    JsonObject first = calls(new JsonObject().put("limit", "3"));
    JsonArray page = first.getJsonArray("calls");
    assertThat(page).hasSize(3);
    assertThat(page.getJsonObject(0).getString("tool")).isEqualTo("add");
    assertThat(page.getJsonObject(0).getLong("id"))
        .isGreaterThan(page.getJsonObject(1).getLong("id"));
    long next = first.getLong("next");
    JsonObject second =
        calls(new JsonObject().put("limit", "3").put("before", String.valueOf(next)));
    assertThat(second.getJsonArray("calls")).hasSize(1);
    assertThat(second.getJsonArray("calls").getJsonObject(0).getLong("id")).isLessThan(next);
    assertThat(second.getValue("next")).isNull();

    for (String[] bad :
        new String[][] {
          {"limit", "0"},
          {"limit", "501"},
          {"limit", "many"},
          {"before", "-1"},
          {"outcome", "fine"},
          {"since", "yesterday"},
          {"until", "2020-13-01T00:00:00Z"}
        }) {
      assertThatThrownBy(() -> calls(new JsonObject().put(bad[0], bad[1])))
          .as(bad[0] + "=" + bad[1])
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.field()).isEqualTo(bad[0]);
              });
    }
  }

  @Test
  void retentionDeletesOldRowsAndRowsBeyondTheCap() {
    fixture = new McpFixture();
    Pool pool = Database.pool(fixture.vertx, fixture.databaseUrl, 2, "calls-test");
    CallStore store =
        new CallStore(
            fixture.vertx,
            pool,
            new DatabaseStatus(pool, Clock.systemUTC()),
            Clock.systemUTC(),
            Duration.ofDays(30),
            3,
            CallStore.CAPACITY);
    Instant now = Instant.now();
    onContext(
        () -> {
          store.record(call("old", now.minus(Duration.ofDays(31))));
          store.record(call("older", now.minus(Duration.ofDays(40))));
          for (int i = 0; i < 5; i++) {
            store.record(call("new" + i, now.minusSeconds(10 - i)));
          }
          return store.flush();
        });
    assertThat(onContext(() -> store.list(query())).getJsonArray("calls")).hasSize(7);

    assertThat(onContext(store::prune)).isEqualTo(4); // two too old, then two beyond 3 rows
    JsonArray left = onContext(() -> store.list(query())).getJsonArray("calls");
    assertThat(left.stream().map(c -> ((JsonObject) c).getString("tool")))
        .containsExactly("new4", "new3", "new2");
    assertThat(onContext(store::prune)).isZero();
  }

  @Test
  void aDatabaseThatIsAwayNeverHoldsACallUpAndWhatDoesNotFitIsDroppedAndCounted() throws Exception {
    fixture = new McpFixture();
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Pool pool =
        Database.pool(
            fixture.vertx, "postgresql://nobody@127.0.0.1:" + closedPort + "/none", 1, "away");
    CallStore store =
        new CallStore(
            fixture.vertx,
            pool,
            new DatabaseStatus(pool, Clock.systemUTC()),
            Clock.systemUTC(),
            Duration.ofDays(30),
            100,
            5);
    Counter dropped =
        Telemetry.registry().find(Telemetry.exported(CallStore.DROPPED_METER)).counter();
    assertThat(dropped).isNotNull();
    double before = dropped.count();
    onContext(
        () -> {
          store.start();
          return io.vertx.core.Future.succeededFuture();
        });
    long started = System.nanoTime();
    onContext(
        () -> {
          for (int i = 0; i < 12; i++) {
            store.record(call("t" + i, Instant.now()));
          }
          return io.vertx.core.Future.succeededFuture();
        });
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    assertThat(dropped.count() - before).isEqualTo(7.0);
    // a reader is not held up either: the flush ends while the database is away
    Eventually.within(Duration.ofSeconds(5))
        .alias("the insert failed and the list fails fast")
        .until(
            () -> {
              try {
                onContext(() -> store.list(query()));
                return false;
              } catch (Exception e) {
                return true;
              }
            },
            failed -> failed);
    onContext(store::stop);
  }

  private io.vertx.core.Context context;

  private <T> T onContext(java.util.function.Supplier<io.vertx.core.Future<T>> action) {
    if (context == null) {
      context = fixture.vertx.getOrCreateContext();
    }
    io.vertx.core.Promise<T> done = io.vertx.core.Promise.promise();
    context.runOnContext(v -> action.get().onComplete(done));
    return done.future().await();
  }

  private static CallStore.Query query() {
    return CallStore.Query.parse(new JsonObject());
  }

  private static CallStore.Call call(String tool, Instant at) {
    return new CallStore.Call(
        at, Duration.ofMillis(3), "admin", "admin", "http", "s", "", tool, "ok", null, null);
  }

  private String operatorSession(String server, String project) throws Exception {
    HttpResponse<String> init =
        fixture.post(
            "/mcp/" + server + (project == null ? "" : "?project=" + project),
            null,
            McpFixture.initialize(1),
            "Authorization",
            "Bearer " + OPERATOR_TOKEN);
    assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
    return init.headers().firstValue(StreamableHttp.SESSION).orElseThrow();
  }
}
