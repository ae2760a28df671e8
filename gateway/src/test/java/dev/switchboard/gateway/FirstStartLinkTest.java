package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.auth.SignInCodes;
import dev.switchboard.common.http.Problems;
import dev.switchboard.common.observability.Telemetry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first-start link's code exchange, {@code POST /api/v1/auth/code}: a code the launcher issued
 * ({@link SignInCodes}) buys an admin session once, with no bearer token; a used, expired or wrong
 * code is 401 problem+json naming {@code code} and a failed sign-in of the address, which after the
 * limit is 429 for the code exchange and the token sign-in alike.
 */
class FirstStartLinkTest {

  private static final String ADMIN = "test-admin-token-0123456789";
  private static final String PATH = "/api/v1/auth/code";

  @TempDir Path dataDir;
  private Vertx vertx;
  private ContractClient api;

  @BeforeEach
  void start() throws Exception {
    vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
    api =
        ContractClient.deployGateway(
            vertx,
            new JsonObject().put("services", new JsonArray().add("gateway")),
            ADMIN,
            new JsonObject().put("url", "http://127.0.0.1:1"),
            new JsonObject()
                .put("dataDir", dataDir.toString())
                .put("auth", new JsonObject().put("adminToken", ADMIN)));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void aCodeBuysAnAdminSessionWithNoTokenOnceOnly() {
    String code = SignInCodes.issue(vertx, SignInCodes.VALID_FOR);
    assertThat(code).hasSize(43).doesNotContain(ADMIN);

    HttpResponse<Buffer> signedIn = exchange(code);
    assertThat(signedIn.statusCode()).as(signedIn.bodyAsString()).isEqualTo(200);
    api.validate(HttpMethod.POST, PATH, signedIn);
    JsonObject session = signedIn.bodyAsJsonObject();
    assertThat(session.getString("role")).isEqualTo("admin");
    assertThat(session.getString("name")).isEqualTo("first-start link");
    String jwt = session.getString("token");
    assertThat(signedIn.getHeader("Set-Cookie"))
        .startsWith("switchboard_session=" + jwt)
        .containsIgnoringCase("HttpOnly")
        .contains("SameSite=Strict");
    assertThat(signedIn.getHeader("Cache-Control")).isEqualTo("no-store");
    // the session administers
    assertThat(api.call(HttpMethod.POST, "/api/v1/auth/keys/rotate", jwt).statusCode())
        .isEqualTo(204);

    HttpResponse<Buffer> again = exchange(code);
    assertRefused(again);
  }

  @Test
  void anExpiredCodeIsRefused() throws Exception {
    String code = SignInCodes.issue(vertx, Duration.ofMillis(1));
    Thread.sleep(20);
    assertRefused(exchange(code));
  }

  @Test
  void aWrongCodeIsAFailedSignInAndTheLimitAppliesToCodesAndTokensAlike() {
    String code = SignInCodes.issue(vertx, SignInCodes.VALID_FOR);
    assertRefused(exchange(code.substring(1) + "x"));
    for (int i = 1; i < 60; i++) {
      assertThat(exchange("wrong-" + i).statusCode()).isEqualTo(401);
    }
    HttpResponse<Buffer> limited = exchange(code);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.getHeader("Retry-After")).isNotBlank();
    assertThat(limited.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
    api.validate(HttpMethod.POST, PATH, limited);
    // counted with the failed tokens: the token sign-in of the same address is limited too
    assertThat(api.call(HttpMethod.POST, "/api/v1/auth/login", ADMIN).statusCode()).isEqualTo(429);
  }

  @Test
  void aMissingCodeNamesTheField() {
    HttpResponse<Buffer> missing =
        api.send(HttpMethod.POST, PATH, null, new JsonObject(), Map.of());
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(
            missing
                .bodyAsJsonObject()
                .getJsonArray("invalid-params")
                .getJsonObject(0)
                .getString("name"))
        .isEqualTo("code");
    api.validate(HttpMethod.POST, PATH, missing);
  }

  private HttpResponse<Buffer> exchange(String code) {
    return api.send(HttpMethod.POST, PATH, null, new JsonObject().put("code", code), Map.of());
  }

  private void assertRefused(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(401);
    assertThat(response.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
    assertThat(response.getHeader("Set-Cookie")).isNull();
    assertThat(
            response
                .bodyAsJsonObject()
                .getJsonArray("invalid-params")
                .getJsonObject(0)
                .getString("name"))
        .isEqualTo("code");
    api.validate(HttpMethod.POST, PATH, response);
  }
}
