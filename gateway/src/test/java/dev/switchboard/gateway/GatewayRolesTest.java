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
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The role of each token on the API, with no service behind the gateway: a request the role may
 * make passes the bearer check and gets the gateway's own answer (the contract, or 503 since nobody
 * answers), one it may not gets 403 problem+json.
 */
class GatewayRolesTest {

  private static final String ADMIN = "test-admin-token-0123456789";
  private static final String VIEWER = "test-viewer-token-0123456789";
  private static final String EMIT = "test-emit-token-0123456789";
  private static final String ASSET = "6f1c2b9e-0d4a-4c5e-9a7b-1e2f3a4b5c6d";
  private static final List<Map.Entry<HttpMethod, String>> READS =
      List.of(
          Map.entry(HttpMethod.GET, "/api/v1/services"),
          Map.entry(HttpMethod.GET, "/api/v1/services/a/logs"),
          Map.entry(HttpMethod.GET, "/api/v1/deployments"),
          Map.entry(HttpMethod.GET, "/api/v1/system/stats"),
          Map.entry(HttpMethod.GET, "/api/services/status"),
          Map.entry(HttpMethod.GET, "/api/v1/assets"),
          Map.entry(HttpMethod.GET, "/api/v1/assets/" + ASSET),
          Map.entry(HttpMethod.GET, "/api/v1/assets/" + ASSET + "/content"),
          Map.entry(HttpMethod.GET, "/api/v1/assets/" + ASSET + "/thumbnail"));
  private static final List<Map.Entry<HttpMethod, String>> CONTROLS =
      List.of(
          Map.entry(HttpMethod.POST, "/api/v1/services"),
          Map.entry(HttpMethod.PUT, "/api/v1/services/a"),
          Map.entry(HttpMethod.DELETE, "/api/v1/services/a"),
          Map.entry(HttpMethod.POST, "/api/v1/services/a/start"),
          Map.entry(HttpMethod.POST, "/api/v1/services/a/stop"),
          Map.entry(HttpMethod.POST, "/api/v1/services/a/restart"),
          Map.entry(HttpMethod.POST, "/api/v1/services/refresh"),
          Map.entry(HttpMethod.POST, "/api/services/a/start"),
          Map.entry(HttpMethod.POST, "/api/v1/deployments"),
          Map.entry(HttpMethod.POST, "/api/v1/deployments/d/cancel"),
          Map.entry(HttpMethod.POST, "/api/v1/files"),
          Map.entry(HttpMethod.POST, "/api/files/process"),
          Map.entry(HttpMethod.POST, "/api/v1/uploads/"),
          Map.entry(HttpMethod.PATCH, "/api/v1/uploads/" + ASSET),
          Map.entry(HttpMethod.DELETE, "/api/v1/uploads/" + ASSET),
          Map.entry(HttpMethod.POST, "/api/v1/assets/check"),
          Map.entry(HttpMethod.POST, "/api/v1/assets/confirm"),
          Map.entry(HttpMethod.POST, "/api/v1/assets/reject"),
          Map.entry(HttpMethod.POST, "/api/assets/confirm"),
          Map.entry(HttpMethod.DELETE, "/api/v1/assets/" + ASSET));

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
                        .put("bindHost", "127.0.0.1")
                        // file-processor is not running: nothing listens on port 1
                        .put("files", new JsonObject().put("url", "http://127.0.0.1:1"))
                        .put(
                            "process",
                            new JsonObject().put("services", new JsonArray().add("gateway")))
                        .put(
                            "auth",
                            new JsonObject()
                                .put("adminToken", ADMIN)
                                .put("viewerToken", VIEWER)
                                .put("emitToken", EMIT))))
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
  void adminMayReadAndControl() {
    assertThat(call(HttpMethod.GET, "/api/v1/openapi.yaml", ADMIN).statusCode()).isEqualTo(200);
    for (Map.Entry<HttpMethod, String> route : concat(READS, CONTROLS)) {
      assertThat(call(route.getKey(), route.getValue(), ADMIN).statusCode())
          .as("admin %s", route)
          .isNotIn(401, 403);
    }
  }

  @Test
  void viewerMayReadButGets403OnEveryRouteThatChangesSomething() {
    assertThat(call(HttpMethod.GET, "/api/v1/openapi.yaml", VIEWER).statusCode()).isEqualTo(200);
    for (Map.Entry<HttpMethod, String> route : READS) {
      assertThat(call(route.getKey(), route.getValue(), VIEWER).statusCode())
          .as("viewer %s", route)
          .isEqualTo(503);
    }
    for (Map.Entry<HttpMethod, String> route : CONTROLS) {
      assertForbidden(
          call(route.getKey(), route.getValue(), VIEWER),
          "viewer " + route,
          "the viewer role may not control");
    }
  }

  @Test
  void emitterGets403OnEveryRoute() {
    assertForbidden(
        call(HttpMethod.GET, "/api/v1/openapi.yaml", EMIT),
        "emitter contract",
        "the emitter role may not read");
    for (Map.Entry<HttpMethod, String> route : concat(READS, CONTROLS)) {
      assertForbidden(
          call(route.getKey(), route.getValue(), EMIT),
          "emitter " + route,
          "the emitter role may not");
    }
  }

  @Test
  void anUnknownTokenIs401() {
    HttpResponse<Buffer> unknown =
        call(HttpMethod.GET, "/api/v1/services", "not-a-known-token-0123456789");
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(unknown.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
  }

  private static void assertForbidden(HttpResponse<Buffer> response, String what, String detail) {
    assertThat(response.statusCode()).as(what).isEqualTo(403);
    assertThat(response.getHeader("Content-Type")).as(what).isEqualTo(Problems.CONTENT_TYPE);
    assertThat(response.bodyAsJsonObject().getString("detail")).as(what).startsWith(detail);
  }

  private HttpResponse<Buffer> call(HttpMethod method, String path, String token) {
    HttpRequest<Buffer> request =
        client.request(method, path).putHeader("Authorization", "Bearer " + token);
    return method == HttpMethod.GET || method == HttpMethod.DELETE
        ? request.send().await()
        : request.sendJsonObject(new JsonObject()).await();
  }

  private static <T> List<T> concat(List<T> first, List<T> second) {
    return Stream.concat(first.stream(), second.stream()).toList();
  }
}
