package dev.switchboard.common.auth;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ClientAddress;
import dev.switchboard.common.http.ErrorType;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Demands {@code Authorization: Bearer <token>} with a token the {@link Authenticator} knows: no
 * token or an unknown one is {@code 401}; when the handler requires an action, a known token whose
 * role may not do it is {@code 403} (API routes name their own action: {@link Access#route}). The
 * caller of an accepted request is left on the routing context ({@link #caller}, {@link #role}).
 */
public final class BearerAuth implements Handler<RoutingContext> {

  private static final String PREFIX = "Bearer ";

  private static final Set<HttpMethod> SAFE =
      Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

  /** The browser's session cookie: a sign-in JWT, HttpOnly and SameSite=Strict. */
  public static final String SESSION_COOKIE = "switchboard_session";

  /** The routing context key of the request's caller. */
  private static final String CALLER = "switchboard.caller";

  private final Authenticator authenticator;
  private final Optional<Action> action;
  private final boolean cookie;
  private final FailedSignIns failures;
  private final Set<Exempt> exempt;

  /**
   * A route that takes no credential because it is how one signs in with something else (the
   * first-start link's one-time code): {@code method} on exactly {@code path} (normalised). Such a
   * request passes with no caller, unless its address has failed too many sign-ins (429); the route
   * checks what it takes itself and counts its failures in the same {@link FailedSignIns}.
   */
  public record Exempt(HttpMethod method, String path) {
    boolean matches(RoutingContext ctx) {
      return ctx.request().method().equals(method) && path.equals(ctx.normalizedPath());
    }

    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  private BearerAuth(
      Authenticator authenticator,
      Optional<Action> action,
      boolean cookie,
      FailedSignIns failures,
      Set<Exempt> exempt) {
    this.authenticator = authenticator;
    this.action = action;
    this.cookie = cookie;
    this.failures = failures;
    this.exempt = Set.copyOf(exempt);
  }

  /**
   * Every request the handler sees does {@code action} ({@code POST /emit}, say): refused with 403
   * when the token's role may not. The header only: a browser's session cookie, which any page of
   * the same host would send along, does not count here.
   */
  public static BearerAuth requiring(Authenticator authenticator, Action action) {
    return new BearerAuth(
        authenticator, Optional.of(action), false, FailedSignIns.standard(), Set.of());
  }

  /**
   * For a REST API: any known token passes, and the route, declared with {@link Access#route},
   * checks the action it names. With {@code sessionCookie}, the browser's session cookie counts as
   * a token too; a request that changes something (not GET, HEAD or OPTIONS) with the cookie and no
   * bearer header must then carry an {@code Origin} header (which the server's CORS check has
   * compared with the allowed origins), or it is refused with 403: a cross-site form cannot use the
   * cookie.
   */
  public static BearerAuth authenticating(Authenticator authenticator, boolean sessionCookie) {
    return authenticating(authenticator, sessionCookie, FailedSignIns.standard(), Set.of());
  }

  /**
   * As {@link #authenticating(Authenticator, boolean)}, counting failed sign-ins in {@code
   * failures} (which a route that signs in by other means shares), and letting the {@code exempt}
   * routes through with no credential (see {@link Exempt}).
   */
  public static BearerAuth authenticating(
      Authenticator authenticator,
      boolean sessionCookie,
      FailedSignIns failures,
      Set<Exempt> exempt) {
    return new BearerAuth(authenticator, Optional.empty(), sessionCookie, failures, exempt);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (exempt.stream().anyMatch(route -> route.matches(ctx))) {
      if (!limited(ctx)) {
        ctx.next();
      }
      return;
    }
    Optional<String> token = token(ctx, cookie);
    if (token.isEmpty()) {
      ctx.fail(
          new ApiException(
              ErrorType.UNAUTHORIZED,
              "send Authorization: Bearer <token> (or sign in: POST /api/v1/auth/login)",
              null));
      return;
    }
    if (cookie
        && ctx.request().getHeader(HttpHeaders.AUTHORIZATION) == null
        && !SAFE.contains(ctx.request().method())
        && ctx.request().getHeader(HttpHeaders.ORIGIN) == null) {
      ctx.fail(
          new ApiException(
              ErrorType.FORBIDDEN,
              "a request that changes something with the session cookie needs an Origin header",
              null));
      return;
    }
    if (limited(ctx)) {
      return;
    }
    Future<Optional<Caller>> caller = authenticator.authenticate(token.get());
    if (caller.isComplete()) {
      decide(ctx, caller);
    } else {
      // the routes after this one read the body: keep it until they do
      ctx.request().pause();
      caller.onComplete(done -> decide(ctx, caller));
    }
  }

  /** Fails the request with 429 when its address has failed too many sign-ins; true if so. */
  private boolean limited(RoutingContext ctx) {
    OptionalLong retryAfter = failures.retryAfter(address(ctx));
    if (retryAfter.isEmpty()) {
      return false;
    }
    ctx.response().putHeader("Retry-After", Long.toString(retryAfter.getAsLong()));
    ctx.fail(
        new ApiException(
            ErrorType.TOO_MANY_REQUESTS,
            "too many failed sign-ins from this address; try again in "
                + retryAfter.getAsLong()
                + " s",
            null));
    return true;
  }

  private void decide(RoutingContext ctx, Future<Optional<Caller>> answer) {
    if (answer.failed()) {
      ctx.fail(answer.cause());
      return;
    }
    Optional<Caller> caller = answer.result();
    if (caller.isEmpty()) {
      failures.failed(address(ctx));
      ctx.fail(new ApiException(ErrorType.UNAUTHORIZED, "the bearer token is not valid", null));
      return;
    }
    Optional<String> refused =
        action.flatMap(needed -> Access.refusal(caller.get().role(), needed));
    if (refused.isPresent()) {
      ctx.fail(new ApiException(ErrorType.FORBIDDEN, refused.get(), null));
      return;
    }
    ctx.put(CALLER, caller.get());
    ctx.next();
  }

  /**
   * The token of a request: its {@code Authorization: Bearer} header, else (when {@code cookie}
   * says so) the browser's session cookie ({@value #SESSION_COOKIE}, an HttpOnly sign-in JWT).
   */
  public static Optional<String> token(RoutingContext ctx, boolean cookie) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return Optional.of(header.substring(PREFIX.length()).trim());
    }
    Cookie session = cookie ? ctx.request().getCookie(SESSION_COOKIE) : null;
    return session == null || session.getValue().isEmpty()
        ? Optional.empty()
        : Optional.of(session.getValue());
  }

  /**
   * Takes every request as {@code caller}'s, with no token: for test fixtures that mount a
   * service's routes alone. Never on a server that listens for others.
   */
  public static Handler<RoutingContext> trusting(Caller caller) {
    return ctx -> {
      ctx.put(CALLER, caller);
      ctx.next();
    };
  }

  /** The client address failed sign-ins are counted by (behind a trusted proxy, the client's). */
  public static String address(RoutingContext ctx) {
    return ClientAddress.from(ctx);
  }

  /** The caller of a request this handler accepted. */
  public static Caller caller(RoutingContext ctx) {
    Caller caller = ctx.get(CALLER);
    if (caller == null) {
      throw new IllegalStateException("no caller: the route is not behind BearerAuth");
    }
    return caller;
  }

  /** The caller of a request, when this handler accepted it; empty before, or when it refused. */
  public static Optional<Caller> callerIfKnown(RoutingContext ctx) {
    return Optional.ofNullable(ctx.get(CALLER));
  }

  /** The role of a request this handler accepted. */
  public static Role role(RoutingContext ctx) {
    return caller(ctx).role();
  }
}
