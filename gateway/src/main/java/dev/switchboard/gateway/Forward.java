package dev.switchboard.gateway;

import dev.switchboard.common.bus.Bus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;

/**
 * How a route hands a request to a service over the event bus and answers with its reply. The
 * services validate what they get and name the bad field; their failures come back as
 * {@code ApiException}s, which the router's problem handler renders.
 */
final class Forward {

  private Forward() {
  }

  /** The named query parameters that are present, as strings: the service checks them. */
  static JsonObject query(RoutingContext ctx, String... params) {
    JsonObject query = new JsonObject();
    for (String name : params) {
      String value = ctx.queryParams().get(name);
      if (value != null) {
        query.put(name, value);
      }
    }
    return query;
  }

  /** Asks {@code address} and answers 200 with its reply. */
  static void reply(RoutingContext ctx, Vertx vertx, String address, JsonObject body, Duration timeout) {
    Bus.request(vertx, address, body, timeout)
      .onSuccess(ctx::json)
      .onFailure(ctx::fail);
  }

  /** Asks {@code address} with the named query parameters and answers 200 with its reply. */
  static void reply(RoutingContext ctx, Vertx vertx, String address, String... params) {
    reply(ctx, vertx, address, query(ctx, params), Bus.DEFAULT_TIMEOUT);
  }
}
