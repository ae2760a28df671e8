package dev.switchboard.gateway;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.auth.Caller;
import dev.switchboard.common.auth.FailedSignIns;
import dev.switchboard.common.auth.Role;
import dev.switchboard.common.auth.SignInCodes;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.gateway.auth.SessionOrigin;
import dev.switchboard.gateway.auth.Sessions;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/**
 * The browser's sign-in. {@code POST /api/v1/auth/login} takes any token that may read (the admin
 * token, a named token) as a bearer token and answers a short-lived JWT: in the body, for the hub's
 * handshake (the app keeps it in memory only), and as the HttpOnly, SameSite=Strict session cookie
 * the API takes in place of the header, which scripts cannot read. {@code refresh} does the same
 * with a valid JWT (the cookie, after a reload), {@code logout} clears the cookie and ends the
 * JWT's session (every JWT of it refused from then on, in every service), and {@code keys/rotate}
 * (admin) replaces the signing key without a restart. A session is bound to the credential it was
 * bought with, and refreshing it keeps that bond ({@link SessionOrigin}) and the time of the
 * sign-in: no session is renewed past {@link Sessions#maxAge()} after it.
 *
 * <p>{@code POST /api/v1/auth/code} {@code {"code": "..."}} is the first-start link's: it takes the
 * one-time code the banner printed ({@link SignInCodes}), no bearer token (the one route the bearer
 * check lets through: {@link #CODE}), and answers as {@code login} does, for an admin session. A
 * wrong, used or expired code is 401 and a failed sign-in of the address, counted with the failed
 * tokens (429 after the limit).
 */
final class SignInRoutes {

  /** The code exchange: the only API route that takes no credential. */
  static final BearerAuth.Exempt CODE = new BearerAuth.Exempt(HttpMethod.POST, "/api/v1/auth/code");

  /** The routing context key of whom a sign-in answered for. */
  static final String SIGNED_IN = "switchboard.signedIn";

  /** Who a session bought with a first-start link speaks for. */
  static final Caller LINK = new Caller("first-start link", Role.ADMIN);

  /** {@code {"code": "<43 characters>"}} with room to spare. */
  private static final long CODE_BODY_LIMIT = 1024;

  private final Vertx vertx;
  private final Sessions sessions;
  private final FailedSignIns failures;

  SignInRoutes(Vertx vertx, Sessions sessions, FailedSignIns failures) {
    this.vertx = vertx;
    this.sessions = sessions;
    this.failures = failures;
  }

  void mount(Operations api) {
    api.route("signIn", Action.READ).handler(this::signIn);
    api.exempt("signInWithCode", CODE, CODE_BODY_LIMIT).handler(this::redeem);
    api.route("refreshSession", Action.READ).handler(this::signIn);
    api.route("signOut", Action.READ).handler(this::signOut);
    api.route("rotateSessionKey", Action.ADMINISTER)
        .handler(
            ctx ->
                sessions
                    .rotate()
                    .onSuccess(done -> ctx.response().setStatusCode(204).end())
                    .onFailure(ctx::fail));
  }

  /**
   * Clears the cookie and ends the session of the JWT the request came with (cookie or bearer):
   * refused from now on, everywhere ({@link Sessions#signOut}). A token is no session: nothing is
   * revoked for it.
   */
  private void signOut(RoutingContext ctx) {
    sessions
        .signOut(BearerAuth.token(ctx, true).orElseThrow())
        .onSuccess(
            ended -> {
              ctx.response().addCookie(cookie(ctx, "").setMaxAge(0));
              ctx.response().setStatusCode(204).end();
            })
        .onFailure(ctx::fail);
  }

  private void redeem(RoutingContext ctx) {
    String code = ctx.body().asJsonObject().getString("code");
    if (!SignInCodes.redeem(vertx, code)) {
      failures.failed(BearerAuth.address(ctx));
      ctx.fail(
          new ApiException(
              ErrorType.UNAUTHORIZED,
              "the sign-in code is wrong, used or expired: a first-start link works once, for an"
                  + " hour; restart Switchboard for a new one, or sign in with a token",
              "code"));
      return;
    }
    issue(ctx, LINK, Sessions.Grant.signIn(new SessionOrigin.Link(), Instant.now()));
  }

  /**
   * Login and refresh: a session for the credential the request was accepted with, bound to what
   * that credential was bought with (a JWT's own origin, for a refresh).
   */
  private void signIn(RoutingContext ctx) {
    Caller caller = BearerAuth.caller(ctx);
    sessions
        .grantOf(BearerAuth.token(ctx, true).orElseThrow())
        .onSuccess(
            grant -> {
              if (grant.isEmpty()) {
                ctx.fail(
                    new ApiException(
                        ErrorType.UNAUTHORIZED,
                        "this session cannot be renewed; sign in again with a token",
                        null));
              } else {
                issue(ctx, caller, grant.get());
              }
            })
        .onFailure(ctx::fail);
  }

  private void issue(RoutingContext ctx, Caller caller, Sessions.Grant grant) {
    Sessions.Session session = sessions.issue(caller, grant);
    // for the audit log: the code exchange has no caller before it answers
    ctx.put(SIGNED_IN, caller);
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
