package dev.switchboard.common.http;

import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.auth.Credentials;
import dev.switchboard.common.auth.FailedSignIns;
import dev.switchboard.common.observability.OpsRoutes;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/**
 * The router every HTTP service of Switchboard starts from: problem+json for every error, the
 * {@code Host} check, the process's {@code /health}, {@code /readiness} and {@code /metrics}, and
 * on {@code /api/*} the bearer check (which token; each route then checks that its role may do the
 * action the route names: {@code common.auth.Access}) and the query check, before any route with
 * path parameters.
 */
public final class ApiRouter {

  private ApiRouter() {}

  /**
   * @param config the service's config slice: {@code allowedHosts}, {@code trustedProxies}, {@code
   *     process}, {@code auth}
   * @param beforeCredentials handlers every request passes after the {@code Host} check and before
   *     the bearer check (CORS, whose preflight carries no token)
   */
  @SafeVarargs
  public static Router create(
      Vertx vertx, JsonObject config, Handler<RoutingContext>... beforeCredentials) {
    return create(vertx, config, false, beforeCredentials);
  }

  /**
   * As {@link #create(Vertx, JsonObject, Handler[])}; with {@code sessionCookie} the browser's
   * session cookie counts as a token (the gateway, whose CORS check runs before; see {@code
   * BearerAuth.authenticating}).
   */
  @SafeVarargs
  public static Router create(
      Vertx vertx,
      JsonObject config,
      boolean sessionCookie,
      Handler<RoutingContext>... beforeCredentials) {
    return create(
        vertx, config, sessionCookie, FailedSignIns.standard(), Set.of(), beforeCredentials);
  }

  /**
   * As {@link #create(Vertx, JsonObject, boolean, Handler[])}, with failed sign-ins counted in
   * {@code failures} and the {@code exempt} routes let through the bearer check with no credential:
   * only a route that is itself a way to sign in (see {@code BearerAuth.Exempt}).
   */
  @SafeVarargs
  public static Router create(
      Vertx vertx,
      JsonObject config,
      boolean sessionCookie,
      FailedSignIns failures,
      Set<BearerAuth.Exempt> exempt,
      Handler<RoutingContext>... beforeCredentials) {
    Router router = Problems.install(Router.router(vertx));
    // first: the limits per address and the audit log count the client, not the proxy in front
    router.route().handler(ClientAddress.fromConfig(config).handler());
    router.route().handler(HostCheck.fromConfig(config));
    for (Handler<RoutingContext> handler : beforeCredentials) {
      router.route().handler(handler);
    }
    OpsRoutes.mount(router, vertx, config.getJsonObject("process"));
    Credentials credentials =
        Credentials.fromConfig(config.getJsonObject("auth", new JsonObject()));
    router
        .route("/api/*")
        .handler(
            BearerAuth.authenticating(
                new Authenticator(vertx, credentials), sessionCookie, failures, exempt));
    // before any route with path parameters, whose matching decodes the query
    router.route("/api/*").handler(new QueryCheck());
    return router;
  }
}
