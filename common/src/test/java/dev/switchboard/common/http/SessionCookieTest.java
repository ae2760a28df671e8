package dev.switchboard.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.auth.Access;
import dev.switchboard.common.auth.Action;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The browser's session cookie: taken only where the server says so (the gateway, behind its CORS
 * check), and on a request that changes something only with an Origin header, so a cross-site form
 * that sends none cannot use it.
 */
@ExtendWith(VertxExtension.class)
class SessionCookieTest {

  private static final String TOKEN = "0123456789abcdef0123456789abcdef";

  private WebClient serve(Vertx vertx, boolean sessionCookie) {
    JsonObject config =
        new JsonObject()
            .put("auth", new JsonObject().put("adminToken", TOKEN))
            .put("process", new JsonObject().put("services", new JsonArray().add("test")));
    Router router = ApiRouter.create(vertx, config, sessionCookie);
    Access.route(router, HttpMethod.GET, "/api/thing", Action.READ).handler(ctx -> ctx.end("ok"));
    Access.route(router, HttpMethod.POST, "/api/thing", Action.OPERATE)
        .handler(ctx -> ctx.end("ok"));
    int port =
        vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await().actualPort();
    return WebClient.create(
        vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  private static int status(HttpRequest<Buffer> request) {
    return request.send().await().statusCode();
  }

  @Test
  void aStateChangeWithTheCookieNeedsAnOrigin(Vertx vertx) {
    WebClient client = serve(vertx, true);
    String cookie = "switchboard_session=" + TOKEN;
    assertThat(status(client.get("/api/thing").putHeader("Cookie", cookie))).isEqualTo(200);
    var refused = client.post("/api/thing").putHeader("Cookie", cookie).send().await();
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.bodyAsJsonObject().getString("detail"))
        .isEqualTo(
            "a request that changes something with the session cookie needs an Origin header");
    assertThat(
            status(
                client
                    .post("/api/thing")
                    .putHeader("Cookie", cookie)
                    .putHeader("Origin", "http://127.0.0.1:3006")))
        .isEqualTo(200);
    // a bearer header is no browser's ambient credential: no Origin needed
    assertThat(status(client.post("/api/thing").bearerTokenAuthentication(TOKEN))).isEqualTo(200);
  }

  @Test
  void aServerThatTakesNoCookieIgnoresIt(Vertx vertx) {
    WebClient client = serve(vertx, false);
    assertThat(status(client.get("/api/thing").putHeader("Cookie", "switchboard_session=" + TOKEN)))
        .isEqualTo(401);
    assertThat(status(client.get("/api/thing").bearerTokenAuthentication(TOKEN))).isEqualTo(200);
  }

  /** Failed sign-ins: 60 unknown tokens from one address, then 429 with Retry-After. */
  @Test
  void failedSignInsAreLimitedPerAddress(Vertx vertx) {
    WebClient client = serve(vertx, false);
    for (int i = 0; i < 60; i++) {
      assertThat(status(client.get("/api/thing").bearerTokenAuthentication("wrong-" + i)))
          .isEqualTo(401);
    }
    var limited = client.get("/api/thing").bearerTokenAuthentication(TOKEN).send().await();
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(Integer.parseInt(limited.getHeader("Retry-After"))).isBetween(1, 60);
    assertThat(limited.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
  }
}
