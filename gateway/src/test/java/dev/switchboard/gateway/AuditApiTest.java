package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.auth.SignInCodes;
import dev.switchboard.common.bus.Addresses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log through the API, on a gateway with the real supervisor, file-processor and
 * PostgreSQL: each family of control actions leaves an entry with who, what, on what, from where
 * and how it ended (a refused attempt and a bad request too), a failed sign-in is recorded as such,
 * no entry holds a secret, the hub's entries arrive over the event bus, and {@code GET
 * /api/v1/audit} is the admin's and pages. Every answer is checked against the contract.
 */
class AuditApiTest {

  private static final String ADMIN = "test-admin-token-audit-0123456789";
  private static final String OPERATOR = "test-operator-token-audit-0123456789";
  private static final String VIEWER = "test-viewer-token-audit-0123456789";
  private static final String ENV_SECRET = "sk-audit-env-value-0123456789";
  private static final String LOCAL = "127.0.0.1";

  private SupervisedGateway gateway;
  private ContractClient api;

  @BeforeEach
  void start() throws Exception {
    gateway =
        SupervisedGateway.startWithAudit(
            ADMIN,
            new JsonObject()
                .put("adminToken", ADMIN)
                .put("operatorToken", OPERATOR)
                .put("viewerToken", VIEWER));
    api = gateway.api;
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void serviceControlsAreRecordedWithWhoWhatOutcomeAndAddress() {
    api.valid(HttpMethod.POST, "/api/v1/services", definition("web", "first"), 201);
    api.valid(HttpMethod.PUT, "/api/v1/services/web", definition("web", "second"), 200);
    as(OPERATOR, HttpMethod.POST, "/api/v1/services/web/start", 200);
    as(OPERATOR, HttpMethod.POST, "/api/v1/services/web/restart", 200);
    as(OPERATOR, HttpMethod.POST, "/api/v1/services/refresh", 200);
    as(OPERATOR, HttpMethod.POST, "/api/v1/services/web/stop", 200);
    as(OPERATOR, HttpMethod.POST, "/api/services/web/start", 200);
    as(OPERATOR, HttpMethod.POST, "/api/services/web/stop", 200);
    as(VIEWER, HttpMethod.POST, "/api/v1/services/web/start", 403);
    as(OPERATOR, HttpMethod.POST, "/api/v1/services/nobody/start", 404);
    as(OPERATOR, HttpMethod.DELETE, "/api/v1/services/web", 403);
    api.valid(HttpMethod.POST, "/api/v1/services", new JsonObject().put("name", "bad"), 400);
    api.valid(HttpMethod.DELETE, "/api/v1/services/web", 200);

    JsonArray entries = entries("");
    JsonObject entry = one(entries, "service.create", "ok", "web");
    assertThat(entry.getString("actor")).isEqualTo("admin");
    assertThat(entry.getString("role")).isEqualTo("admin");
    assertThat(entry.getInteger("status")).isEqualTo(201);
    assertThat(entry.getString("address")).isEqualTo(LOCAL);
    assertThat(entry.getString("via")).isEqualTo("api");
    assertThat(entry.getString("detail")).isNull();
    assertThat(Instant.parse(entry.getString("at")))
        .isBetween(Instant.now().minusSeconds(120), Instant.now());
    assertThat(one(entries, "service.update", "ok", "web").getString("actor")).isEqualTo("admin");
    assertThat(count(entries, "service.start", "ok", "web")).as("v1 and the seed's").isEqualTo(2);
    assertThat(count(entries, "service.stop", "ok", "web")).isEqualTo(2);
    JsonObject restarted = one(entries, "service.restart", "ok", "web");
    assertThat(restarted.getString("actor")).isEqualTo("operator");
    assertThat(restarted.getString("role")).isEqualTo("operator");
    assertThat(one(entries, "services.refresh", "ok", null).getInteger("status")).isEqualTo(200);

    JsonObject refused = one(entries, "service.start", "refused", "web");
    assertThat(refused.getString("actor")).isEqualTo("viewer");
    assertThat(refused.getInteger("status")).isEqualTo(403);
    assertThat(refused.getString("detail")).isEqualTo("the viewer role may not operate");
    assertThat(one(entries, "service.delete", "refused", "web").getString("detail"))
        .isEqualTo("the operator role may not administer");

    JsonObject unknown = one(entries, "service.start", "failed", "nobody");
    assertThat(unknown.getInteger("status")).isEqualTo(404);
    assertThat(unknown.getString("detail")).contains("nobody");
    JsonObject invalid = one(entries, "service.create", "failed", "bad");
    assertThat(invalid.getInteger("status")).isEqualTo(400);
    assertThat(invalid.getString("detail")).isNotBlank();
    assertThat(one(entries, "service.delete", "ok", "web").getInteger("status")).isEqualTo(200);

    // reads are not control actions
    assertThat(entries.size()).isEqualTo(13);
    assertNoSecret(entries, ENV_SECRET);
  }

  @Test
  void deploymentsUploadsAssetsAndTokensAreRecorded(@TempDir Path dir) throws Exception {
    api.valid(HttpMethod.POST, "/api/v1/services", definition("app", "v1"), 201);
    api.valid(
        HttpMethod.POST,
        "/api/v1/deployments",
        new JsonObject()
            .put("service", "app")
            .put("steps", new JsonArray().add(new JsonArray().add("true"))),
        202);
    as(OPERATOR, HttpMethod.POST, "/api/v1/deployments/999/cancel", 404);

    Path file = dir.resolve("audit.txt");
    Files.writeString(file, "hello audit\n");
    HttpResponse<Buffer> uploaded =
        api.request(HttpMethod.POST, "/api/v1/files")
            .bearerTokenAuthentication(OPERATOR)
            .sendMultipartForm(
                MultipartForm.create()
                    .textFileUpload("file", "note.txt", file.toString(), "text/plain"))
            .await();
    assertThat(uploaded.statusCode()).as(uploaded.bodyAsString()).isEqualTo(201);

    // a tus upload: its creation is audited, not each PATCH
    HttpResponse<Buffer> created =
        api.request(HttpMethod.POST, "/api/v1/uploads/")
            .bearerTokenAuthentication(OPERATOR)
            .putHeader("Tus-Resumable", "1.0.0")
            .putHeader("Upload-Length", "5")
            .putHeader("Upload-Metadata", "filename aGkudHh0")
            .send()
            .await();
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String tus = URI.create(created.getHeader("Location")).getPath();
    HttpResponse<Buffer> appended =
        api.request(HttpMethod.PATCH, tus)
            .bearerTokenAuthentication(OPERATOR)
            .putHeader("Tus-Resumable", "1.0.0")
            .putHeader("Upload-Offset", "0")
            .putHeader("Content-Type", "application/offset+octet-stream")
            .sendBuffer(Buffer.buffer("hello"))
            .await();
    assertThat(appended.statusCode()).isEqualTo(204);

    String asset = UUID.randomUUID().toString();
    as(
        OPERATOR,
        HttpMethod.POST,
        "/api/v1/assets/confirm",
        new JsonObject().put("ids", new JsonArray().add(asset)),
        200);
    as(
        OPERATOR,
        HttpMethod.POST,
        "/api/v1/assets/reject",
        new JsonObject().put("ids", new JsonArray().add(asset)),
        200);
    as(OPERATOR, HttpMethod.DELETE, "/api/v1/assets/" + asset, 403);
    api.valid(HttpMethod.DELETE, "/api/v1/assets/" + asset, 404);

    JsonObject token =
        api.valid(
                HttpMethod.POST,
                "/api/v1/tokens",
                new JsonObject().put("name", "ci deploys").put("role", "operator"),
                201)
            .bodyAsJsonObject();
    String secret = token.getString("token");
    // a named token is its name in the log
    as(secret, HttpMethod.POST, "/api/v1/services/app/stop", 200);
    api.valid(HttpMethod.DELETE, "/api/v1/tokens/" + token.getString("id"), 204);

    JsonArray entries = entries("");
    assertThat(one(entries, "deployment.create", "ok", "app").getInteger("status")).isEqualTo(202);
    assertThat(one(entries, "deployment.cancel", "failed", "999").getString("actor"))
        .isEqualTo("operator");
    assertThat(count(entries, "upload.create", null, null)).as("multipart and tus").isEqualTo(2);
    assertThat(one(entries, "upload.create", "ok", tus).getString("actor")).isEqualTo("operator");
    JsonObject upload =
        matching(entries, "upload.create", "ok", null).stream()
            .filter(entry -> entry.getValue("target") == null)
            .findFirst()
            .orElseThrow();
    assertThat(upload.getString("actor")).isEqualTo("operator");
    assertThat(upload.getInteger("status")).isEqualTo(201);
    assertThat(one(entries, "assets.confirm", null, asset).getString("actor"))
        .isEqualTo("operator");
    assertThat(one(entries, "assets.reject", null, asset).getString("actor")).isEqualTo("operator");
    assertThat(one(entries, "asset.delete", "refused", asset).getString("actor"))
        .isEqualTo("operator");
    assertThat(one(entries, "asset.delete", "failed", asset).getInteger("status")).isEqualTo(404);
    assertThat(one(entries, "token.create", "ok", "ci deploys").getString("actor"))
        .isEqualTo("admin");
    assertThat(one(entries, "service.stop", "ok", "app").getString("actor"))
        .isEqualTo("ci deploys");
    assertThat(one(entries, "token.delete", "ok", token.getString("id")).getInteger("status"))
        .isEqualTo(204);
    assertNoSecret(entries, secret, ENV_SECRET);
  }

  @Test
  void signInsFailedSignInsAndSessionChangesAreRecorded() {
    HttpResponse<Buffer> signedIn = as(ADMIN, HttpMethod.POST, "/api/v1/auth/login", 200);
    String jwt = signedIn.bodyAsJsonObject().getString("token");
    as(
        "sbt_not-a-token-of-anyone-0123456789abcdefghij",
        HttpMethod.POST,
        "/api/v1/auth/login",
        401);
    as("not-a-known-token-0123456789", HttpMethod.POST, "/api/v1/services/web/start", 401);
    // a read with a stale token is not a sign-in attempt worth a line each time
    as("not-a-known-token-0123456789", HttpMethod.GET, "/api/v1/services", 401);
    // no token at all: nobody to name, nothing tried
    api.send(HttpMethod.POST, "/api/v1/auth/login", null, null, Map.of());
    as(jwt, HttpMethod.POST, "/api/v1/services/refresh", 200);
    as(jwt, HttpMethod.POST, "/api/v1/auth/logout", 204);
    as(ADMIN, HttpMethod.POST, "/api/v1/auth/keys/rotate", 204);
    as(VIEWER, HttpMethod.POST, "/api/v1/auth/keys/rotate", 403);

    JsonArray entries = entries("");
    JsonObject signIn = one(entries, "session.signin", "ok", null);
    assertThat(signIn.getString("actor")).isEqualTo("admin");
    assertThat(signIn.getString("address")).isEqualTo(LOCAL);
    List<JsonObject> atSignIn =
        matching(entries, "session.signin-failed", "failed", null).stream()
            .filter(entry -> entry.getValue("target") == null)
            .toList();
    assertThat(atSignIn).hasSize(1);
    JsonObject failed = atSignIn.get(0);
    assertThat(failed.getString("actor")).isEqualTo("unknown");
    assertThat(failed.getString("role")).isNull();
    assertThat(failed.getInteger("status")).isEqualTo(401);
    assertThat(failed.getString("detail")).isEqualTo("the bearer token is not valid");
    assertThat(failed.getString("address")).isEqualTo(LOCAL);
    assertThat(
            one(entries, "session.signin-failed", "failed", "POST /api/v1/services/web/start")
                .getString("actor"))
        .isEqualTo("unknown");
    assertThat(count(entries, "session.signin-failed", null, null)).isEqualTo(2);
    // the session speaks for the admin token it was made with
    assertThat(one(entries, "services.refresh", "ok", null).getString("actor")).isEqualTo("admin");
    assertThat(one(entries, "session.signout", "ok", null).getString("actor")).isEqualTo("admin");
    assertThat(one(entries, "session.key-rotate", "ok", null).getInteger("status")).isEqualTo(204);
    assertThat(one(entries, "session.key-rotate", "refused", null).getString("actor"))
        .isEqualTo("viewer");
    assertThat(entries.size()).isEqualTo(7);
    assertNoSecret(entries, jwt);
  }

  /**
   * A NUL in a path (as {@code %00}) is recorded, as U+FFFD: PostgreSQL text cannot hold NUL, and a
   * batch the database refuses must neither lose the entry nor hold back those after it.
   */
  @Test
  void aNulInAPathIsRecordedAndHoldsNothingBack() {
    HttpResponse<Buffer> odd =
        api.send(HttpMethod.POST, "/api/v1/services/we%00b/start", OPERATOR, null, Map.of());
    assertThat(odd.statusCode()).as(odd.bodyAsString()).isBetween(400, 499);
    as(OPERATOR, HttpMethod.POST, "/api/v1/services/refresh", 200);

    JsonArray entries = entries("");
    assertThat(one(entries, "service.start", "failed", "we\uFFFDb").getInteger("status"))
        .isEqualTo(odd.statusCode());
    assertThat(one(entries, "services.refresh", "ok", null).getString("actor"))
        .isEqualTo("operator");
  }

  @Test
  void theLogIsTheAdminsAndPagesNewestFirst() {
    for (int i = 0; i < 5; i++) {
      as(OPERATOR, HttpMethod.POST, "/api/v1/services/s" + i + "/start", 404);
    }
    as(VIEWER, HttpMethod.POST, "/api/v1/services/s9/start", 403);
    for (String token : List.of(OPERATOR, VIEWER)) {
      HttpResponse<Buffer> refused =
          api.send(HttpMethod.GET, "/api/v1/audit", token, null, Map.of());
      assertThat(refused.statusCode()).isEqualTo(403);
      api.validate(HttpMethod.GET, "/api/v1/audit", refused);
    }

    JsonObject first = api.valid(HttpMethod.GET, "/api/v1/audit?limit=2", 200).bodyAsJsonObject();
    JsonArray page = first.getJsonArray("entries");
    assertThat(page).hasSize(2);
    // newest first: the viewer's refusal, then the last 404
    assertThat(page.getJsonObject(0).getString("outcome")).isEqualTo("refused");
    assertThat(page.getJsonObject(1).getString("target")).isEqualTo("s4");
    long next = first.getLong("next");
    assertThat(next).isEqualTo(page.getJsonObject(1).getLong("id"));

    JsonObject second =
        api.valid(HttpMethod.GET, "/api/v1/audit?limit=3&before=" + next, 200).bodyAsJsonObject();
    assertThat(
            second.getJsonArray("entries").stream().map(e -> ((JsonObject) e).getString("target")))
        .containsExactly("s3", "s2", "s1");
    JsonObject last =
        api.valid(HttpMethod.GET, "/api/v1/audit?limit=3&before=" + second.getLong("next"), 200)
            .bodyAsJsonObject();
    assertThat(last.getJsonArray("entries")).hasSize(1);
    assertThat(last.getValue("next")).isNull();

    assertThat(entries("&outcome=refused")).hasSize(1);
    assertThat(entries("&actor=operator")).hasSize(5);
    assertThat(entries("&action=service.stop")).isEmpty();
    assertThat(entries("&action=service.start&outcome=failed&actor=operator")).hasSize(5);
    api.valid(HttpMethod.GET, "/api/v1/audit?limit=501", 400);
    api.valid(HttpMethod.GET, "/api/v1/audit?outcome=maybe", 400);
    api.valid(HttpMethod.GET, "/api/v1/audit?before=x", 400);
  }

  @Test
  void theHubsEntriesArriveOverTheEventBus() {
    gateway
        .vertx
        .eventBus()
        .send(
            Addresses.AUDIT_RECORD,
            new JsonObject()
                .put("at", Instant.now().toString())
                .put("actor", "operator")
                .put("role", "operator")
                .put("action", "service.start")
                .put("target", "web")
                .put("outcome", "ok")
                .put("address", "10.0.0.7"));
    // what is not an audited action is not stored
    gateway
        .vertx
        .eventBus()
        .send(
            Addresses.AUDIT_RECORD,
            new JsonObject().put("actor", "x").put("action", "anything").put("outcome", "ok"));
    JsonArray entries = await(all -> !all.isEmpty());
    JsonObject entry = one(entries, "service.start", "ok", "web");
    assertThat(entry.getString("via")).isEqualTo("hub");
    assertThat(entry.getValue("status")).isNull();
    assertThat(entry.getString("address")).isEqualTo("10.0.0.7");
    assertThat(entry.getString("actor")).isEqualTo("operator");
    assertThat(entries).hasSize(1);
  }

  private JsonArray await(Predicate<JsonArray> done) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      JsonArray entries = entries("");
      if (done.test(entries) || System.nanoTime() > deadline) {
        return entries;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return entries;
      }
    }
  }

  @Test
  void aFirstStartLinksSignInAndAWrongCodeAreRecorded() {
    String code = SignInCodes.issue(gateway.vertx, SignInCodes.VALID_FOR);
    JsonObject body = new JsonObject().put("code", code);
    HttpResponse<Buffer> signedIn =
        api.send(HttpMethod.POST, "/api/v1/auth/code", null, body, Map.of());
    assertThat(signedIn.statusCode()).as(signedIn.bodyAsString()).isEqualTo(200);
    HttpResponse<Buffer> used =
        api.send(HttpMethod.POST, "/api/v1/auth/code", null, body, Map.of());
    assertThat(used.statusCode()).isEqualTo(401);

    JsonArray entries = entries("");
    JsonObject signIn = one(entries, "session.signin", "ok", null);
    assertThat(signIn.getString("actor")).isEqualTo("first-start link");
    assertThat(signIn.getString("role")).isEqualTo("admin");
    assertThat(signIn.getString("address")).isEqualTo(LOCAL);
    JsonObject refused = one(entries, "session.signin-failed", "failed", null);
    assertThat(refused.getString("actor")).isEqualTo("unknown");
    assertThat(refused.getInteger("status")).isEqualTo(401);
    assertThat(refused.getString("detail")).contains("code");
    assertNoSecret(entries, code, signedIn.bodyAsJsonObject().getString("token"));
  }

  private JsonArray entries(String filters) {
    return api.valid(HttpMethod.GET, "/api/v1/audit?limit=500" + filters, 200)
        .bodyAsJsonObject()
        .getJsonArray("entries");
  }

  private static JsonObject definition(String name, String version) {
    return new JsonObject()
        .put("name", name)
        .put("command", new JsonArray().add("sleep").add("300"))
        .put("env", new JsonObject().put("API_KEY", ENV_SECRET).put("VERSION", version));
  }

  private HttpResponse<Buffer> as(String token, HttpMethod method, String path, int status) {
    return as(token, method, path, null, status);
  }

  private HttpResponse<Buffer> as(
      String token, HttpMethod method, String path, JsonObject body, int status) {
    HttpResponse<Buffer> response = api.send(method, path, token, body, Map.of());
    assertThat(response.statusCode())
        .as(method + " " + path + ": " + response.bodyAsString())
        .isEqualTo(status);
    api.validate(method, path, response);
    return response;
  }

  /** The one entry of this action, outcome (any when null) and target. */
  private static JsonObject one(JsonArray entries, String action, String outcome, String target) {
    List<JsonObject> found = matching(entries, action, outcome, target);
    assertThat(found)
        .as(action + " " + outcome + " " + target + " in " + entries.encodePrettily())
        .hasSize(1);
    return found.get(0);
  }

  private static int count(JsonArray entries, String action, String outcome, String target) {
    return matching(entries, action, outcome, target).size();
  }

  private static List<JsonObject> matching(
      JsonArray entries, String action, String outcome, String target) {
    return entries.stream()
        .map(JsonObject.class::cast)
        .filter(entry -> action.equals(entry.getString("action")))
        .filter(entry -> outcome == null || outcome.equals(entry.getString("outcome")))
        .filter(entry -> target == null || target.equals(entry.getString("target")))
        .toList();
  }

  /** No entry holds a configured token, nor any of {@code secrets}. */
  private static void assertNoSecret(JsonArray entries, String... secrets) {
    String all = entries.encode();
    assertThat(all).doesNotContain(ADMIN, OPERATOR, VIEWER);
    assertThat(all).doesNotContain(secrets);
    assertThat(all).doesNotContain("sbt_");
  }
}
