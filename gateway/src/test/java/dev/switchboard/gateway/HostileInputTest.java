package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Input the outside was seen to turn into a 500 (a NUL PostgreSQL cannot store, a size that
 * overflows) is a 400 naming the field, checked against the contract, and leaves no stack trace in
 * the log.
 */
class HostileInputTest {

  private static final String TOKEN = "test-admin-token-0123456789";
  private static final String SERVICES = "/api/v1/services";
  private static final String DEPLOYMENTS = "/api/v1/deployments";

  private SupervisedGateway gateway;
  private ContractClient api;
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();

  @BeforeEach
  void deploy() throws IOException {
    gateway = SupervisedGateway.start(TOKEN);
    api = gateway.api;
    api.valid(HttpMethod.POST, SERVICES, sleeper("kept"), 201);
    log.start();
    root().addAppender(log);
  }

  @AfterEach
  void close() {
    root().detachAppender(log);
    gateway.close();
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  private static JsonObject sleeper(String name) {
    return new JsonObject()
        .put("name", name)
        .put("command", new JsonArray().add("sleep").add("300"))
        .put("restart", "no");
  }

  @Test
  void aNulInADefinitionIsA400NamingTheField() {
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    SERVICES,
                    sleeper("a").put("env", new JsonObject().put("MY_VAR", "a\u0000b")),
                    400)))
        .isEqualTo("env.MY_VAR");
    assertThat(
            field(api.valid(HttpMethod.POST, SERVICES, sleeper("a").put("cwd", "/tmp\u0000"), 400)))
        .isEqualTo("cwd");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST, SERVICES, sleeper("a").put("description", "\u0000"), 400)))
        .isEqualTo("description");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    SERVICES,
                    new JsonObject()
                        .put("name", "a")
                        .put("shell", true)
                        .put("command", "echo \u0000"),
                    400)))
        .isEqualTo("command");
    assertThat(
            field(
                api.valid(
                    HttpMethod.PUT,
                    SERVICES + "/kept",
                    sleeper("kept").put("env", new JsonObject().put("MY_VAR", "\u0000")),
                    400)))
        .isEqualTo("env.MY_VAR");
    assertNoStackTrace();
  }

  @Test
  void aNulInADeploymentIsA400NamingTheField() {
    JsonObject step =
        new JsonObject().put("name", "build").put("command", new JsonArray().add("true"));
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    DEPLOYMENTS,
                    deployment(step.copy().put("name", "bu\u0000ild")),
                    400)))
        .isEqualTo("steps[0].name");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    DEPLOYMENTS,
                    deployment(step.copy().put("cwd", "\u0000")),
                    400)))
        .isEqualTo("steps[0].cwd");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    DEPLOYMENTS,
                    deployment(step.copy().put("env", new JsonObject().put("A", "\u0000"))),
                    400)))
        .isEqualTo("steps[0].env.A");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    DEPLOYMENTS,
                    deployment(step)
                        .put(
                            "definition",
                            sleeper("kept").put("env", new JsonObject().put("MY_VAR", "\u0000"))),
                    400)))
        .isEqualTo("definition.env.MY_VAR");
    assertNoStackTrace();
  }

  @Test
  void aNulInALogQueryIsA400NamingTheParameter() {
    assertThat(field(api.valid(HttpMethod.GET, SERVICES + "/kept/logs?q=%00", 400))).isEqualTo("q");
    assertThat(field(api.valid(HttpMethod.GET, SERVICES + "/kept/logs?format=ndjson&q=a%00", 400)))
        .isEqualTo("q");
    assertThat(
            field(api.valid(HttpMethod.GET, SERVICES + "/kept/logs?since=200000000000000d", 400)))
        .isEqualTo("since");
    assertThat(
            field(
                api.valid(
                    HttpMethod.GET, SERVICES + "/kept/logs?until=%2B100000-01-01T00:00:00Z", 400)))
        .isEqualTo("until");
    assertNoStackTrace();
  }

  @Test
  void aSizeThatOverflowsIsA400NotAStackTraceOrASmallerSize() {
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    SERVICES,
                    sleeper("a").put("maxMemory", "99999999999999999999G"),
                    400)))
        .isEqualTo("maxMemory");
    // 17179869185 << 30 wraps round to 1 GiB
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST, SERVICES, sleeper("a").put("maxMemory", "17179869185G"), 400)))
        .isEqualTo("maxMemory");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    SERVICES,
                    "{\"name\":\"a\",\"command\":[\"true\"],\"maxMemory\":18446744073709551617}",
                    400)))
        .isEqualTo("maxMemory");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    SERVICES,
                    "{\"name\":\"a\",\"command\":[\"true\"],\"port\":18446744073709551617}",
                    400)))
        .isEqualTo("port");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    SERVICES,
                    sleeper("a").put("stopTimeout", "200000000000000d"),
                    400)))
        .isEqualTo("stopTimeout");
    assertThat(
            api.valid(HttpMethod.POST, SERVICES, sleeper("a").put("maxMemory", "8589934591G"), 201)
                .bodyAsJsonObject()
                .getLong("maxMemory"))
        .isEqualTo(8589934591L << 30);
    assertNoStackTrace();
  }

  @Test
  void aBadBodyOrParameterTypeIsA400NamingTheField() {
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    SERVICES,
                    "{\"name\": [\"a\"], \"command\": [\"true\"]}",
                    400)))
        .isEqualTo("name");
    assertThat(field(api.valid(HttpMethod.POST, SERVICES, sleeper("a").put("port", "8080"), 400)))
        .isEqualTo("port");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST, SERVICES, sleeper("a").put("env", new JsonArray()), 400)))
        .isEqualTo("env");
    assertThat(
            field(api.valid(HttpMethod.POST, SERVICES, "[".repeat(5000) + "]".repeat(5000), 400)))
        .isEqualTo("body");
    assertThat(
            field(
                api.valid(
                    HttpMethod.POST,
                    DEPLOYMENTS,
                    new JsonObject().put("service", "kept").put("healthTimeout", true),
                    400)))
        .isEqualTo("healthTimeout");
    assertThat(field(api.valid(HttpMethod.GET, SERVICES + "/kept/events?limit=1e3", 400)))
        .isEqualTo("limit");
    assertThat(field(api.valid(HttpMethod.GET, SERVICES + "/kept/logs?after=x", 400)))
        .isEqualTo("after");
    // a query that does not decode: Vert.x Web meets it while matching a route with path parameters
    assertThat(field(badlyEncoded(SERVICES + "/kept/logs", "since=%"))).isEqualTo("since");
    assertThat(field(badlyEncoded(SERVICES + "/kept/events", "limit=%zz"))).isEqualTo("limit");
    assertThat(field(badlyEncoded(DEPLOYMENTS, "limit=%"))).isEqualTo("limit");
    assertNoStackTrace();
  }

  /**
   * A GET whose query does not decode: no java.net.URI takes it, so the contract check gets the
   * path alone.
   */
  private HttpResponse<Buffer> badlyEncoded(String path, String query) {
    HttpResponse<Buffer> response =
        api.send(HttpMethod.GET, path + "?" + query, TOKEN, null, Map.of());
    assertThat(response.statusCode()).as(path + "?" + query).isEqualTo(400);
    api.validate(HttpMethod.GET, path, response);
    return response;
  }

  private static JsonObject deployment(JsonObject step) {
    return new JsonObject().put("service", "kept").put("steps", new JsonArray().add(step));
  }

  private static String field(HttpResponse<Buffer> problem) {
    JsonArray invalid = problem.bodyAsJsonObject().getJsonArray("invalid-params");
    return invalid == null ? null : invalid.getJsonObject(0).getString("name");
  }

  private void assertNoStackTrace() {
    assertThat(log.list)
        .as("log events with a stack trace")
        .filteredOn(event -> event.getThrowableProxy() != null)
        .isEmpty();
  }
}
