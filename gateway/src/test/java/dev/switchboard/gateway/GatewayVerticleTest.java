package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.http.Problems;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.migrations.Migrations;
import dev.switchboard.stats.SystemStatsVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's API with system-stats on the real host and a real PostgreSQL: the token rule, the
 * answers, the errors, and that every answer matches the OpenAPI contract.
 */
class GatewayVerticleTest {

  private static final String TOKEN = "test-admin-token-0123456789";
  private static String databaseUrl;

  private Vertx vertx;
  private ContractClient api;

  @BeforeAll
  static void database() {
    databaseUrl = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(databaseUrl, "stats");
  }

  @BeforeEach
  void deploy() throws IOException {
    vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
    JsonObject process =
        new JsonObject().put("services", new JsonArray().add("gateway").add("system-stats"));
    vertx
        .deployVerticle(
            SystemStatsVerticle::new,
            new DeploymentOptions()
                .setThreadingModel(ThreadingModel.WORKER)
                .setConfig(
                    new JsonObject()
                        .put("interval", 60_000)
                        .put("nvidiaSmi", "/nonexistent/nvidia-smi")
                        .put("process", process)
                        .put(
                            "database",
                            new JsonObject().put("url", databaseUrl).put("poolSize", 2))))
        .await();
    api = ContractClient.deployGateway(vertx, process, TOKEN);
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void everyApiRouteDemandsTheToken() {
    for (String path :
        new String[] {
          "/api/v1/system/stats",
          "/api/v1/system/stats/history",
          "/api/v1/system/info",
          "/api/v1/openapi.yaml"
        }) {
      HttpResponse<Buffer> anonymous = call(HttpMethod.GET, path, null);
      assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
      assertThat(anonymous.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
      assertThat(call(HttpMethod.GET, path, "not-the-token").statusCode()).as(path).isEqualTo(401);
    }
  }

  @Test
  void latestSampleDescribesThisHost() {
    JsonObject sample = valid(HttpMethod.GET, "/api/v1/system/stats", 200).bodyAsJsonObject();

    assertThat(sample.getJsonObject("cpu").getDouble("usagePercent")).isBetween(0.0, 100.0);
    assertThat(sample.getJsonObject("memory").getLong("totalBytes")).isPositive();
    assertThat(sample.getJsonArray("disks")).isNotEmpty();
    assertThat(sample.getJsonArray("gpus")).as("no nvidia-smi here").isEmpty();
  }

  @Test
  void historyAnswersAndNamesABadParameter() {
    JsonObject history =
        valid(HttpMethod.GET, "/api/v1/system/stats/history?step=raw", 200).bodyAsJsonObject();
    assertThat(history.getString("source")).isEqualTo("samples");
    assertThat(history.getJsonArray("points")).isNotEmpty();
    assertThat(
            history
                .getJsonArray("points")
                .getJsonObject(0)
                .getJsonObject("values")
                .getDouble("cpu.usagePercent"))
        .isNotNull();

    JsonObject rollups =
        valid(
                HttpMethod.GET,
                "/api/v1/system/stats/history?from=2026-01-01T00:00:00Z&to=2026-01-31T00:00:00Z",
                200)
            .bodyAsJsonObject();
    assertThat(rollups.getString("source")).isEqualTo("rollups");
    assertThat(rollups.getString("step")).isEqualTo("1h");

    JsonObject problem =
        valid(
                HttpMethod.GET,
                "/api/v1/system/stats/history?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
                400)
            .bodyAsJsonObject();
    assertThat(problem.getJsonArray("invalid-params").getJsonObject(0).getString("name"))
        .isEqualTo("from");
    problem =
        valid(HttpMethod.GET, "/api/v1/system/stats/history?step=10s", 400).bodyAsJsonObject();
    assertThat(problem.getJsonArray("invalid-params").getJsonObject(0).getString("name"))
        .isEqualTo("step");
  }

  @Test
  void infoReportsHostAndVersions() {
    JsonObject info = valid(HttpMethod.GET, "/api/v1/system/info", 200).bodyAsJsonObject();

    assertThat(info.getJsonObject("cpu").getInteger("logicalCores"))
        .isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(info.getJsonObject("versions").getString("postgresql")).isNotBlank();
  }

  @Test
  void operationalRoutesNeedNoToken() {
    valid(HttpMethod.GET, "/health", 200);
    HttpResponse<Buffer> readiness = call(HttpMethod.GET, "/readiness", null);
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.bodyAsString()).contains("system-stats").contains("gateway");
    String metrics = call(HttpMethod.GET, "/metrics", null).bodyAsString();
    assertThat(metrics)
        .contains("switchboard_host_cpu_usage_ratio{")
        .contains("switchboard_host_memory_used_bytes{");
    assertThat(call(HttpMethod.GET, "/api/v1/openapi.yaml", TOKEN).bodyAsString())
        .startsWith("openapi: 3.1.0");
  }

  @Test
  void aForeignHostNameIsRefused() {
    HttpResponse<Buffer> rebound =
        api.request(HttpMethod.GET, "/api/v1/system/stats")
            .bearerTokenAuthentication(TOKEN)
            .putHeader("Host", "evil.example:3006")
            .send()
            .await();
    assertThat(rebound.statusCode()).isEqualTo(403);
    assertThat(rebound.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
  }

  @Test
  void unknownRoutesAreProblems() {
    HttpResponse<Buffer> missing = call(HttpMethod.GET, "/api/v1/nothing-here", TOKEN);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
  }

  private HttpResponse<Buffer> valid(HttpMethod method, String pathAndQuery, int expectedStatus) {
    return api.valid(method, pathAndQuery, expectedStatus);
  }

  private HttpResponse<Buffer> call(HttpMethod method, String pathAndQuery, String token) {
    return api.call(method, pathAndQuery, token);
  }
}
