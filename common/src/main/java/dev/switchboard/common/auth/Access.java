package dev.switchboard.common.auth;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.SecurityPolicyHandler;
import java.util.Optional;

/**
 * Where the role table of {@link Role} is enforced, for the gateway and file-processor's routes and
 * the hub's events alike. An API route is declared with {@link #route}, naming its action, which is
 * kept on the route (so tests walk every route and its action) and checked against the caller's
 * role before the body is read; a hub event names its action the same way and asks {@link
 * #refusal}.
 */
public final class Access {

  private static final String ACTION = "switchboard.action";
  private static final String EXEMPT = "switchboard.exempt";

  private Access() {}

  /** A route of {@code router} for {@code method} on {@code path} that needs {@code action}. */
  public static Route route(Router router, HttpMethod method, String path, Action action) {
    return guard(router.route(method, path), action);
  }

  /** A route of {@code router} for every method on {@code path} that needs {@code action}. */
  public static Route route(Router router, String path, Action action) {
    return guard(router.route(path), action);
  }

  /**
   * {@code route}, refused to a caller whose role may not do {@code action}; call it before the
   * route's body handler.
   */
  public static Route guard(Route route, Action action) {
    return route.putMetadata(ACTION, action).handler(new Guard(action));
  }

  /**
   * Marks {@code route} as one the bearer check lets through with no credential ({@link
   * BearerAuth.Exempt}): kept on the route, so tests can list every such route.
   */
  public static Route exempt(Route route) {
    return route.putMetadata(EXEMPT, true);
  }

  /** Whether {@code route} was marked with {@link #exempt}. */
  public static boolean isExempt(Route route) {
    return Boolean.TRUE.equals(route.getMetadata(EXEMPT));
  }

  /** The action a route declared with {@link #route} needs; empty for any other route. */
  public static Optional<Action> actionOf(Route route) {
    return Optional.ofNullable(route.getMetadata(ACTION));
  }

  /**
   * Why {@code role} may not do {@code action} ({@code "the viewer role may not operate"}); empty
   * when it may.
   */
  public static Optional<String> refusal(Role role, Action action) {
    return role.may(action)
        ? Optional.empty()
        : Optional.of("the " + role.label() + " role may not " + action.label());
  }

  /**
   * Refuses with 403 a caller whose role may not do the route's action. A security policy handler,
   * so it runs before the route's body handler: a refused request is not read.
   */
  private record Guard(Action action) implements SecurityPolicyHandler {
    @Override
    public void handle(RoutingContext ctx) {
      Optional<String> refused = refusal(BearerAuth.role(ctx), action);
      if (refused.isPresent()) {
        ctx.fail(new ApiException(ErrorType.FORBIDDEN, refused.get(), null));
      } else {
        ctx.next();
      }
    }
  }
}
