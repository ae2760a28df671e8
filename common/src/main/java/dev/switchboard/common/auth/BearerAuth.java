package dev.switchboard.common.auth;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.function.Function;

/**
 * Demands {@code Authorization: Bearer <token>} with a token of {@link Credentials} whose role may
 * do what the request does: no token or an unknown one is {@code 401}, a known one whose role may
 * not is {@code 403}. The role of an accepted request is left on the routing context for the
 * handlers that show more to some roles than to others ({@link #role}).
 */
public final class BearerAuth implements Handler<RoutingContext> {

  private static final String PREFIX = "Bearer ";

  /** The routing context key of the request's role. */
  private static final String ROLE = "switchboard.role";

  private final Credentials credentials;
  private final Function<RoutingContext, Action> actionOf;

  private BearerAuth(Credentials credentials, Function<RoutingContext, Action> actionOf) {
    this.credentials = credentials;
    this.actionOf = actionOf;
  }

  /** Every request the handler sees does {@code action}. */
  public static BearerAuth requiring(Credentials credentials, Action action) {
    return new BearerAuth(credentials, ctx -> action);
  }

  /**
   * For a REST API: {@code GET} and {@code HEAD} read, every other method changes something ({@link
   * Action#CONTROL}).
   */
  public static BearerAuth readOrControl(Credentials credentials) {
    return new BearerAuth(
        credentials,
        ctx -> {
          HttpMethod method = ctx.request().method();
          return method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)
              ? Action.READ
              : Action.CONTROL;
        });
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      ctx.fail(
          new ApiException(ErrorType.UNAUTHORIZED, "send Authorization: Bearer <token>", null));
      return;
    }
    Optional<Role> role = credentials.roleOf(header.substring(PREFIX.length()).trim());
    if (role.isEmpty()) {
      ctx.fail(new ApiException(ErrorType.UNAUTHORIZED, "the bearer token is not valid", null));
      return;
    }
    Action action = actionOf.apply(ctx);
    if (!role.get().may(action)) {
      ctx.fail(
          new ApiException(
              ErrorType.FORBIDDEN,
              "the " + role.get().label() + " role may not " + action.label(),
              null));
      return;
    }
    ctx.put(ROLE, role.get());
    ctx.next();
  }

  /** The role of a request this handler accepted. */
  public static Role role(RoutingContext ctx) {
    Role role = ctx.get(ROLE);
    if (role == null) {
      throw new IllegalStateException("no role: the route is not behind BearerAuth");
    }
    return role;
  }
}
