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
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The browser app as the gateway serves it from the web module's build on the classpath: the page
 * at {@code /} and at every page path, never cached and with the hub's port written in; hashed
 * files cached for a year; the API's own answers untouched.
 */
class WebAppTest {

  private static final String ADMIN = "test-admin-token-0123456789";
  private static final Pattern SCRIPT = Pattern.compile("/assets/index-[A-Za-z0-9_-]+\\.js");

  private Vertx vertx;
  private WebClient client;

  private void deploy(JsonObject extra) {
    vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
    GatewayVerticle gateway = new GatewayVerticle();
    JsonObject config =
        new JsonObject()
            .put("port", 0)
            .put("bindHost", "127.0.0.1")
            .put("files", new JsonObject().put("url", "http://127.0.0.1:1"))
            .put("hub", new JsonObject().put("port", 4107))
            .put("process", new JsonObject().put("services", new JsonArray().add("gateway")))
            .put("auth", new JsonObject().put("adminToken", ADMIN))
            .mergeIn(extra);
    vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(config)).await();
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

  private HttpResponse<Buffer> get(String path) {
    return client.request(HttpMethod.GET, path).send().await();
  }

  @Test
  void rootServesTheAppUncachedWithTheHubPortWrittenIn() {
    deploy(new JsonObject());
    HttpResponse<Buffer> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.getHeader("Cache-Control")).isEqualTo("no-cache");
    assertThat(page.bodyAsString())
        .contains("<div id=\"app\">")
        .contains("name=\"switchboard-hub-port\" content=\"4107\"")
        .doesNotContain(WebApp.HUB_PORT_PLACEHOLDER);
    assertThat(SCRIPT.matcher(page.bodyAsString()).find()).isTrue();
  }

  @Test
  void hashedAssetsAreCachedForAYearAsImmutable() {
    deploy(new JsonObject());
    Matcher script = SCRIPT.matcher(get("/").bodyAsString());
    assertThat(script.find()).isTrue();
    HttpResponse<Buffer> asset = get(script.group());
    assertThat(asset.statusCode()).isEqualTo(200);
    assertThat(asset.getHeader("Content-Type")).contains("javascript");
    assertThat(asset.getHeader("Cache-Control")).contains("immutable").contains("max-age=31536000");
    assertThat(asset.body().length()).isGreaterThan(1000);
  }

  @Test
  void pagePathsGetTheAppAndMissingFilesA404() {
    deploy(new JsonObject());
    for (String path : new String[] {"/services", "/files", "/some/deep/page"}) {
      HttpResponse<Buffer> page = get(path);
      assertThat(page.statusCode()).as(path).isEqualTo(200);
      assertThat(page.getHeader("Cache-Control")).as(path).isEqualTo("no-cache");
      assertThat(page.bodyAsString()).as(path).contains("<div id=\"app\">");
    }
    HttpResponse<Buffer> missingAsset = get("/assets/index-gone.js");
    assertThat(missingAsset.statusCode()).isEqualTo(404);
    assertThat(missingAsset.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
    assertThat(get("/favicon.ico").statusCode()).isEqualTo(404);
  }

  @Test
  void theApiAndOperationalRoutesKeepTheirAnswers() {
    deploy(new JsonObject());
    HttpResponse<Buffer> unknown =
        client
            .request(HttpMethod.GET, "/api/unknown")
            .putHeader("Authorization", "Bearer " + ADMIN)
            .send()
            .await();
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
    HttpResponse<Buffer> unknownV1 =
        client
            .request(HttpMethod.GET, "/api/v1/nothing-here")
            .putHeader("Authorization", "Bearer " + ADMIN)
            .send()
            .await();
    assertThat(unknownV1.statusCode()).isEqualTo(404);
    assertThat(unknownV1.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
    assertThat(get("/api/v1/services").statusCode()).isEqualTo(401);
    assertThat(get("/health").statusCode()).isEqualTo(200);
    assertThat(get("/health").bodyAsString()).doesNotContain("<html");
    assertThat(get("/metrics").statusCode()).isEqualTo(200);
    assertThat(get("/readiness").bodyAsString()).doesNotContain("<html");
  }

  @Test
  void aGatewayWithoutTheBuildSaysHowToMakeIt() {
    deploy(new JsonObject().put("webroot", "no-such-webroot"));
    HttpResponse<Buffer> page = get("/");
    assertThat(page.statusCode()).isEqualTo(404);
    assertThat(page.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
    assertThat(page.bodyAsJsonObject().getString("detail"))
        .contains("web app is not built")
        .contains("mvn -pl web,gateway -am package")
        .contains("Node.js");
  }
}
