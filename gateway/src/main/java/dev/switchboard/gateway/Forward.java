package dev.switchboard.gateway;

import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.function.Function;

/**
 * How a route hands a request to a service over the event bus and answers with its reply. The
 * services validate what they get and name the bad field; their failures come back as {@link
 * ApiException}s, which the router's problem handler renders.
 */
final class Forward {

  private Forward() {}

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
  static void reply(
      RoutingContext ctx, Vertx vertx, String address, JsonObject body, Duration timeout) {
    Bus.request(vertx, address, body, timeout).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  /** Asks {@code address} with the named query parameters and answers 200 with its reply. */
  static void reply(RoutingContext ctx, Vertx vertx, String address, String... params) {
    reply(ctx, vertx, address, query(ctx, params), Bus.DEFAULT_TIMEOUT);
  }

  /** Answers {@code status} with the reply and a {@code Location} header made from it. */
  static void created(
      RoutingContext ctx,
      Future<JsonObject> answer,
      int status,
      Function<JsonObject, String> location) {
    answer
        .onSuccess(
            json ->
                ctx.response()
                    .setStatusCode(status)
                    .putHeader("Location", location.apply(json))
                    .putHeader("Content-Type", "application/json")
                    .end(json.toBuffer()))
        .onFailure(ctx::fail);
  }

  /** The request body as a JSON object; anything else is bad input in {@code body}. */
  static JsonObject jsonBody(RoutingContext ctx) {
    Buffer buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      throw ApiException.invalid("body", "is required: a JSON object");
    }
    Object value;
    try {
      value = Json.decodeValue(buffer);
    } catch (DecodeException e) {
      throw ApiException.invalid("body", "is not valid JSON");
    }
    if (!(value instanceof JsonObject json)) {
      throw ApiException.invalid("body", "must be a JSON object");
    }
    return json;
  }
}
