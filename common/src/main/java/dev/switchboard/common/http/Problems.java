package dev.switchboard.common.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 9457 problem details. {@link #install(Router)} makes every error of a router, thrown by a
 * handler, raised by Vert.x Web (404, 405, 413) or failed with a status, an
 * {@code application/problem+json} answer; bad input names its field in {@code invalid-params}.
 */
public final class Problems {

  public static final String CONTENT_TYPE = "application/problem+json";
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  private static final int[] ROUTER_ERRORS = {400, 401, 403, 404, 405, 406, 413, 415, 500, 503};

  private Problems() {
  }

  public static Router install(Router router) {
    router.route().failureHandler(Problems::handleFailure);
    for (int status : ROUTER_ERRORS) {
      router.errorHandler(status, Problems::handleFailure);
    }
    return router;
  }

  private static void handleFailure(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    send(ctx, toApiException(ctx));
  }

  public static void send(RoutingContext ctx, ApiException error) {
    ErrorType type = error.type();
    JsonObject body = new JsonObject()
      .put("type", "urn:switchboard:problem:" + type.code())
      .put("title", type.title())
      .put("status", type.status())
      .put("detail", error.getMessage())
      .put("instance", ctx.request().path())
      .put("code", type.code());
    if (error.field() != null) {
      body.put("invalid-params", new JsonArray()
        .add(new JsonObject().put("name", error.field()).put("reason", error.getMessage())));
    }
    if (type == ErrorType.UNAUTHORIZED) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
    }
    ctx.response()
      .setStatusCode(type.status())
      .putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE)
      .end(body.encode());
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
      case METHOD_NOT_ALLOWED -> ctx.request().method() + " is not allowed on " + ctx.request().path();
      case PAYLOAD_TOO_LARGE -> "the request body is too large";
      default -> type.title();
    };
  }
}
