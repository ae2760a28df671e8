package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.migrations.Migrations;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser's sign-in: a token for a short-lived JWT, in the body and in an HttpOnly,
 * SameSite=Strict cookie; both accepted by the API; refreshed before expiry; refused once expired;
 * its key kept in DATA_DIR with mode 0600 and rotated without a restart.
 */
class SignInApiTest {

  private static final String ADMIN = "test-admin-token-0123456789";
  private static final String EMIT = "test-emit-token-0123456789";
  private static final String APP = "http://app.test:8080";

  @TempDir Path dataDir;
  private Vertx vertx;
  private ContractClient api;

  @BeforeEach
  void start() throws Exception {
    start(ADMIN);
  }

  private void start(String adminToken) throws Exception {
    start(adminToken, new JsonObject());
  }

  private void start(String adminToken, JsonObject more) throws Exception {
    vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
    api =
        ContractClient.deployGateway(
            vertx,
            new JsonObject().put("services", new JsonArray().add("gateway")),
            adminToken,
            new JsonObject().put("url", "http://127.0.0.1:1"),
            new JsonObject()
                .put("dataDir", dataDir.toString())
                .put("sessionLifetime", 3)
                .put("corsOrigins", new JsonArray().add(APP))
                .put(
                    "auth",
                    new JsonObject()
                        .put("adminToken", adminToken)
                        .put("viewerToken", ContractClient.VIEWER_TOKEN)
                        .put("emitToken", EMIT))
                .mergeIn(more));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void theAdminTokenBuysAJwtInTheBodyAndAnHttpOnlyCookie() throws Exception {
    HttpResponse<Buffer> signedIn = api.valid(HttpMethod.POST, "/api/v1/auth/login", 200);
    JsonObject session = signedIn.bodyAsJsonObject();
    assertThat(session.getString("role")).isEqualTo("admin");
    assertThat(session.getString("name")).isEqualTo("admin token");
    assertThat(Instant.parse(session.getString("expiresAt")))
        .isBetween(Instant.now().plusSeconds(1), Instant.now().plusSeconds(4));
    String jwt = session.getString("token");
    assertThat(jwt.split("\\.")).hasSize(3);
    String cookie = signedIn.getHeader("Set-Cookie");
    assertThat(cookie)
        .startsWith("switchboard_session=" + jwt)
        .containsIgnoringCase("HttpOnly")
        .contains("SameSite=Strict", "Path=/", "Max-Age=3");
    assertThat(signedIn.getHeader("Cache-Control")).isEqualTo("no-store");

    // the JWT as a bearer token, and the cookie alone
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", jwt).statusCode()).isEqualTo(503);
    assertThat(withCookie(HttpMethod.GET, "/api/v1/system/info", jwt).statusCode()).isEqualTo(503);
    // the admin's JWT administers
    assertThat(withCookie(HttpMethod.POST, "/api/v1/auth/keys/rotate", jwt).statusCode())
        .isEqualTo(204);

    // refresh with the cookie: a new JWT
    HttpResponse<Buffer> refreshed = withCookie(HttpMethod.POST, "/api/v1/auth/refresh", jwt);
    assertThat(refreshed.statusCode()).isEqualTo(200);
    api.validate(HttpMethod.POST, "/api/v1/auth/refresh", refreshed);
    assertThat(refreshed.bodyAsJsonObject().getString("role")).isEqualTo("admin");

    // expired: refused, cookie or header
    Thread.sleep(4_000);
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", jwt).statusCode()).isEqualTo(401);
    assertThat(withCookie(HttpMethod.POST, "/api/v1/auth/refresh", jwt).statusCode())
        .isEqualTo(401);
  }

  @Test
  void aViewersJwtKeepsTheViewersRoleAndTheEmitTokenCannotSignIn() {
    HttpResponse<Buffer> viewer =
        api.send(
            HttpMethod.POST, "/api/v1/auth/login", ContractClient.VIEWER_TOKEN, null, Map.of());
    assertThat(viewer.statusCode()).isEqualTo(200);
    String jwt = viewer.bodyAsJsonObject().getString("token");
    HttpResponse<Buffer> start = api.call(HttpMethod.POST, "/api/v1/services/a/start", jwt);
    assertThat(start.statusCode()).isEqualTo(403);
    assertThat(start.bodyAsJsonObject().getString("detail"))
        .isEqualTo("the viewer role may not operate");

    HttpResponse<Buffer> emitter = api.call(HttpMethod.POST, "/api/v1/auth/login", EMIT);
    assertThat(emitter.statusCode()).isEqualTo(403);
    api.validate(HttpMethod.POST, "/api/v1/auth/login", emitter);

    HttpResponse<Buffer> wrong = api.call(HttpMethod.POST, "/api/v1/auth/login", "nope-0123456789");
    assertThat(wrong.statusCode()).isEqualTo(401);
    api.validate(HttpMethod.POST, "/api/v1/auth/login", wrong);
  }

  @Test
  void aForgedOrTamperedJwtIsRefused() {
    String jwt = login();
    String[] parts = jwt.split("\\.");
    String payload =
        new String(java.util.Base64.getUrlDecoder().decode(parts[1]))
            .replace("\"admin token\"", "\"someone else\"");
    String forged =
        parts[0]
            + "."
            + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes())
            + "."
            + parts[2];
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", forged).statusCode()).isEqualTo(401);
    String none =
        java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes())
            + "."
            + parts[1]
            + ".";
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", none).statusCode()).isEqualTo(401);
  }

  @Test
  void theKeyIsPrivateAndRotatesWithoutARestartKeepingEarlierJwtsUntilTheyExpire()
      throws Exception {
    String before = login();
    Path keyFile = dataDir.resolve("session.key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
        .isEqualTo("rw-------");
    String oldKey = Files.readString(keyFile);

    api.valid(HttpMethod.POST, "/api/v1/auth/keys/rotate", 204);

    assertThat(Files.readString(keyFile)).isNotEqualTo(oldKey);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
        .isEqualTo("rw-------");
    String after = login();
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", before).statusCode())
        .as("a JWT of the previous key, not expired")
        .isEqualTo(503);
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", after).statusCode()).isEqualTo(503);
    HttpResponse<Buffer> viewer =
        api.call(HttpMethod.POST, "/api/v1/auth/keys/rotate", ContractClient.VIEWER_TOKEN);
    assertThat(viewer.statusCode()).isEqualTo(403);
  }

  /**
   * Bug: a JWT bought with the admin token stayed good after the admin token was changed (the
   * session key is kept in DATA_DIR across restarts), and refresh after refresh renewed it.
   */
  @Test
  void aSessionEndsWhenTheConfiguredTokenItWasBoughtWithChanges() throws Exception {
    String admins = login();
    String viewers =
        api.send(HttpMethod.POST, "/api/v1/auth/login", ContractClient.VIEWER_TOKEN, null, Map.of())
            .bodyAsJsonObject()
            .getString("token");
    vertx.close().await();

    start(ADMIN + "-changed");

    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", admins).statusCode())
        .as("the session of the admin token that was")
        .isEqualTo(401);
    assertThat(api.call(HttpMethod.POST, "/api/v1/auth/refresh", admins).statusCode())
        .isEqualTo(401);
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", viewers).statusCode())
        .as("the viewer token did not change")
        .isEqualTo(503);
  }

  /**
   * Bug: a session was renewed for as long as anyone refreshed it, so a JWT taken from a browser
   * was good for ever. Now no JWT expires later than the session's maximum age after its sign-in.
   */
  @Test
  void aSessionIsNotRenewedPastItsMaximumAge() throws Exception {
    vertx.close().await();
    start(ADMIN, new JsonObject().put("sessionMaxAge", 4));
    String jwt = login();
    Instant signedIn = Instant.now();
    Thread.sleep(2_000);
    HttpResponse<Buffer> refreshed = api.call(HttpMethod.POST, "/api/v1/auth/refresh", jwt);
    assertThat(refreshed.statusCode()).isEqualTo(200);
    String later = refreshed.bodyAsJsonObject().getString("token");
    assertThat(Instant.parse(refreshed.bodyAsJsonObject().getString("expiresAt")))
        .as("the session's end, not the JWT lifetime's (3 s after the refresh)")
        .isBeforeOrEqualTo(signedIn.plusSeconds(4));
    Thread.sleep(Math.max(0, Duration.between(Instant.now(), signedIn.plusSeconds(4)).toMillis()));
    assertThat(api.call(HttpMethod.POST, "/api/v1/auth/refresh", later).statusCode())
        .isEqualTo(401);
  }

  /**
   * Each sign-in is a session of its own, which a refresh keeps: {@code auth.verify} names it
   * beside the caller, as what a sign-out's revocation names.
   */
  @Test
  void aRefreshKeepsTheSessionAndAuthVerifyNamesIt() {
    String jwt = login();
    String refreshed = refresh(jwt);
    String another = login();

    JsonObject first = verify(jwt);
    assertThat(first.getString("name")).isEqualTo("admin token");
    assertThat(first.getString("session")).matches("session:[A-Za-z0-9_-]{22}");
    assertThat(verify(refreshed).getString("session")).isEqualTo(first.getString("session"));
    assertThat(verify(another).getString("session"))
        .as("another sign-in")
        .isNotEqualTo(first.getString("session"));
  }

  /**
   * Bug: signing out only cleared the cookie. The JWT stayed good until it expired, and it (or a
   * copy refreshed before) could be renewed for the session's 7 days. Now the session ends: each of
   * its JWTs is refused on the API, on refresh and on {@code auth.verify}; another session of the
   * same token, and the token itself, go on. Signing out with a token ends no session.
   */
  @Test
  void signingOutEndsTheSessionOfTheJwtItCameWith() {
    String jwt = login();
    String refreshed = refresh(jwt);
    String another = login();
    String byCookie = login();
    // accepted, and the answers kept a while by the authenticator
    for (String session : new String[] {jwt, refreshed, another, byCookie}) {
      assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", session).statusCode())
          .isEqualTo(503);
    }

    HttpResponse<Buffer> out = api.call(HttpMethod.POST, "/api/v1/auth/logout", jwt);
    assertThat(out.statusCode()).isEqualTo(204);
    api.validate(HttpMethod.POST, "/api/v1/auth/logout", out);
    assertThat(out.getHeader("Set-Cookie"))
        .startsWith("switchboard_session=;")
        .contains("Max-Age=0");

    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", jwt).statusCode()).isEqualTo(401);
    assertThat(api.call(HttpMethod.POST, "/api/v1/auth/refresh", jwt).statusCode()).isEqualTo(401);
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", refreshed).statusCode())
        .as("a JWT of the same session, refreshed before the sign-out")
        .isEqualTo(401);
    assertThat(api.call(HttpMethod.POST, "/api/v1/auth/refresh", refreshed).statusCode())
        .isEqualTo(401);
    assertVerifyRefuses(jwt);
    assertVerifyRefuses(refreshed);
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", another).statusCode())
        .as("another session of the same token")
        .isEqualTo(503);

    // as the app signs out: the cookie alone
    assertThat(withCookie(HttpMethod.POST, "/api/v1/auth/logout", byCookie).statusCode())
        .isEqualTo(204);
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", byCookie).statusCode())
        .isEqualTo(401);

    // a token is no session: the cookie is cleared, nothing is revoked
    assertThat(api.call(HttpMethod.POST, "/api/v1/auth/logout", ADMIN).statusCode()).isEqualTo(204);
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", ADMIN).statusCode()).isEqualTo(503);
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", another).statusCode())
        .isEqualTo(503);
    assertThat(refresh(another)).isNotNull();
  }

  /**
   * A sign-out holds after the gateway restarts on the same DATA_DIR (the key) and database: the
   * gateway keeps the sessions signed out in the database until their JWTs have expired.
   */
  @Test
  void aSignOutHoldsAfterARestart() throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "auth");
    JsonObject more =
        new JsonObject()
            .put("sessionLifetime", 60)
            .put("database", new JsonObject().put("url", url));
    vertx.close().await();
    start(ADMIN, more);
    String jwt = login();
    String refreshed = refresh(jwt);
    String another = login();
    assertThat(api.call(HttpMethod.POST, "/api/v1/auth/logout", jwt).statusCode()).isEqualTo(204);
    vertx.close().await();

    start(ADMIN, more);

    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", jwt).statusCode()).isEqualTo(401);
    assertThat(api.call(HttpMethod.POST, "/api/v1/auth/refresh", refreshed).statusCode())
        .as("the signed-out session, after the restart")
        .isEqualTo(401);
    assertVerifyRefuses(refreshed);
    assertThat(api.call(HttpMethod.GET, "/api/v1/system/info", another).statusCode())
        .as("another session")
        .isEqualTo(503);
  }

  /** {@code auth.verify} answers 401 for {@code token}. */
  private void assertVerifyRefuses(String token) {
    assertThatThrownBy(() -> verify(token))
        .isInstanceOfSatisfying(
            ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(401));
  }

  /** A new session's JWT, signed in with the request's token (the admin token). */
  private String login() {
    return api.valid(HttpMethod.POST, "/api/v1/auth/login", 200)
        .bodyAsJsonObject()
        .getString("token");
  }

  /** A JWT of {@code jwt}'s session, bought with it. */
  private String refresh(String jwt) {
    HttpResponse<Buffer> refreshed = api.call(HttpMethod.POST, "/api/v1/auth/refresh", jwt);
    assertThat(refreshed.statusCode()).as(refreshed.bodyAsString()).isEqualTo(200);
    return refreshed.bodyAsJsonObject().getString("token");
  }

  /** The gateway's answer to {@code auth.verify} for {@code token}. */
  private JsonObject verify(String token) {
    return vertx
        .eventBus()
        .<JsonObject>request(Addresses.AUTH_VERIFY, new JsonObject().put("token", token))
        .await()
        .body();
  }

  /** With the session cookie, as the page of an allowed origin sends it. */
  private HttpResponse<Buffer> withCookie(HttpMethod method, String path, String jwt) {
    return api.send(
        method, path, null, null, Map.of("Cookie", "switchboard_session=" + jwt, "Origin", APP));
  }

  /** CSRF: the cookie does not change anything for a request without an allowed Origin. */
  @Test
  void theCookieChangesNothingWithoutAnAllowedOrigin() {
    String jwt = login();
    String cookie = "switchboard_session=" + jwt;
    HttpResponse<Buffer> noOrigin =
        api.send(HttpMethod.POST, "/api/v1/auth/keys/rotate", null, null, Map.of("Cookie", cookie));
    assertThat(noOrigin.statusCode()).isEqualTo(403);
    assertThat(noOrigin.bodyAsJsonObject().getString("detail")).contains("needs an Origin header");
    HttpResponse<Buffer> otherSite =
        api.send(
            HttpMethod.POST,
            "/api/v1/auth/keys/rotate",
            null,
            null,
            Map.of("Cookie", cookie, "Origin", "http://evil.test"));
    assertThat(otherSite.statusCode()).isEqualTo(403);
    assertThat(withCookie(HttpMethod.POST, "/api/v1/auth/keys/rotate", jwt).statusCode())
        .isEqualTo(204);
  }
}
