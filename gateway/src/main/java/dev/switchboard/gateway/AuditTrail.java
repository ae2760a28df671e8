package dev.switchboard.gateway;

import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.auth.Caller;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ClientAddress;
import dev.switchboard.gateway.auth.AuditLog;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What the REST API writes to the {@link AuditLog}, decided in this one place: the control
 * operations of the contract and the audit action each stands for ({@link #ACTIONS}), marked on
 * their routes by {@link Operations} ({@link #marker}), and one end handler on every API request
 * ({@link #watcher}) that records a marked request once its answer is sent, with the caller, the
 * target the route names, the outcome ({@code ok} for 2xx, {@code refused} for 403 and 429, {@code
 * failed} otherwise, with the problem's detail), the status and the client's address. A request
 * refused for an unknown token before any route ran is a failed sign-in, recorded when it was a
 * sign-in or a request that changes something (reads with a stale cookie are not). Never a token, a
 * JWT or a request body: a target is a name or an id.
 */
final class AuditTrail {

  /** The routing context key of the audited action of the request's route. */
  private static final String ACTION = "switchboard.audit.action";

  /** The control operations and their audit actions; every other operation is not audited. */
  static final Map<String, String> ACTIONS =
      Map.ofEntries(
          Map.entry("startService", "service.start"),
          Map.entry("seedStartService", "service.start"),
          Map.entry("stopService", "service.stop"),
          Map.entry("seedStopService", "service.stop"),
          Map.entry("restartService", "service.restart"),
          Map.entry("createService", "service.create"),
          Map.entry("updateService", "service.update"),
          Map.entry("deleteService", "service.delete"),
          Map.entry("refreshServices", "services.refresh"),
          Map.entry("createDeployment", "deployment.create"),
          Map.entry("cancelDeployment", "deployment.cancel"),
          Map.entry("confirmAssets", "assets.confirm"),
          Map.entry("seedConfirmAssets", "assets.confirm"),
          Map.entry("rejectAssets", "assets.reject"),
          Map.entry("deleteAsset", "asset.delete"),
          Map.entry("uploadFiles", "upload.create"),
          Map.entry("seedProcessFiles", "upload.create"),
          Map.entry("tusCreate", "upload.create"),
          Map.entry("createToken", "token.create"),
          Map.entry("deleteToken", "token.delete"),
          Map.entry("signIn", "session.signin"),
          Map.entry("signInWithCode", "session.signin"),
          Map.entry("signOut", "session.signout"),
          Map.entry("rotateSessionKey", "session.key-rotate"));

  static final String SIGN_IN = "session.signin";
  static final String SIGN_IN_FAILED = "session.signin-failed";
  static final String SIGN_IN_PATH = "/api/v1/auth/login";

  private static final Set<HttpMethod> READS =
      Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

  /** What each action is done to, as the request names it (never from a secret). */
  private static final Map<String, Function<RoutingContext, String>> TARGETS =
      Map.ofEntries(
          Map.entry("service.start", ctx -> ctx.pathParam("name")),
          Map.entry("service.stop", ctx -> ctx.pathParam("name")),
          Map.entry("service.restart", ctx -> ctx.pathParam("name")),
          Map.entry("service.update", ctx -> ctx.pathParam("name")),
          Map.entry("service.delete", ctx -> ctx.pathParam("name")),
          Map.entry("service.create", ctx -> bodyText(ctx, "name")),
          Map.entry("deployment.create", ctx -> bodyText(ctx, "service")),
          Map.entry("deployment.cancel", ctx -> ctx.pathParam("id")),
          Map.entry("assets.confirm", AuditTrail::assetIds),
          Map.entry("assets.reject", AuditTrail::assetIds),
          Map.entry("asset.delete", ctx -> ctx.pathParam("id")),
          Map.entry("upload.create", AuditTrail::location),
          Map.entry("token.create", ctx -> bodyText(ctx, "name")),
          Map.entry("token.delete", ctx -> ctx.pathParam("id")));

  private final Optional<AuditLog> log;

  AuditTrail(Optional<AuditLog> log) {
    this.log = log;
  }

  /**
   * The handler that marks a request of {@code operationId}'s route as audited; empty for an
   * operation that is not. A platform handler, so it runs before the route's role check and a
   * refused request is recorded too.
   */
  Optional<Handler<RoutingContext>> marker(String operationId) {
    String action = ACTIONS.get(operationId);
    return action == null ? Optional.empty() : Optional.of(new Marker(action));
  }

  /** For every request, before the bearer check: records it once answered, when it is audited. */
  Handler<RoutingContext> watcher() {
    return ctx -> {
      if (log.isPresent() && ctx.request().path().startsWith("/api/")) {
        ctx.addEndHandler(done -> ended(ctx, done));
      }
      ctx.next();
    };
  }

  private record Marker(String action) implements PlatformHandler {
    @Override
    public void handle(RoutingContext ctx) {
      ctx.put(ACTION, action);
      ctx.next();
    }
  }

  private void ended(RoutingContext ctx, AsyncResult<Void> done) {
    String action = ctx.get(ACTION);
    int status = ctx.response().getStatusCode();
    // the code exchange of a first-start link is the one route that answers with no caller before
    Optional<Caller> caller =
        BearerAuth.callerIfKnown(ctx)
            .or(() -> Optional.ofNullable(ctx.get(SignInRoutes.SIGNED_IN)));
    if (action == null) {
      if ((status == 401 || status == 429)
          && caller.isEmpty()
          && BearerAuth.token(ctx, true).isPresent()
          && (ctx.request().path().equals(SIGN_IN_PATH)
              || !READS.contains(ctx.request().method()))) {
        String target =
            ctx.request().path().equals(SIGN_IN_PATH)
                ? null
                : ctx.request().method().name() + " " + ctx.request().path();
        record(ctx, null, SIGN_IN_FAILED, target, status, done);
      }
      return;
    }
    if (caller.isEmpty()) {
      if (action.equals(SIGN_IN) && (status == 401 || status == 429)) {
        // a wrong, used or expired first-start code
        record(ctx, null, SIGN_IN_FAILED, null, status, done);
      }
      // otherwise the route's own checks never ran without a caller
      return;
    }
    record(ctx, caller.get(), action, target(ctx, action), status, done);
  }

  private void record(
      RoutingContext ctx,
      Caller caller,
      String action,
      String target,
      int status,
      AsyncResult<Void> done) {
    String outcome;
    String detail = null;
    if (done.failed()) {
      outcome = "failed";
      detail = "the connection closed before the answer was sent";
    } else if (status >= 200 && status < 300) {
      outcome = "ok";
    } else {
      outcome = status == 403 || status == 429 ? "refused" : "failed";
      Throwable failure = ctx.failure();
      if (failure instanceof ApiException api) {
        detail = api.getMessage();
      } else if (failure != null) {
        detail = "internal error";
      }
    }
    log.get()
        .record(
            log.get()
                .now(
                    caller == null ? "unknown" : caller.actor(),
                    caller == null ? null : caller.role().label(),
                    action,
                    target,
                    outcome,
                    status,
                    detail,
                    address(ctx),
                    "api"));
  }

  private static String target(RoutingContext ctx, String action) {
    Function<RoutingContext, String> target = TARGETS.get(action);
    try {
      return target == null ? null : target.apply(ctx);
    } catch (RuntimeException e) {
      // a body that is not JSON names nothing
      return null;
    }
  }

  private static String address(RoutingContext ctx) {
    String address = ClientAddress.from(ctx);
    return ClientAddress.UNKNOWN.equals(address) ? null : address;
  }

  /** The path of the answer's {@code Location} (a tus upload's), when it has one. */
  private static String location(RoutingContext ctx) {
    String location = ctx.response().headers().get("Location");
    return location == null ? null : URI.create(location).getPath();
  }

  /** A string field of the JSON body, when there is one (a name, never a value of env). */
  private static String bodyText(RoutingContext ctx, String field) {
    JsonObject body = jsonBody(ctx);
    return body != null && body.getValue(field) instanceof String text ? text : null;
  }

  /** The assets a confirmation or rejection names: {@code ids}, or the seed's one {@code id}. */
  private static String assetIds(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return null;
    }
    List<String> ids = new ArrayList<>();
    if (body.getValue("ids") instanceof JsonArray array) {
      array.forEach(id -> ids.add(String.valueOf(id)));
    } else if (body.getValue("id") != null) {
      ids.add(String.valueOf(body.getValue("id")));
    }
    return ids.isEmpty() ? null : String.join(",", ids);
  }

  private static JsonObject jsonBody(RoutingContext ctx) {
    if (ctx.body() == null || ctx.body().buffer() == null || ctx.body().length() == 0) {
      return null;
    }
    return ctx.body().asJsonObject();
  }
}
