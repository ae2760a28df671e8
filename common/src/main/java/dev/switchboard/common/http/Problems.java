package dev.switchboard.common.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 9457 problem details. {@link #install(Router)} makes every error of a router, thrown by a
 * handler, raised by Vert.x Web (404, 405, 413) or failed with a status, an {@code
 * application/problem+json} answer; bad input names its field in {@code invalid-params}. A 405 says
 * in {@code Allow} which methods the path takes, and {@code HEAD} is answered on every {@code GET}
 * route, as HTTP asks of a server.
 */
public final class Problems {

  public static final String CONTENT_TYPE = "application/problem+json";
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  private static final int[] ROUTER_ERRORS = {400, 401, 403, 404, 406, 413, 415, 500, 503};

  /** The order {@code Allow} lists methods in. */
  private static final List<HttpMethod> METHODS =
      List.of(
          HttpMethod.GET,
          HttpMethod.HEAD,
          HttpMethod.POST,
          HttpMethod.PUT,
          HttpMethod.PATCH,
          HttpMethod.DELETE,
          HttpMethod.OPTIONS);

  /** The patterns of the route paths seen (HEAD and 405 answers look them up per request). */
  private static final Map<String, Pattern> TEMPLATES = new ConcurrentHashMap<>();

  private Problems() {}

  public static Router install(Router router) {
    // a HEAD request is routed as the GET it stands for, unless a route takes HEAD itself (tus asks
    // an upload's offset with HEAD); Vert.x sends no body for a HEAD request
    router
        .route()
        .method(HttpMethod.HEAD)
        .handler(
            ctx -> {
              if (methods(router, ctx.normalizedPath()).contains(HttpMethod.HEAD)) {
                ctx.next();
              } else {
                ctx.reroute(HttpMethod.GET, ctx.request().uri());
              }
            });
    router.route().failureHandler(Problems::handleFailure);
    for (int status : ROUTER_ERRORS) {
      router.errorHandler(status, Problems::handleFailure);
    }
    router.errorHandler(
        405,
        ctx -> {
          ctx.response().putHeader(HttpHeaders.ALLOW, allowed(router, ctx.normalizedPath()));
          handleFailure(ctx);
        });
    return router;
  }

  /**
   * The methods the router's routes take on {@code path}. Routes without a method (filters such as
   * authentication) say nothing about it; a {@code GET} route takes {@code HEAD} too.
   */
  static String allowed(Router router, String path) {
    Set<HttpMethod> methods = methods(router, path);
    if (methods.contains(HttpMethod.GET)) {
      methods.add(HttpMethod.HEAD);
    }
    return methods.stream().map(HttpMethod::name).collect(Collectors.joining(", "));
  }

  /** The methods the router's routes name for {@code path}, in {@link #METHODS} order. */
  private static Set<HttpMethod> methods(Router router, String path) {
    Set<HttpMethod> methods = new TreeSet<>(Problems::compare);
    for (Route route : router.getRoutes()) {
      // getPath() is the template of a route made from a path (with :params); null for a pure regex
      if (route.methods() != null
          && !route.methods().isEmpty()
          && route.getPath() != null
          && template(route.getPath()).matcher(path).matches()) {
        methods.addAll(route.methods());
      }
    }
    return methods;
  }

  /** Known methods in {@link #METHODS} order, then any other by name. */
  private static int compare(HttpMethod a, HttpMethod b) {
    int byRank = Integer.compare(rank(a), rank(b));
    return byRank != 0 ? byRank : a.name().compareTo(b.name());
  }

  private static int rank(HttpMethod method) {
    int index = METHODS.indexOf(method);
    return index >= 0 ? index : METHODS.size();
  }

  /**
   * A route path ({@code /api/v1/services/:name}, {@code /static/*}) as a pattern for whole paths.
   */
  private static Pattern template(String path) {
    // the routes' paths: a fixed set, so the cache is bounded by what the process mounts
    return TEMPLATES.computeIfAbsent(path, Problems::compile);
  }

  private static Pattern compile(String path) {
    StringBuilder regex = new StringBuilder();
    for (String segment : path.split("/", -1)) {
      if (segment.equals("*")) {
        regex.append(".*");
      } else if (segment.startsWith(":")) {
        regex.append("[^/]+");
      } else {
        regex.append(Pattern.quote(segment));
      }
      regex.append('/');
    }
    regex.setLength(regex.length() - 1);
    return Pattern.compile(regex.toString());
  }

  private static void handleFailure(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    send(ctx, toApiException(ctx));
  }

  public static void send(RoutingContext ctx, ApiException error) {
    if (error.type() == ErrorType.UNAUTHORIZED) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
    }
    ctx.response()
        .setStatusCode(error.type().status())
        .putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE)
        .end(body(error, ctx.request().path()).encode());
  }

  /**
   * The RFC 9457 document of an error met at {@code path}, naming the bad field if there is one.
   */
  public static JsonObject body(ApiException error, String path) {
    ErrorType type = error.type();
    JsonObject body =
        new JsonObject()
            .put("type", "urn:switchboard:problem:" + type.code())
            .put("title", type.title())
            .put("status", type.status())
            .put("detail", error.getMessage())
            .put("instance", path)
            .put("code", type.code());
    if (error.field() != null) {
      body.put(
          "invalid-params",
          new JsonArray()
              .add(new JsonObject().put("name", error.field()).put("reason", error.getMessage())));
    }
    return body;
  }

  private static ApiException toApiException(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiException api) {
      return api;
    }
    if (failure instanceof HttpException http) {
      ErrorType type = ErrorType.ofStatus(http.getStatusCode());
      String detail = http.getPayload() != null ? http.getPayload() : type.title();
      return new ApiException(type, detail, null);
    }
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    if (failure != null && status >= 500) {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
      return ApiException.internal(failure);
    }
    ErrorType type = ErrorType.ofStatus(status);
    return new ApiException(type, describe(type, ctx), null);
  }

  private static String describe(ErrorType type, RoutingContext ctx) {
    return switch (type) {
      case NOT_FOUND -> "no resource at " + ctx.request().path();
      case METHOD_NOT_ALLOWED ->
          ctx.request().method() + " is not allowed on " + ctx.request().path();
      case PAYLOAD_TOO_LARGE -> "the request body is too large";
      default -> type.title();
    };
  }
}
