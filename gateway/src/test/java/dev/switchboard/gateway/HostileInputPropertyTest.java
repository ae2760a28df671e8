package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.http.Problems;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated hostile input (any character, NUL and lone surrogates included, numbers past a {@code
 * long}, durations and sizes that overflow, wrong types, nested structures, broken JSON) at every
 * write route of the gateway and at the log query parameters, in front of the real supervisor and
 * PostgreSQL. Whatever comes in, the answer is never a 5xx, and every 4xx is problem+json; a 400
 * names the field or parameter at fault.
 *
 * <p>Each body is a valid request with one field, at any depth, replaced by a generated value, so
 * that the value reaches the check of that field instead of stopping at the first one.
 */
class HostileInputPropertyTest {

  private static final String TOKEN = "test-admin-token-0123456789";

  /** The service the routes that need one act on: a sleeper, never deleted. */
  private static final String FIXED = "fixed";

  private static final List<String> SPECIAL =
      List.of(
          "\u0000",
          "a\u0000b",
          "\uD800",
          "x\uDC00",
          "\uDBFF\uDFFF",
          "",
          " ",
          "99999999999999999999G",
          "17179869185G",
          "8589934592G",
          "200000000000000d",
          "106751991167301d",
          "9999999999999s",
          "PT9999999999999999999H",
          "-1",
          "0",
          "1e400",
          "NaN",
          "+100000-01-01T00:00:00Z",
          "-1000000000-01-01T00:00:00Z",
          "2026-01-31T12:00:00Z",
          "10m",
          "always",
          "healthy",
          "http://127.0.0.1:1/",
          "TERM",
          "/tmp",
          "../..",
          "%",
          "%zz",
          "a".repeat(2000));
  private static final List<String> DEFINITION_FIELDS =
      List.of(
          "name",
          "command",
          "command.0",
          "command.1",
          "shell",
          "cwd",
          "env",
          "env.MY_VAR",
          "port",
          "health",
          "health.http",
          "health.expectStatus",
          "health.interval",
          "health.timeout",
          "health.startPeriod",
          "health.retries",
          "dependsOn",
          "autostart",
          "restart",
          "restart.policy",
          "restart.initialDelay",
          "restart.maxDelay",
          "restart.resetAfter",
          "restart.limit",
          "restart.window",
          "stopSignal",
          "stopTimeout",
          "maxMemory",
          "description");
  private static final List<String> DEPLOYMENT_FIELDS =
      List.of(
          "service",
          "steps",
          "steps.0",
          "steps.0.name",
          "steps.0.command",
          "steps.0.command.1",
          "steps.0.shell",
          "steps.0.cwd",
          "steps.0.env",
          "steps.0.env.A",
          "steps.0.timeout",
          "definition",
          "definition.name",
          "definition.env.MY_VAR",
          "definition.cwd",
          "definition.maxMemory",
          "definition.dependsOn",
          "definition.health",
          "healthTimeout");
  private static final List<String> LOG_PARAMETERS =
      List.of("since", "until", "stream", "q", "after", "limit", "format");

  private static SupervisedGateway gateway;

  @BeforeContainer
  static void start() throws IOException {
    // the database of named tokens and the audit log, and the real file-processor behind the
    // assets routes: every write route has its real peer
    gateway = SupervisedGateway.startWithAudit(TOKEN, new JsonObject().put("adminToken", TOKEN));
    gateway.api.valid(HttpMethod.POST, "/api/v1/services", definition().put("name", FIXED), 201);
  }

  @AfterContainer
  static void stop() {
    gateway.close();
  }

  @Property(tries = 200)
  void aServiceDefinitionIsNeverA5xx(
      @ForAll("definitionMutations") Tuple.Tuple2<String, Object> mutation) {
    JsonObject body = mutated(definition().put("name", "probe"), mutation);
    HttpResponse<Buffer> created = checked(HttpMethod.POST, "/api/v1/services", body.encode());
    if (created.statusCode() == 201) {
      checked(
          HttpMethod.DELETE,
          "/api/v1/services/" + created.bodyAsJsonObject().getString("name"),
          null);
    }
  }

  @Property(tries = 200)
  void aRedefinitionIsNeverA5xx(
      @ForAll("definitionMutations") Tuple.Tuple2<String, Object> mutation) {
    JsonObject body = mutated(definition().put("name", FIXED), mutation);
    checked(HttpMethod.PUT, "/api/v1/services/" + FIXED, body.encode());
  }

  @Property(tries = 200)
  void aDeploymentIsNeverA5xx(
      @ForAll("deploymentMutations") Tuple.Tuple2<String, Object> mutation) {
    HttpResponse<Buffer> accepted =
        checked(HttpMethod.POST, "/api/v1/deployments", mutated(deployment(), mutation).encode());
    if (accepted.statusCode() == 202) {
      checked(
          HttpMethod.POST,
          "/api/v1/deployments/" + accepted.bodyAsJsonObject().getString("id") + "/cancel",
          null);
    }
  }

  @Property(tries = 200)
  void aBodyThatIsNotADefinitionIsNeverA5xx(
      @ForAll("rawBodies") String body, @ForAll("writeRoutes") String route) {
    checked(
        HttpMethod.valueOf(route.substring(0, route.indexOf(' '))),
        route.substring(route.indexOf(' ') + 1),
        body);
  }

  @Property(tries = 200)
  void aControlRouteIsNeverA5xx(
      @ForAll("names") String name, @ForAll("controlRoutes") String template) {
    String route =
        template.replace("{}", URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"));
    checked(
        HttpMethod.valueOf(route.substring(0, route.indexOf(' '))),
        route.substring(route.indexOf(' ') + 1),
        null);
  }

  @Property(tries = 200)
  void aNamedTokenIsNeverA5xx(
      @ForAll("strings") String name,
      @ForAll("roles") String role,
      @ForAll("strings") String expiresAt,
      @ForAll boolean withExpiry) {
    JsonObject body = new JsonObject().put("name", name).put("role", role);
    if (withExpiry) {
      body.put("expiresAt", expiresAt);
    }
    HttpResponse<Buffer> created = checked(HttpMethod.POST, "/api/v1/tokens", body.encode());
    if (created.statusCode() == 201) {
      checked(
          HttpMethod.DELETE, "/api/v1/tokens/" + created.bodyAsJsonObject().getString("id"), null);
    }
  }

  @Property(tries = 200)
  void aLogQueryIsNeverA5xx(
      @ForAll("logParameters") String parameter,
      @ForAll("strings") String value,
      @ForAll("logRoutes") String path,
      @ForAll boolean asTyped) {
    // printable ASCII also goes as typed, so that broken percent-encoding (%zz) reaches the server
    String encoded =
        asTyped && value.chars().allMatch(c -> c > ' ' && c < 127 && c != '&' && c != '#')
            ? value
            : URLEncoder.encode(value, StandardCharsets.UTF_8);
    checked(HttpMethod.GET, path + "?" + parameter + "=" + encoded, null);
  }

  // ---- the checks ----

  /**
   * Sends, and checks the answer is no 5xx, a 4xx is problem+json, and a 400 names what is wrong.
   */
  private static HttpResponse<Buffer> checked(HttpMethod method, String path, String body) {
    HttpResponse<Buffer> response = gateway.api.send(method, path, TOKEN, body, Map.of());
    String what =
        method
            + " "
            + path
            + (body == null ? "" : " " + abbreviated(body))
            + " -> "
            + response.statusCode()
            + " "
            + abbreviated(response.bodyAsString());
    assertThat(response.statusCode()).as(what).isLessThan(500);
    if (response.statusCode() >= 400) {
      assertThat(response.getHeader("Content-Type")).as(what).isEqualTo(Problems.CONTENT_TYPE);
      JsonObject problem = response.bodyAsJsonObject();
      assertThat(problem.getInteger("status")).as(what).isEqualTo(response.statusCode());
      if (response.statusCode() == 400) {
        assertThat(problem.getJsonArray("invalid-params")).as(what).isNotEmpty();
      }
    }
    return response;
  }

  private static String abbreviated(String text) {
    return text == null || text.length() <= 300
        ? String.valueOf(text)
        : text.substring(0, 300) + "...";
  }

  // ---- valid requests and their mutations ----

  private static JsonObject definition() {
    return new JsonObject()
        .put("command", new JsonArray().add("sleep").add("300"))
        .put("cwd", "/tmp")
        .put("env", new JsonObject().put("MY_VAR", "value"))
        .put("port", 18080)
        .put(
            "health",
            new JsonObject()
                .put("http", "http://127.0.0.1:18080/")
                .put("expectStatus", 200)
                .put("interval", "10s")
                .put("timeout", "5s")
                .put("startPeriod", "1m")
                .put("retries", 3))
        .put(
            "restart",
            new JsonObject()
                .put("policy", "no")
                .put("initialDelay", "1s")
                .put("maxDelay", "1m")
                .put("resetAfter", "1m")
                .put("limit", 5)
                .put("window", "5m"))
        .put("stopSignal", "TERM")
        .put("stopTimeout", "5s")
        .put("maxMemory", "64M")
        .put("description", "a sleeper");
  }

  private static JsonObject deployment() {
    return new JsonObject()
        .put("service", FIXED)
        .put(
            "steps",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("name", "build")
                        .put("command", new JsonArray().add("true").add("x"))
                        .put("cwd", "/tmp")
                        .put("env", new JsonObject().put("A", "b"))
                        .put("timeout", "1m")))
        .put("definition", definition())
        .put("healthTimeout", "1s");
  }

  /**
   * {@code json} with the value at {@code path} (dotted; numbers index arrays) replaced, or added.
   */
  private static JsonObject mutated(JsonObject json, Tuple.Tuple2<String, Object> mutation) {
    String[] steps = mutation.get1().split("\\.");
    Object parent = json;
    for (int i = 0; i < steps.length - 1; i++) {
      parent =
          parent instanceof JsonObject object
              ? object.getValue(steps[i])
              : ((JsonArray) parent).getValue(Integer.parseInt(steps[i]));
    }
    String last = steps[steps.length - 1];
    if (parent instanceof JsonObject object) {
      object.put(last, mutation.get2());
    } else {
      ((JsonArray) parent).set(Integer.parseInt(last), mutation.get2());
    }
    return json;
  }

  // ---- generators ----

  @Provide
  Arbitrary<String> strings() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.strings().all().ofMaxLength(12)),
        Tuple.of(2, Arbitraries.of(SPECIAL)));
  }

  /** Mostly a real role, so that the other fields reach the database. */
  @Provide
  Arbitrary<String> roles() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.of("admin", "operator", "viewer", "emitter")),
        Tuple.of(1, strings()));
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.frequencyOf(Tuple.of(4, strings()), Tuple.of(1, Arbitraries.just(FIXED)));
  }

  private Arbitrary<Object> numbers() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(-2, 70_000).map(Object.class::cast),
        Arbitraries.longs().map(Object.class::cast),
        Arbitraries.bigIntegers()
            .between(BigInteger.TWO.pow(70).negate(), BigInteger.TWO.pow(70))
            .map(Object.class::cast),
        Arbitraries.doubles().map(Object.class::cast),
        Arbitraries.of(
            new BigInteger("18446744073709551617"), 4294967496L, 1e300, -0.0, Long.MIN_VALUE, 0.5));
  }

  /**
   * Any JSON value: text, numbers, booleans, and arrays and objects of them up to three levels
   * deep.
   */
  private Arbitrary<Object> values() {
    Arbitrary<Object> leaves =
        Arbitraries.oneOf(
            strings().map(Object.class::cast),
            numbers(),
            Arbitraries.of(true, false).map(Object.class::cast));
    return Arbitraries.recursive(
        () -> leaves,
        inner ->
            Arbitraries.oneOf(
                leaves,
                inner.list().ofMaxSize(3).map(list -> (Object) new JsonArray(list)),
                Arbitraries.maps(strings(), inner)
                    .ofMaxSize(3)
                    .map(map -> (Object) new JsonObject(Map.copyOf(map)))),
        0,
        3);
  }

  @Provide
  Arbitrary<Tuple.Tuple2<String, Object>> definitionMutations() {
    return Combinators.combine(
            Arbitraries.oneOf(
                Arbitraries.of(DEFINITION_FIELDS), strings().filter(s -> !s.contains("."))),
            values())
        .as(Tuple::of);
  }

  @Provide
  Arbitrary<Tuple.Tuple2<String, Object>> deploymentMutations() {
    return Combinators.combine(
            Arbitraries.oneOf(
                Arbitraries.of(DEPLOYMENT_FIELDS), strings().filter(s -> !s.contains("."))),
            values())
        .as(Tuple::of);
  }

  @Provide
  Arbitrary<String> rawBodies() {
    return Arbitraries.oneOf(
        strings(),
        values()
            .map(
                value -> value instanceof String text ? "\"" + text + "\"" : String.valueOf(value)),
        Arbitraries.integers().between(1, 5000).map(depth -> "[".repeat(depth) + "]".repeat(depth)),
        Arbitraries.integers()
            .between(1, 3000)
            .map(depth -> "{\"a\":".repeat(depth) + "1" + "}".repeat(depth)),
        Arbitraries.of(
            "{\"name\": \"x\",",
            "{\"name\": 1e999999}",
            "{\"name\": 123456789012345678901234567890}",
            "null",
            "{}"));
  }

  @Provide
  Arbitrary<String> writeRoutes() {
    return Arbitraries.of(
        "POST /api/v1/services",
        "PUT /api/v1/services/" + FIXED,
        "POST /api/v1/deployments",
        "POST /api/v1/tokens",
        "POST /api/v1/assets/check",
        "POST /api/v1/assets/confirm",
        "POST /api/v1/assets/reject",
        "POST /api/assets/confirm");
  }

  @Provide
  Arbitrary<String> controlRoutes() {
    return Arbitraries.of(
        "POST /api/v1/services/{}/start",
        "POST /api/v1/services/{}/stop",
        "POST /api/v1/services/{}/restart",
        "POST /api/services/{}/start",
        "POST /api/services/{}/stop",
        "POST /api/v1/services/refresh",
        // x{}: never the fixed service, which the other properties need
        "POST /api/v1/deployments/{}/cancel",
        "DELETE /api/v1/services/x{}",
        "GET /api/v1/services/{}/events",
        "GET /api/v1/deployments/{}",
        "DELETE /api/v1/tokens/{}",
        "GET /api/v1/assets/{}",
        "GET /api/v1/assets/{}/content",
        "DELETE /api/v1/assets/{}");
  }

  @Provide
  Arbitrary<String> logParameters() {
    return Arbitraries.of(LOG_PARAMETERS);
  }

  @Provide
  Arbitrary<String> logRoutes() {
    return Arbitraries.of(
        "/api/v1/services/" + FIXED + "/logs",
        "/api/v1/services/" + FIXED + "/events",
        "/api/v1/deployments",
        "/api/v1/deployments/1/logs");
  }
}
