package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.config.ConfigLoader;
import dev.switchboard.gateway.GatewayVerticle;
import dev.switchboard.hub.HubVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Seed 001's HTTP calls, word for word from its document, against the gateway and the hub deployed
 * as the launcher deploys them, from the seed's own environment: {@code PORT=3006}, {@code
 * WS_PORT=3007}, {@code WS_SERVER_URL}, and its frontend's origin {@code :3005} allowed. Its {@code
 * curl .../health} of both servers, its backend's emit through the WS HTTP API, and its frontend's
 * cross-origin call to the REST API answer what the seed promises.
 */
class Seed001RestContractTest {

  private static final String ADMIN_TOKEN = "test-admin-token-seed001-0123456789";
  private static final String EMIT_TOKEN = "test-emit-token-seed001-0123456789";
  private static final String FRONTEND = "http://localhost:3005";

  /** The seed's backend environment, with the frontend's origin allowed as migrating.md says. */
  private static final Map<String, String> SEED_ENV =
      Map.of(
          "PORT", "3006",
          "WS_PORT", "3007",
          "WS_SERVER_URL", "http://localhost:3007",
          "NODE_ENV", "production",
          "CORS_ORIGINS", FRONTEND + ",http://localhost:3006");

  private final Vertx vertx = Vertx.vertx();
  private final WebClient client = WebClient.create(vertx);
  private JsonObject config;
  private int gatewayPort;
  private int hubPort;

  @BeforeEach
  void start() {
    config = ConfigLoader.load(vertx, ConfigLoader.DEFAULT_FILE, SEED_ENV).await();
    JsonObject auth = new JsonObject().put("adminToken", ADMIN_TOKEN).put("emitToken", EMIT_TOKEN);
    // the seed's ports, as configured; bound on free ones, so that the test runs beside anything
    GatewayVerticle gateway = new GatewayVerticle();
    vertx
        .deployVerticle(
            gateway,
            new DeploymentOptions()
                .setConfig(
                    config
                        .getJsonObject("gateway")
                        .copy()
                        .put("port", 0)
                        .put("bindHost", "127.0.0.1")
                        .put("auth", auth)
                        .put(
                            "corsOrigins",
                            config.getJsonObject("hub").getJsonArray("corsOrigins"))))
        .await();
    HubVerticle hub = new HubVerticle();
    vertx
        .deployVerticle(
            hub,
            new DeploymentOptions()
                .setConfig(
                    config
                        .getJsonObject("hub")
                        .copy()
                        .put("port", 0)
                        .put("bindHost", "127.0.0.1")
                        .put("auth", auth)))
        .await();
    gatewayPort = gateway.actualPort();
    hubPort = hub.actualPort();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private HttpResponse<Buffer> call(HttpMethod method, int port, String path) {
    return client.request(method, port, "localhost", path).send().await();
  }

  @Test
  void theSeedsEnvironmentPutsTheServersOnTheSeedsPorts() {
    assertThat(config.getJsonObject("gateway").getInteger("port")).isEqualTo(3006);
    assertThat(config.getJsonObject("hub").getInteger("port")).isEqualTo(3007);
  }

  @Test
  void curlWebSocketServerHealthAnswersTheSeedsShape() {
    // curl http://localhost:3007/health
    HttpResponse<Buffer> answer = call(HttpMethod.GET, hubPort, "/health");
    assertThat(answer.statusCode()).isEqualTo(200);
    JsonObject health = answer.bodyAsJsonObject();
    assertThat(health.getBoolean("success")).isTrue();
    assertThat(health.getString("status")).isEqualTo("healthy");
    // the seed's five namespaces, and the main namespace "/" that seed 000's client uses
    assertThat(health.getJsonObject("connections").fieldNames())
        .containsExactlyInAnyOrder("main", "services", "deployments", "system", "mcp", "files");
    assertThat(health.getInteger("activeStreams")).isZero();
  }

  @Test
  void curlBackendApiHealthAnswers() {
    // curl http://localhost:3006/health
    assertThat(call(HttpMethod.GET, gatewayPort, "/health").statusCode()).isEqualTo(200);
  }

  @Test
  void theBackendsEmitToAServiceIsAcceptedWithTheEmitToken() {
    // wsClient.emitToService('service-id', 'status', {status: 'running'})
    JsonObject emit =
        new JsonObject()
            .put("namespace", "/services")
            .put("room", "logs:service-id")
            .put("event", "status")
            .put("data", new JsonObject().put("status", "running"));
    HttpResponse<Buffer> accepted =
        client
            .post(hubPort, "localhost", "/emit")
            .bearerTokenAuthentication(EMIT_TOKEN)
            .sendJsonObject(emit)
            .await();
    assertThat(accepted.statusCode()).isEqualTo(202);
    assertThat(accepted.bodyAsJsonObject().getInteger("accepted")).isEqualTo(1);
    assertThat(client.post(hubPort, "localhost", "/emit").sendJsonObject(emit).await().statusCode())
        .as("the seed's backend sent no token; Switchboard wants the emit token")
        .isEqualTo(401);
  }

  @Test
  void theFrontendOn3005CallsTheRestApiCrossOrigin() {
    HttpResponse<Buffer> preflight =
        client
            .request(HttpMethod.OPTIONS, gatewayPort, "localhost", "/api/v1/system/info")
            .putHeader("Origin", FRONTEND)
            .putHeader("Access-Control-Request-Method", "GET")
            .putHeader("Access-Control-Request-Headers", "authorization")
            .send()
            .await();
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isEqualTo(FRONTEND);
    assertThat(preflight.getHeader("Access-Control-Allow-Headers").toLowerCase())
        .contains("authorization");

    HttpResponse<Buffer> polling =
        client
            .get(hubPort, "localhost", "/socket.io/?EIO=4&transport=polling")
            .putHeader("Origin", FRONTEND)
            .send()
            .await();
    assertThat(polling.statusCode()).isEqualTo(200);
    assertThat(polling.getHeader("Access-Control-Allow-Origin")).isEqualTo(FRONTEND);
  }
}
