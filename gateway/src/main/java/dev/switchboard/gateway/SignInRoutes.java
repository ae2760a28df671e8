package dev.switchboard.gateway;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.gateway.auth.Sessions;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The browser's sign-in. {@code POST /api/v1/auth/login} takes any token that may read (the admin
 * token, a named token) as a bearer token and answers a short-lived JWT: in the body, for the hub's
 * handshake (the app keeps it in memory only), and as the HttpOnly, SameSite=Strict session cookie
 * the API takes in place of the header, which scripts cannot read. {@code refresh} does the same
 * with a valid JWT (the cookie, after a reload), {@code logout} clears the cookie, and {@code
 * keys/rotate} (admin) replaces the signing key without a restart.
 */
final class SignInRoutes {

  private final Sessions sessions;

  SignInRoutes(Sessions sessions) {
    this.sessions = sessions;
  }

  void mount(Operations api) {
    api.route("signIn", Action.READ).handler(this::issue);
    api.route("refreshSession", Action.READ).handler(this::issue);
    api.route("signOut", Action.READ)
        .handler(
            ctx -> {
              ctx.response().addCookie(cookie(ctx, "").setMaxAge(0));
              ctx.response().setStatusCode(204).end();
            });
    api.route("rotateSessionKey", Action.ADMINISTER)
        .handler(
            ctx ->
                sessions
                    .rotate()
                    .onSuccess(done -> ctx.response().setStatusCode(204).end())
                    .onFailure(ctx::fail));
  }

  private void issue(RoutingContext ctx) {
    Sessions.Session session = sessions.issue(BearerAuth.caller(ctx));
    ctx.response()
        .addCookie(cookie(ctx, session.jwt()).setMaxAge(sessions.lifetime().toSeconds()))
        .putHeader("Cache-Control", "no-store");
    ctx.json(
        new JsonObject()
            .put("token", session.jwt())
            .put("name", session.caller().name())
            .put("role", session.caller().role().label())
            .put("expiresAt", session.expiresAt().toString()));
  }

  private static Cookie cookie(RoutingContext ctx, String value) {
    return Cookie.cookie(BearerAuth.SESSION_COOKIE, value)
        .setPath("/")
        .setHttpOnly(true)
        .setSameSite(CookieSameSite.STRICT)
        .setSecure(ctx.request().isSSL());
  }
}
