package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.http.Problems;
import dev.switchboard.common.testing.Eventually;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.json.schema.OutputUnit;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/v1/services}, {@code /api/v1/deployments} and the seed's {@code /api/services}
 * aliases in front of the real supervisor, with real child processes and a real PostgreSQL; every
 * answer is checked against the OpenAPI contract.
 */
class ServicesApiTest {

  private static final String TOKEN = "test-admin-token-0123456789";
  private static final String SERVICES = "/api/v1/services";

  private SupervisedGateway gateway;
  private ContractClient api;

  @BeforeEach
  void deploy() throws IOException {
    gateway = SupervisedGateway.start(TOKEN);
    api = gateway.api;
  }

  @AfterEach
  void close() {
    gateway.close();
  }

  private static JsonObject sleeper(String name) {
    return new JsonObject()
        .put("name", name)
        .put("command", new JsonArray().add("sleep").add("300"))
        .put("restart", "no");
  }

  @Test
  void everyRouteDemandsTheToken() {
    List<Map.Entry<HttpMethod, String>> routes =
        List.of(
            Map.entry(HttpMethod.GET, SERVICES),
            Map.entry(HttpMethod.POST, SERVICES),
            Map.entry(HttpMethod.GET, SERVICES + "/status"),
            Map.entry(HttpMethod.POST, SERVICES + "/refresh"),
            Map.entry(HttpMethod.GET, SERVICES + "/a"),
            Map.entry(HttpMethod.PUT, SERVICES + "/a"),
            Map.entry(HttpMethod.DELETE, SERVICES + "/a"),
            Map.entry(HttpMethod.POST, SERVICES + "/a/start"),
            Map.entry(HttpMethod.POST, SERVICES + "/a/stop"),
            Map.entry(HttpMethod.POST, SERVICES + "/a/restart"),
            Map.entry(HttpMethod.GET, SERVICES + "/a/events"),
            Map.entry(HttpMethod.GET, SERVICES + "/a/logs"),
            Map.entry(HttpMethod.GET, SERVICES + "/a/logs?format=ndjson"),
            Map.entry(HttpMethod.GET, "/api/services/status"),
            Map.entry(HttpMethod.POST, "/api/services/a/start"),
            Map.entry(HttpMethod.POST, "/api/services/a/stop"),
            Map.entry(HttpMethod.GET, "/api/v1/deployments"),
            Map.entry(HttpMethod.POST, "/api/v1/deployments"),
            Map.entry(HttpMethod.GET, "/api/v1/deployments/1"),
            Map.entry(HttpMethod.GET, "/api/v1/deployments/1/logs"),
            Map.entry(HttpMethod.POST, "/api/v1/deployments/1/cancel"));
    for (var route : routes) {
      HttpResponse<Buffer> anonymous = api.call(route.getKey(), route.getValue(), null);
      assertThat(anonymous.statusCode()).as(route.toString()).isEqualTo(401);
      assertThat(anonymous.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
      api.validate(route.getKey(), route.getValue(), anonymous);
      assertThat(api.call(route.getKey(), route.getValue(), "not-the-token").statusCode())
          .as(route.toString())
          .isEqualTo(401);
    }
  }

  @Test
  void namesMayMixCaseAndAreUniqueIgnoringCase() {
    api.valid(HttpMethod.POST, SERVICES, sleeper("lmStudio"), 201);
    JsonObject taken =
        api.valid(HttpMethod.POST, SERVICES, sleeper("LMStudio"), 409).bodyAsJsonObject();
    assertThat(taken.getString("code")).isEqualTo("conflict");
    assertThat(taken.getString("detail")).contains("lmStudio").contains("ignoring case");
    assertThat(taken.getJsonArray("invalid-params").getJsonObject(0).getString("name"))
        .isEqualTo("name");

    JsonObject wrongCase =
        api.valid(HttpMethod.GET, SERVICES + "/lmstudio", 404).bodyAsJsonObject();
    assertThat(wrongCase.getString("detail")).contains("did you mean lmStudio?");
    JsonObject service = api.valid(HttpMethod.GET, SERVICES + "/lmStudio", 200).bodyAsJsonObject();
    assertThat(service.getString("name")).isEqualTo("lmStudio");
    assertThat(service.getString("state")).isEqualTo("stopped");
    assertThat(service.getString("status")).isEqualTo("Disconnected");

    JsonObject badName =
        api.valid(HttpMethod.POST, SERVICES, sleeper("lm_studio"), 400).bodyAsJsonObject();
    assertThat(badName.getJsonArray("invalid-params").getJsonObject(0).getString("name"))
        .isEqualTo("name");
  }

  @Test
  void aServiceIsCreatedStartedStoppedThroughTheApiAndTheAliasesAndDeleted() {
    HttpResponse<Buffer> created = api.valid(HttpMethod.POST, SERVICES, sleeper("sleeper"), 201);
    assertThat(created.getHeader("Location")).isEqualTo("/api/v1/services/sleeper");
    JsonObject service = created.bodyAsJsonObject();
    assertThat(service.getString("state")).isEqualTo("stopped");
    assertThat(service.getJsonArray("command")).containsExactly("sleep", "300");
    assertThat(service.getJsonObject("restart").getString("policy")).isEqualTo("no");
    assertThat(service.getString("source")).isEqualTo("api");

    JsonObject taken =
        api.valid(HttpMethod.POST, SERVICES, sleeper("sleeper"), 409).bodyAsJsonObject();
    assertThat(taken.getString("code")).isEqualTo("conflict");

    assertThat(
            api.valid(HttpMethod.GET, created.getHeader("Location"), 200)
                .bodyAsJsonObject()
                .getString("name"))
        .isEqualTo("sleeper");
    for (String path : new String[] {SERVICES, SERVICES + "/status", "/api/services/status"}) {
      JsonArray services =
          api.valid(HttpMethod.GET, path, 200).bodyAsJsonObject().getJsonArray("services");
      assertThat(services).as(path).hasSize(1);
      assertThat(services.getJsonObject(0).getString("name")).isEqualTo("sleeper");
    }

    JsonObject started =
        api.valid(HttpMethod.POST, SERVICES + "/sleeper/start", 200).bodyAsJsonObject();
    assertThat(started.getString("state")).isIn("starting", "running");
    long pid = started.getLong("pid");
    assertThat(started.getLong("pgid")).isEqualTo(pid);
    assertThat(alive(pid)).isTrue();
    // the first figures of a new process can be all zeros (a /proc snapshot taken before it was
    // spawned)
    JsonObject measured =
        await(
            "sleeper",
            s ->
                "running".equals(s.getString("state"))
                    && s.getJsonObject("stats") != null
                    && s.getJsonObject("stats").getValue("cpuPercent") != null
                    && s.getJsonObject("stats").getLong("rssBytes") > 0,
            "running and measured");
    assertThat(measured.getJsonObject("stats").getInteger("processes")).isEqualTo(1);
    JsonObject refreshed =
        api.valid(HttpMethod.POST, SERVICES + "/refresh", 200).bodyAsJsonObject();
    assertThat(refreshed.getJsonArray("services").getJsonObject(0).getString("state"))
        .isEqualTo("running");

    JsonObject stopped =
        api.valid(HttpMethod.POST, SERVICES + "/sleeper/stop", 200).bodyAsJsonObject();
    assertThat(stopped.getString("state")).isEqualTo("stopped");
    assertThat(stopped.containsKey("pid")).isFalse();
    assertThat(alive(pid)).isFalse();

    // the seed's routes
    JsonObject again =
        api.valid(HttpMethod.POST, "/api/services/sleeper/start", 200).bodyAsJsonObject();
    long second = again.getLong("pid");
    assertThat(second).isNotEqualTo(pid);
    assertThat(alive(second)).isTrue();
    JsonObject status = api.valid(HttpMethod.GET, "/api/services/status", 200).bodyAsJsonObject();
    assertThat(status.getJsonArray("services").getJsonObject(0).getLong("pid")).isEqualTo(second);
    JsonObject restarted =
        api.valid(HttpMethod.POST, SERVICES + "/sleeper/restart", 200).bodyAsJsonObject();
    assertThat(restarted.getLong("pid")).isNotEqualTo(second);
    assertThat(alive(second)).isFalse();
    assertThat(restarted.getInteger("restarts")).isEqualTo(1);
    long third = restarted.getLong("pid");
    assertThat(
            api.valid(HttpMethod.POST, "/api/services/sleeper/stop", 200)
                .bodyAsJsonObject()
                .getString("state"))
        .isEqualTo("stopped");
    assertThat(alive(third)).isFalse();

    // the supervisor records a transition without waiting for it, so the last one may take a moment
    // to show
    JsonArray events =
        poll(
                () ->
                    api.valid(HttpMethod.GET, SERVICES + "/sleeper/events?limit=3", 200)
                        .bodyAsJsonObject(),
                answer ->
                    "stopped"
                        .equals(answer.getJsonArray("events").getJsonObject(0).getString("state")),
                "the stop recorded")
            .getJsonArray("events");
    assertThat(events).hasSize(3);

    JsonObject redefined =
        api.valid(
                HttpMethod.PUT,
                SERVICES + "/sleeper",
                new JsonObject()
                    .put("command", new JsonArray().add("sleep").add("200"))
                    .put("env", new JsonObject().put("MODE", "test")),
                200)
            .bodyAsJsonObject();
    assertThat(redefined.getJsonArray("command")).containsExactly("sleep", "200");
    assertThat(
            api.valid(HttpMethod.GET, SERVICES + "/sleeper", 200)
                .bodyAsJsonObject()
                .getJsonObject("env")
                .getString("MODE"))
        .as("the admin reads the one service's env values")
        .isEqualTo("test");
    assertThat(redefined.getJsonObject("restart").getString("policy"))
        .as("a PUT replaces the whole definition")
        .isEqualTo("on-failure");

    JsonObject deleted =
        api.valid(HttpMethod.DELETE, SERVICES + "/sleeper", 200).bodyAsJsonObject();
    assertThat(deleted).isEqualTo(new JsonObject().put("name", "sleeper").put("state", "deleted"));
    api.valid(HttpMethod.GET, SERVICES + "/sleeper", 404);
    api.valid(HttpMethod.DELETE, SERVICES + "/sleeper", 404);
    assertThat(api.valid(HttpMethod.GET, SERVICES, 200).bodyAsJsonObject().getJsonArray("services"))
        .isEmpty();
  }

  @Test
  void aDeleteOfARunningServiceEndsItsProcess() {
    api.valid(HttpMethod.POST, SERVICES, sleeper("doomed"), 201);
    long pid =
        api.valid(HttpMethod.POST, SERVICES + "/doomed/start", 200)
            .bodyAsJsonObject()
            .getLong("pid");
    api.valid(HttpMethod.DELETE, SERVICES + "/doomed", 200);
    assertThat(alive(pid)).isFalse();
  }

  @Test
  void badInputIsA400NamingTheField() {
    assertThat(field(api.valid(HttpMethod.POST, SERVICES, "{\"name\": \"x\",", 400)))
        .isEqualTo("body");
    assertThat(field(api.valid(HttpMethod.POST, SERVICES, "[\"sleep\"]", 400))).isEqualTo("body");
    assertThat(field(api.valid(HttpMethod.POST, SERVICES, "\"sleep\"", 400))).isEqualTo("body");
    assertThat(field(api.valid(HttpMethod.POST, SERVICES, "", 400))).isEqualTo("body");
    assertThat(field(api.valid(HttpMethod.POST, SERVICES, new JsonObject().put("name", "x"), 400)))
        .isEqualTo("command");
    assertThat(field(api.valid(HttpMethod.POST, SERVICES, sleeper("Not A Name"), 400)))
        .isEqualTo("name");
    assertThat(field(api.valid(HttpMethod.POST, SERVICES, sleeper("x").put("colour", "red"), 400)))
        .isEqualTo("colour");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST, SERVICES, sleeper("x").put("restart", "sometimes"), 400)))
        // checked against the contract: neither a policy word nor a policy object
        .isEqualTo("restart");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    SERVICES,
                    sleeper("x").put("dependsOn", new JsonArray().add("ghost")),
                    400)))
        .isEqualTo("dependsOn");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    SERVICES,
                    "{\"name\": \"big\", \"command\": [\"" + "x".repeat(300_000) + "\"]}",
                    413)))
        .isNull();

    api.valid(HttpMethod.POST, SERVICES, sleeper("kept"), 201);
    assertThat(field(api.valid(HttpMethod.PUT, SERVICES + "/kept", "not json", 400)))
        .isEqualTo("body");
    assertThat(field(api.valid(HttpMethod.PUT, SERVICES + "/kept", sleeper("other"), 400)))
        .isEqualTo("name");
    assertThat(field(api.valid(HttpMethod.GET, SERVICES + "/kept/events?limit=0", 400)))
        .isEqualTo("limit");
    for (String query :
        new String[] {"stream=stdin", "since=yesterday", "limit=5001", "after=-1", "format=xml"}) {
      String name = query.substring(0, query.indexOf('='));
      assertThat(field(api.valid(HttpMethod.GET, SERVICES + "/kept/logs?" + query, 400)))
          .as(query)
          .isEqualTo(name);
      // an export takes every line: limit does not apply to it
      if (!name.equals("limit") && !name.equals("format")) {
        assertThat(
                field(
                    api.valid(HttpMethod.GET, SERVICES + "/kept/logs?format=ndjson&" + query, 400)))
            .as("ndjson " + query)
            .isEqualTo(name);
      }
    }
    assertThat(field(api.valid(HttpMethod.GET, SERVICES + "/Bad_Name", 400))).isEqualTo("name");

    api.valid(
        HttpMethod.POST,
        SERVICES,
        new JsonObject()
            .put("name", "missing")
            .put("command", new JsonArray().add("/nonexistent/program")),
        201);
    assertThat(
            api.valid(HttpMethod.POST, SERVICES + "/missing/start", 409)
                .bodyAsJsonObject()
                .getString("detail"))
        .contains("/nonexistent/program");
    JsonObject failed = api.valid(HttpMethod.GET, SERVICES + "/missing", 200).bodyAsJsonObject();
    assertThat(failed.getString("state")).isEqualTo("failed");
    assertThat(failed.getString("reason")).contains("/nonexistent/program");
    api.valid(HttpMethod.POST, "/api/services/missing/start", 409);

    api.valid(HttpMethod.GET, SERVICES + "/ghost", 404);
    api.valid(HttpMethod.POST, SERVICES + "/ghost/start", 404);
    api.valid(HttpMethod.POST, "/api/services/ghost/stop", 404);
    api.valid(HttpMethod.GET, SERVICES + "/ghost/logs", 404);
    api.valid(HttpMethod.GET, SERVICES + "/ghost/logs?format=ndjson", 404);

    assertThat(field(api.valid(HttpMethod.POST, "/api/v1/deployments", "[]", 400)))
        .isEqualTo("body");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    "/api/v1/deployments",
                    new JsonObject().put("service", "ghost"),
                    400)))
        .isEqualTo("service");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    "/api/v1/deployments",
                    new JsonObject()
                        .put("service", "kept")
                        .put("steps", new JsonArray().add(new JsonObject().put("command", "make"))),
                    400)))
        .isEqualTo("steps[0].command");
    assertThat(field(api.valid(HttpMethod.GET, "/api/v1/deployments/abc", 400))).isEqualTo("id");
    assertThat(field(api.valid(HttpMethod.GET, "/api/v1/deployments?limit=many", 400)))
        .isEqualTo("limit");
    api.valid(HttpMethod.GET, "/api/v1/deployments/999", 404);
    api.valid(HttpMethod.GET, "/api/v1/deployments/999/logs", 404);
    api.valid(HttpMethod.POST, "/api/v1/deployments/999/cancel", 404);
  }

  @Test
  void logsAreQueriedAndExportedWholeAsNdjson() {
    api.valid(
        HttpMethod.POST,
        SERVICES,
        new JsonObject()
            .put("name", "counter")
            .put("shell", true)
            .put("command", "seq 1 12000")
            .put("restart", "no"),
        201);
    api.valid(HttpMethod.POST, SERVICES + "/counter/start", 200);
    await(
        "counter",
        s -> "stopped".equals(s.getString("state")) && s.getInteger("lastExit", -1) == 0,
        "exited 0");
    // the lines reach the database in batches
    awaitLogs(SERVICES + "/counter/logs?stream=stdout&limit=1", "12000");

    JsonObject page =
        api.valid(HttpMethod.GET, SERVICES + "/counter/logs?stream=stdout&limit=3", 200)
            .bodyAsJsonObject();
    assertThat(page.getString("serviceId")).isEqualTo("counter");
    assertThat(texts(page.getJsonArray("lines"))).containsExactly("11998", "11999", "12000");
    JsonArray first =
        api.valid(HttpMethod.GET, SERVICES + "/counter/logs?stream=stdout&after=0&limit=2", 200)
            .bodyAsJsonObject()
            .getJsonArray("lines");
    assertThat(texts(first)).containsExactly("1", "2");
    assertThat(
            texts(
                api.valid(HttpMethod.GET, SERVICES + "/counter/logs?q=1199&stream=stdout", 200)
                    .bodyAsJsonObject()
                    .getJsonArray("lines")))
        .containsExactly(
            "1199", "11199", "11990", "11991", "11992", "11993", "11994", "11995", "11996", "11997",
            "11998", "11999");
    JsonArray notes =
        api.valid(HttpMethod.GET, SERVICES + "/counter/logs?stream=switchboard&since=10m", 200)
            .bodyAsJsonObject()
            .getJsonArray("lines");
    assertThat(notes).isNotEmpty();

    HttpResponse<Buffer> byAccept =
        api.valid(
            HttpMethod.GET,
            SERVICES + "/counter/logs?stream=stdout",
            null,
            Map.of("Accept", "application/x-ndjson"),
            200);
    assertThat(byAccept.getHeader("Content-Type")).isEqualTo("application/x-ndjson");
    assertThat(byAccept.getHeader("Transfer-Encoding")).isEqualTo("chunked");
    List<JsonObject> lines = ndjson(byAccept);
    assertThat(lines).hasSize(12000);
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i).getString("line")).isEqualTo(String.valueOf(i + 1));
      assertThat(lines.get(i).getString("stream")).isEqualTo("stdout");
    }
    for (int i : new int[] {0, 4999, 5000, 10000, 11999}) {
      OutputUnit check = api.check("LogLine", lines.get(i));
      assertThat(check.getValid()).as(lines.get(i) + ": " + check.getErrors()).isTrue();
    }

    // everything (the supervisor's own notes too), by the query parameter, in seq order; limit does
    // not apply
    List<JsonObject> all =
        ndjson(api.valid(HttpMethod.GET, SERVICES + "/counter/logs?format=ndjson&limit=10", 200));
    assertThat(all.size()).isGreaterThan(12000);
    for (int i = 1; i < all.size(); i++) {
      assertThat(all.get(i).getLong("seq")).isGreaterThan(all.get(i - 1).getLong("seq"));
    }
    // from a seq on
    long from = lines.get(9999).getLong("seq");
    List<JsonObject> tail =
        ndjson(
            api.valid(
                HttpMethod.GET,
                SERVICES + "/counter/logs?format=ndjson&stream=stdout&after=" + from,
                200));
    assertThat(texts(tail)).hasSize(2000).startsWith("10001", "10002").endsWith("12000");
    // nothing matches: an empty export (not checked against the contract: vertx-openapi takes an
    // empty body for a missing one)
    HttpResponse<Buffer> none =
        api.send(
            HttpMethod.GET,
            SERVICES + "/counter/logs?format=ndjson&q=no-such-line",
            TOKEN,
            null,
            Map.of());
    assertThat(none.statusCode()).isEqualTo(200);
    assertThat(none.getHeader("Content-Type")).isEqualTo(LogExport.CONTENT_TYPE);
    assertThat(none.bodyAsString()).isNullOrEmpty();
  }

  @Test
  void aDeploymentIsAcceptedAndReadBack() {
    api.valid(
        HttpMethod.POST,
        SERVICES,
        sleeper("app")
            .put(
                "health",
                new JsonObject()
                    .put("command", new JsonArray().add("true"))
                    .put("interval", "200ms")),
        201);
    api.valid(HttpMethod.POST, SERVICES + "/app/start", 200);
    JsonObject healthy = await("app", s -> "running".equals(s.getString("state")), "running");
    assertThat(healthy.getJsonObject("healthStatus").getString("status")).isEqualTo("healthy");
    HttpResponse<Buffer> accepted =
        api.valid(
            HttpMethod.POST,
            "/api/v1/deployments",
            new JsonObject()
                .put("service", "app")
                .put(
                    "steps",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("name", "build")
                                .put("command", new JsonArray().add("echo").add("built it")))
                        .add(new JsonArray().add("true")))
                .put("healthTimeout", "20s"),
            202);
    JsonObject deployment = accepted.bodyAsJsonObject();
    String id = deployment.getString("id");
    assertThat(accepted.getHeader("Location")).isEqualTo("/api/v1/deployments/" + id);
    assertThat(deployment.getString("service")).isEqualTo("app");
    assertThat(deployment.getInteger("totalSteps")).isEqualTo(2);

    JsonObject done = awaitDeployment(id, "succeeded");
    assertThat(done.getJsonArray("steps").getJsonObject(0).getString("state"))
        .isEqualTo("succeeded");
    assertThat(done.getJsonArray("steps").getJsonObject(0).getInteger("exit")).isZero();
    assertThat(done.getString("finishedAt")).isNotNull();
    assertThat(
            api.valid(HttpMethod.GET, SERVICES + "/app", 200).bodyAsJsonObject().getString("state"))
        .isEqualTo("running");

    JsonObject logs =
        api.valid(HttpMethod.GET, "/api/v1/deployments/" + id + "/logs?limit=100", 200)
            .bodyAsJsonObject();
    assertThat(logs.getString("deploymentId")).isEqualTo(id);
    assertThat(texts(logs.getJsonArray("lines"))).contains("built it");
    assertThat(
            texts(
                ndjson(
                    api.valid(
                        HttpMethod.GET,
                        "/api/v1/deployments/" + id + "/logs?format=ndjson&stream=stdout",
                        200))))
        .containsExactly("built it");

    JsonArray listed =
        api.valid(HttpMethod.GET, "/api/v1/deployments?service=app&limit=5", 200)
            .bodyAsJsonObject()
            .getJsonArray("deployments");
    assertThat(listed).hasSize(1);
    assertThat(listed.getJsonObject(0).getString("id")).isEqualTo(id);
    assertThat(
            api.valid(HttpMethod.GET, "/api/v1/deployments", 200)
                .bodyAsJsonObject()
                .getJsonArray("deployments"))
        .hasSize(1);
    assertThat(
            api.valid(HttpMethod.POST, "/api/v1/deployments/" + id + "/cancel", 409)
                .bodyAsJsonObject()
                .getString("code"))
        .isEqualTo("conflict");
  }

  @Test
  void aRunningDeploymentIsCancelled() {
    api.valid(HttpMethod.POST, SERVICES, sleeper("slow"), 201);
    String id =
        api.valid(
                HttpMethod.POST,
                "/api/v1/deployments",
                new JsonObject()
                    .put("service", "slow")
                    .put(
                        "steps",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("shell", true)
                                    .put("command", "echo begun; exec sleep 60"))),
                202)
            .bodyAsJsonObject()
            .getString("id");
    // once the step printed, its process is there to be ended
    poll(
        () ->
            api.valid(HttpMethod.GET, "/api/v1/deployments/" + id + "/logs?stream=stdout", 200)
                .bodyAsJsonObject(),
        logs -> texts(logs.getJsonArray("lines")).contains("begun"),
        "step output");
    api.valid(HttpMethod.POST, "/api/v1/deployments/" + id + "/cancel", 200);
    JsonObject cancelled = awaitDeployment(id, "cancelled");
    assertThat(cancelled.getString("reason")).contains("cancelled");
  }

  // ---- helpers ----

  private static String field(HttpResponse<Buffer> problem) {
    JsonArray invalid = problem.bodyAsJsonObject().getJsonArray("invalid-params");
    return invalid == null ? null : invalid.getJsonObject(0).getString("name");
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static List<JsonObject> ndjson(HttpResponse<Buffer> response) {
    String body = response.bodyAsString();
    assertThat(body)
        .satisfiesAnyOf(b -> assertThat(b).isEmpty(), b -> assertThat(b).endsWith("\n"));
    return body.lines().map(JsonObject::new).toList();
  }

  private static List<String> texts(JsonArray lines) {
    return lines.stream().map(line -> ((JsonObject) line).getString("line")).toList();
  }

  private static List<String> texts(List<JsonObject> lines) {
    return lines.stream().map(line -> line.getString("line")).toList();
  }

  private JsonObject await(String name, Predicate<JsonObject> condition, String what) {
    return poll(
        () -> api.valid(HttpMethod.GET, SERVICES + "/" + name, 200).bodyAsJsonObject(),
        condition,
        name + " " + what);
  }

  private JsonObject awaitDeployment(String id, String state) {
    return poll(
        () -> api.valid(HttpMethod.GET, "/api/v1/deployments/" + id, 200).bodyAsJsonObject(),
        d -> state.equals(d.getString("state")),
        "deployment " + id + " " + state);
  }

  private void awaitLogs(String pathAndQuery, String lastLine) {
    poll(
        () -> api.valid(HttpMethod.GET, pathAndQuery, 200).bodyAsJsonObject(),
        page -> {
          JsonArray lines = page.getJsonArray("lines");
          return !lines.isEmpty()
              && lastLine.equals(lines.getJsonObject(lines.size() - 1).getString("line"));
        },
        "logs ending with " + lastLine);
  }

  private static JsonObject poll(
      java.util.function.Supplier<JsonObject> get, Predicate<JsonObject> condition, String what) {
    return Eventually.within(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .alias(what)
        .until(get::get, condition);
  }
}
