package dev.switchboard.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.auth.Credentials;
import dev.switchboard.common.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The error contract over real HTTP: every failure is problem+json, bad input names its field. */
@ExtendWith(VertxExtension.class)
class ProblemsTest {

  private static final String TOKEN = "0123456789abcdef0123456789abcdef";
  private WebClient client;

  @BeforeEach
  void start(Vertx vertx) {
    Bus.serve(
        vertx,
        "test.validate",
        body -> {
          throw ApiException.invalid("limit", "limit must be positive");
        });
    Bus.serve(vertx, "test.crash", body -> Future.failedFuture(new IllegalStateException("boom")));
    Router router = Problems.install(Router.router(vertx));
    router
        .route("/api/*")
        .handler(
            BearerAuth.authenticating(
                new Authenticator(
                    vertx, Credentials.fromConfig(new JsonObject().put("adminToken", TOKEN))),
                false));
    router.put("/api/things/:id").handler(ctx -> ctx.end());
    router
        .get("/api/field")
        .handler(ctx -> ctx.fail(ApiException.invalid("from", "from must be before to")));
    router
        .get("/api/crash")
        .handler(
            ctx -> {
              throw new IllegalStateException("secret internals");
            });
    router
        .get("/api/bus/:address")
        .handler(
            ctx ->
                Bus.request(vertx, ctx.pathParam("address"), new JsonObject())
                    .onSuccess(ctx::json)
                    .onFailure(ctx::fail));
    router
        .post("/api/body")
        .handler(BodyHandler.create().setBodyLimit(10))
        .handler(ctx -> ctx.end("ok"));
    int port =
        vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await().actualPort();
    client =
        WebClient.create(
            vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  @Test
  void missingAndWrongTokensAre401WithAChallenge() {
    HttpResponse<Buffer> missing = client.get("/api/field").send().await();
    assertProblem(missing, 401, "unauthorized");
    assertThat(missing.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
    assertProblem(
        client.get("/api/field").bearerTokenAuthentication("wrong").send().await(),
        401,
        "unauthorized");
  }

  @Test
  void badInputNamesTheField() {
    JsonObject problem = assertProblem(get("/api/field"), 400, "bad-request");
    assertThat(problem.getString("detail")).isEqualTo("from must be before to");
    assertThat(problem.getJsonArray("invalid-params").getJsonObject(0).getString("name"))
        .isEqualTo("from");
    assertThat(problem.getString("instance")).isEqualTo("/api/field");
  }

  @Test
  void aFieldErrorSurvivesTheEventBus() {
    JsonObject problem = assertProblem(get("/api/bus/test.validate"), 400, "bad-request");
    assertThat(problem.getString("detail")).isEqualTo("limit must be positive");
    assertThat(problem.getJsonArray("invalid-params").getJsonObject(0).getString("name"))
        .isEqualTo("limit");
  }

  @Test
  void aMissingServiceIs503AndACrashIs500WithoutInternals() {
    assertThat(
            assertProblem(get("/api/bus/nobody.listens"), 503, "unavailable").getString("detail"))
        .contains("nobody.listens");
    assertThat(assertProblem(get("/api/bus/test.crash"), 500, "internal").getString("detail"))
        .doesNotContain("boom");
    assertThat(assertProblem(get("/api/crash"), 500, "internal").getString("detail"))
        .doesNotContain("secret");
  }

  @Test
  void routerErrorsAreProblemsToo() {
    assertProblem(get("/api/nowhere"), 404, "not-found");
    HttpResponse<Buffer> tooBig =
        client
            .post("/api/body")
            .bearerTokenAuthentication(TOKEN)
            .sendBuffer(Buffer.buffer("01234567890123456789"))
            .await();
    assertProblem(tooBig, 413, "payload-too-large");
  }

  @Test
  void aMethodNotAllowedSaysWhichAreAllowed() {
    HttpResponse<Buffer> deleted =
        client.delete("/api/field").bearerTokenAuthentication(TOKEN).send().await();

    assertProblem(deleted, 405, "method-not-allowed");
    assertThat(deleted.getHeader("Allow")).isEqualTo("GET, HEAD");
    assertThat(
            client
                .get("/api/body")
                .bearerTokenAuthentication(TOKEN)
                .send()
                .await()
                .getHeader("Allow"))
        .isEqualTo("POST");
    assertThat(
            client
                .post("/api/things/7")
                .bearerTokenAuthentication(TOKEN)
                .send()
                .await()
                .getHeader("Allow"))
        .isEqualTo("PUT");
  }

  @Test
  void headAnswersLikeGetWithoutTheBody() {
    HttpResponse<Buffer> get = get("/api/field");
    HttpResponse<Buffer> head =
        client.head("/api/field").bearerTokenAuthentication(TOKEN).send().await();

    assertThat(head.statusCode()).isEqualTo(get.statusCode());
    assertThat(head.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
    assertThat(head.body()).isNull();
    assertThat(client.head("/api/field").send().await().statusCode())
        .as("HEAD asks for the credential too")
        .isEqualTo(401);
  }

  private HttpResponse<Buffer> get(String path) {
    return client.get(path).bearerTokenAuthentication(TOKEN).send().await();
  }

  private static JsonObject assertProblem(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
    JsonObject problem = response.bodyAsJsonObject();
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("code")).isEqualTo(code);
    assertThat(problem.getString("type")).isEqualTo("urn:switchboard:problem:" + code);
    assertThat(problem.getString("title")).isNotBlank();
    return problem;
  }
}
