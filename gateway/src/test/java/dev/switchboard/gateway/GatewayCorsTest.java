package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.http.Problems;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway answers CORS for CORS_ORIGINS (its {@code corsOrigins}): the seed's frontend on
 * {@code :3005} gets its preflight and its answers; any other origin gets 403 and no CORS header.
 */
class GatewayCorsTest {

  private static final String TOKEN = "test-admin-token-0123456789";
  private static final String FRONTEND = "http://localhost:3005";
  private static final String STRANGER = "http://evil.example:3005";
  private static final String ALLOW_ORIGIN = "Access-Control-Allow-Origin";

  private final Vertx vertx = Vertx.vertx();
  private WebClient client;
  private int port;

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private void deploy(JsonArray corsOrigins) {
    GatewayVerticle gateway = new GatewayVerticle();
    vertx
        .deployVerticle(
            gateway,
            new DeploymentOptions()
                .setConfig(
                    new JsonObject()
                        .put("port", 0)
                        .put("bindHost", "127.0.0.1")
                        .put("corsOrigins", corsOrigins)
                        .put("auth", new JsonObject().put("adminToken", TOKEN))))
        .await();
    port = gateway.actualPort();
    client =
        WebClient.create(
            vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  private HttpResponse<Buffer> preflight(String origin, String method, String path) {
    return client
        .request(HttpMethod.OPTIONS, path)
        .putHeader("Origin", origin)
        .putHeader("Access-Control-Request-Method", method)
        .putHeader("Access-Control-Request-Headers", "authorization,content-type")
        .send()
        .await();
  }

  private HttpResponse<Buffer> get(String origin) {
    HttpRequest<Buffer> request =
        client.get("/api/v1/openapi.yaml").bearerTokenAuthentication(TOKEN);
    if (origin != null) {
      request.putHeader("Origin", origin);
    }
    return request.send().await();
  }

  private static List<String> listed(HttpResponse<Buffer> response, String header) {
    String value = response.getHeader(header);
    assertThat(value).as(header).isNotNull();
    return Arrays.stream(value.split(","))
        .map(item -> item.trim().toLowerCase(Locale.ROOT))
        .toList();
  }

  @Test
  void theFrontendsPreflightIsAnsweredForTheApisMethodsAndTheAuthorizationHeader() {
    deploy(new JsonArray().add(FRONTEND));
    for (String[] call :
        new String[][] {
          {"POST", "/api/services/lmStudio/start"},
          {"GET", "/api/services/status"},
          {"PUT", "/api/v1/services/lmStudio"},
          {"DELETE", "/api/v1/services/lmStudio"},
          {"POST", "/api/files/process"}
        }) {
      HttpResponse<Buffer> answer = preflight(FRONTEND, call[0], call[1]);
      assertThat(answer.statusCode()).as(call[1]).isEqualTo(204);
      assertThat(answer.getHeader(ALLOW_ORIGIN)).isEqualTo(FRONTEND);
      assertThat(answer.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");
      assertThat(listed(answer, "Access-Control-Allow-Methods"))
          .contains(call[0].toLowerCase(Locale.ROOT));
      assertThat(listed(answer, "Access-Control-Allow-Headers"))
          .contains("authorization", "content-type");
      assertThat(answer.getHeader("Access-Control-Max-Age")).isEqualTo("600");
    }
  }

  @Test
  void theFrontendReadsTheAnswersOfItsCalls() {
    deploy(new JsonArray().add(FRONTEND).add("http://127.0.0.1:3005"));
    HttpResponse<Buffer> answer = get(FRONTEND);
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.getHeader(ALLOW_ORIGIN)).isEqualTo(FRONTEND);
    assertThat(listed(answer, "Vary")).contains("origin");
    assertThat(listed(answer, "Access-Control-Expose-Headers")).contains("location", "etag");
    assertThat(get("http://127.0.0.1:3005").getHeader(ALLOW_ORIGIN))
        .isEqualTo("http://127.0.0.1:3005");

    HttpResponse<Buffer> anonymous =
        client.get("/api/services/status").putHeader("Origin", FRONTEND).send().await();
    assertThat(anonymous.statusCode())
        .as("CORS lets the page read the answer, the token is still needed")
        .isEqualTo(401);
    assertThat(anonymous.getHeader(ALLOW_ORIGIN)).isEqualTo(FRONTEND);
  }

  @Test
  void anOriginNotListedGetsNoCorsHeaderAndA403() {
    deploy(new JsonArray().add(FRONTEND));
    HttpResponse<Buffer> refusedPreflight =
        preflight(STRANGER, "POST", "/api/services/lmStudio/start");
    assertThat(refusedPreflight.statusCode()).isEqualTo(403);
    assertThat(refusedPreflight.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
    assertThat(refusedPreflight.bodyAsJsonObject().getString("detail")).contains("CORS_ORIGINS");
    assertThat(refusedPreflight.headers().names())
        .noneMatch(name -> name.toLowerCase(Locale.ROOT).startsWith("access-control-"));

    HttpResponse<Buffer> refused = get(STRANGER);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().names())
        .noneMatch(name -> name.toLowerCase(Locale.ROOT).startsWith("access-control-"));
    assertThat(get("http://localhost:3006").statusCode())
        .as("another port is another origin")
        .isEqualTo(403);
  }

  @Test
  void requestsWithoutAnOriginOrFromTheGatewaysOwnAreNotCrossOrigin() {
    deploy(new JsonArray().add(FRONTEND));
    HttpResponse<Buffer> curl = get(null);
    assertThat(curl.statusCode()).isEqualTo(200);
    assertThat(curl.getHeader(ALLOW_ORIGIN)).isNull();
    HttpResponse<Buffer> own = get("http://127.0.0.1:" + port);
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(own.getHeader(ALLOW_ORIGIN)).isNull();
  }

  @Test
  void aStarAllowsEveryOrigin() {
    deploy(new JsonArray().add("*"));
    HttpResponse<Buffer> answer = get(STRANGER);
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.getHeader(ALLOW_ORIGIN)).isEqualTo(STRANGER);
    assertThat(preflight(STRANGER, "DELETE", "/api/v1/services/x").statusCode()).isEqualTo(204);
  }
}
