package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.http.Problems;
import dev.switchboard.common.observability.Telemetry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests are checked against their operation in the contract before anything is asked of a
 * service: with no service behind the gateway, a bad parameter or body is a 400 problem naming it,
 * and a good one gets as far as the service (503: nobody answers).
 */
class RequestCheckTest {

  private static final String ADMIN = "test-admin-token-0123456789";
  private static final String VIEWER = "test-viewer-token-0123456789";

  private Vertx vertx;
  private WebClient client;

  @BeforeEach
  void deploy() {
    vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
    GatewayVerticle gateway = new GatewayVerticle();
    vertx
        .deployVerticle(
            gateway,
            new DeploymentOptions()
                .setConfig(
                    new JsonObject()
                        .put("port", 0)
                        .put("files", new JsonObject().put("url", "http://127.0.0.1:1"))
                        .put(
                            "auth",
                            new JsonObject().put("adminToken", ADMIN).put("viewerToken", VIEWER))))
        .await();
    client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(gateway.actualPort()));
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void aBadQueryParameterIsNamed() {
    assertInvalid(get("/api/v1/services/web/logs?limit=many"), "limit", "whole number");
    assertInvalid(get("/api/v1/services/web/logs?limit=0"), "limit", null);
    assertInvalid(get("/api/v1/services/web/logs?limit=99999"), "limit", null);
    assertInvalid(get("/api/v1/services/web/logs?limit=5&limit=6"), "limit", "once");
    assertInvalid(get("/api/v1/services/web/logs?stream=stdin"), "stream", null);
    assertInvalid(get("/api/v1/deployments?limit=-1"), "limit", null);
    assertInvalid(get("/api/v1/assets?hash=abc"), "hash", null);
    // a good one goes on to the service, which is not there
    assertThat(get("/api/v1/services/web/logs?limit=5&stream=stderr").statusCode()).isEqualTo(503);
  }

  @Test
  void aBadPathParameterIsNamed() {
    assertInvalid(get("/api/v1/assets/not-an-id"), "id", null);
    assertThat(get("/api/v1/assets/6f1c2b9e-0d4a-4c5e-9a7b-1e2f3a4b5c6d").statusCode())
        .isEqualTo(503);
  }

  @Test
  void aBadBodyNamesTheField() {
    JsonObject good = new JsonObject().put("name", "web").put("command", new JsonArray().add("x"));
    assertInvalid(post("/api/v1/services", new JsonObject()), "name", "name");
    assertInvalid(post("/api/v1/services", good.copy().put("port", "80")), "port", "integer");
    assertInvalid(
        post("/api/v1/services", good.copy().put("health", new JsonObject().put("tcp", 0))),
        "health.tcp",
        null);
    assertInvalid(post("/api/v1/services", good.copy().put("prot", 80)), "prot", null);
    assertInvalid(
        post("/api/v1/services", good.copy().put("command", new JsonArray().add(1))),
        "command[0]",
        null);
    assertInvalid(
        post(
            "/api/v1/assets/check",
            new JsonObject().put("hashes", new JsonArray().add("a".repeat(64)).add("zz"))),
        "hashes[1]",
        null);
    assertInvalid(send(HttpMethod.POST, "/api/v1/services", "{\"name\":", ADMIN), "body", "JSON");
    assertInvalid(send(HttpMethod.POST, "/api/v1/deployments", null, ADMIN), "body", "required");
    assertInvalid(send(HttpMethod.POST, "/api/v1/services", "[1]", ADMIN), "body", null);
    assertThat(post("/api/v1/services", good).statusCode()).isEqualTo(503);
  }

  @Test
  void theRoleIsCheckedBeforeTheInput() {
    assertThat(send(HttpMethod.POST, "/api/v1/services", "{}", VIEWER).statusCode()).isEqualTo(403);
    assertThat(send(HttpMethod.POST, "/api/v1/services", "{}", null).statusCode()).isEqualTo(401);
  }

  private static void assertInvalid(HttpResponse<Buffer> response, String field, String reason) {
    String what = response.bodyAsString();
    assertThat(response.statusCode()).as(what).isEqualTo(400);
    assertThat(response.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
    JsonObject invalid =
        response.bodyAsJsonObject().getJsonArray("invalid-params").getJsonObject(0);
    assertThat(invalid.getString("name")).as(what).isEqualTo(field);
    if (reason != null) {
      assertThat(invalid.getString("reason")).as(what).contains(reason);
    }
  }

  private HttpResponse<Buffer> get(String path) {
    return send(HttpMethod.GET, path, null, ADMIN);
  }

  private HttpResponse<Buffer> post(String path, JsonObject body) {
    return send(HttpMethod.POST, path, body.encode(), ADMIN);
  }

  private HttpResponse<Buffer> send(HttpMethod method, String path, String body, String token) {
    HttpRequest<Buffer> request = client.request(method, path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return body == null
        ? request.send().await()
        : request
            .putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer(body))
            .await();
  }
}
