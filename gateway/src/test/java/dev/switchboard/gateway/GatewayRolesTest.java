package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.auth.Access;
import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.Role;
import dev.switchboard.common.http.Problems;
import dev.switchboard.common.observability.Telemetry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The role table on every API route the gateway serves, with no service behind the gateway. The
 * routes and their actions are read from the gateway's own router, so a new route is covered as
 * soon as it exists: a request the role may make passes and gets the gateway's own answer (the
 * contract, or 503 since nobody answers), one it may not gets 403 problem+json naming the role and
 * the action.
 */
class GatewayRolesTest {

  private static final String ASSET = "6f1c2b9e-0d4a-4c5e-9a7b-1e2f3a4b5c6d";
  private static final Map<Role, String> TOKENS = new EnumMap<>(Role.class);

  static {
    TOKENS.put(Role.ADMIN, "test-admin-token-0123456789");
    TOKENS.put(Role.OPERATOR, "test-operator-token-0123456789");
    TOKENS.put(Role.VIEWER, "test-viewer-token-0123456789");
    TOKENS.put(Role.EMITTER, "test-emit-token-0123456789");
  }

  /** A request to one route: the method and a concrete path. */
  private record Call(HttpMethod method, String path, Action action) {}

  private Vertx vertx;
  private GatewayVerticle gateway;
  private WebClient client;

  @BeforeEach
  void deploy() {
    vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
    gateway = new GatewayVerticle();
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
                                .put("adminToken", TOKENS.get(Role.ADMIN))
                                .put("operatorToken", TOKENS.get(Role.OPERATOR))
                                .put("viewerToken", TOKENS.get(Role.VIEWER))
                                .put("emitToken", TOKENS.get(Role.EMITTER)))))
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

  @ParameterizedTest
  @EnumSource(Role.class)
  void everyApiRouteFollowsTheRoleTable(Role role) {
    List<Call> calls = calls();
    for (Call call : calls) {
      HttpResponse<Buffer> response = call(call.method(), call.path(), TOKENS.get(role));
      String what = role.label() + " " + call;
      if (role.may(call.action())) {
        assertThat(response.statusCode()).as(what).isNotIn(401, 403);
      } else {
        assertThat(response.statusCode()).as(what).isEqualTo(403);
        assertThat(response.getHeader("Content-Type")).as(what).isEqualTo(Problems.CONTENT_TYPE);
        if (call.method() != HttpMethod.HEAD) { // an answer to HEAD has no body
          assertThat(response.bodyAsJsonObject().getString("detail"))
              .as(what)
              .isEqualTo("the " + role.label() + " role may not " + call.action().label());
        }
      }
    }
  }

  @Test
  void everyApiRouteNamesItsAction() {
    List<String> unnamed = new ArrayList<>();
    for (Route route : gateway.routes()) {
      String path = route.getPath();
      if (path != null
          && path.startsWith("/api")
          && !path.equals("/api/")
          && !Access.isExempt(route)
          && Access.actionOf(route).isEmpty()) {
        unnamed.add(route.methods() + " " + path);
      }
    }
    assertThat(unnamed).isEmpty();
    assertThat(calls())
        .as("the table covers what the issue names")
        .contains(
            new Call(HttpMethod.POST, "/api/v1/services/a/start", Action.OPERATE),
            new Call(HttpMethod.POST, "/api/v1/deployments/" + ASSET + "/cancel", Action.OPERATE),
            new Call(HttpMethod.POST, "/api/v1/assets/confirm", Action.OPERATE),
            new Call(HttpMethod.POST, "/api/v1/assets/reject", Action.OPERATE),
            new Call(HttpMethod.POST, "/api/v1/services", Action.ADMINISTER),
            new Call(HttpMethod.PUT, "/api/v1/services/a", Action.ADMINISTER),
            new Call(HttpMethod.DELETE, "/api/v1/services/a", Action.ADMINISTER),
            new Call(HttpMethod.GET, "/api/v1/services", Action.READ));
  }

  /**
   * The one exemption from the bearer check is the first-start link's code exchange: every other
   * API route, with no credential, is 401; that one answers for itself (400: the body has no code).
   */
  @Test
  void everyApiRouteButTheCodeExchangeDemandsACredential() {
    List<String> exempt = new ArrayList<>();
    for (Route route : gateway.routes()) {
      if (Access.isExempt(route)) {
        exempt.add(route.methods() + " " + route.getPath());
      }
    }
    assertThat(exempt).containsExactly("[POST] /api/v1/auth/code");
    List<Call> calls = calls();
    assertThat(calls).hasSizeGreaterThan(20);
    for (Call call : calls) {
      HttpResponse<Buffer> response = call(call.method(), call.path(), null);
      assertThat(response.statusCode()).as(call.toString()).isEqualTo(401);
    }
    HttpResponse<Buffer> code = call(HttpMethod.POST, "/api/v1/auth/code", null);
    assertThat(code.statusCode()).isEqualTo(400);
    assertThat(
            code.bodyAsJsonObject()
                .getJsonArray("invalid-params")
                .getJsonObject(0)
                .getString("name"))
        .isEqualTo("code");
    // exactly that path: a neighbour of it is not exempt
    assertThat(call(HttpMethod.POST, "/api/v1/auth/code/x", null).statusCode()).isEqualTo(401);
    assertThat(call(HttpMethod.POST, "/api/v1/auth/codes", null).statusCode()).isEqualTo(401);
  }

  @Test
  void anUnknownTokenIs401() {
    HttpResponse<Buffer> unknown =
        call(HttpMethod.GET, "/api/v1/services", "not-a-known-token-0123456789");
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(unknown.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
  }

  /** One call per method of every API route of the gateway, with its path parameters filled. */
  private List<Call> calls() {
    List<Call> calls = new ArrayList<>();
    for (Route route : gateway.routes()) {
      Action action = Access.actionOf(route).orElse(null);
      if (action == null || route.getPath() == null) {
        continue;
      }
      // a service's name, or a UUID (an asset, a deployment, an upload, a token)
      String path = route.getPath().replace(":name", "a").replaceAll(":\\w+", ASSET);
      List<HttpMethod> methods =
          route.methods() == null || route.methods().isEmpty()
              ? List.of(HttpMethod.POST, HttpMethod.PATCH, HttpMethod.DELETE)
              : List.copyOf(route.methods());
      for (HttpMethod method : methods) {
        calls.add(new Call(method, path, action));
      }
    }
    return calls;
  }

  private HttpResponse<Buffer> call(HttpMethod method, String path, String token) {
    HttpRequest<Buffer> request = client.request(method, path);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return method == HttpMethod.GET || method == HttpMethod.DELETE
        ? request.send().await()
        : request.sendJsonObject(new JsonObject()).await();
  }
}
