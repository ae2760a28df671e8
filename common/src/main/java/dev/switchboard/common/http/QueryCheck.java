package dev.switchboard.common.http;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses a request whose query string does not decode ({@code ?since=%}, {@code ?q=%zz}) with a
 * 400 naming the parameter, before any route reads it. Mount it ahead of the routes: Vert.x Web
 * meets the bad encoding while it matches a route with path parameters (it adds them to the
 * request's parameters, which decodes the query) and answers 500 with no cause, and a route without
 * them that reads the query answers a 400 that names nothing and logs a stack trace.
 */
public final class QueryCheck implements Handler<RoutingContext> {

  @Override
  public void handle(RoutingContext ctx) {
    String query = ctx.request().query();
    if (query != null) {
      for (String pair : query.split("&")) {
        int equals = pair.indexOf('=');
        String name = equals < 0 ? pair : pair.substring(0, equals);
        if (!decodes(pair)) {
          ctx.fail(
              ApiException.invalid(
                  decodes(name) ? QueryStringDecoder.decodeComponent(name) : name,
                  "is not valid percent-encoding (a % must be followed by two hex digits)"));
          return;
        }
      }
    }
    ctx.next();
  }

  private static boolean decodes(String text) {
    try {
      QueryStringDecoder.decodeComponent(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
