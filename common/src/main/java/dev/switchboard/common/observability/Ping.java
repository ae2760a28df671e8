package dev.switchboard.common.observability;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

/**
 * A service's answer to readiness pings: it replies once {@code check} (its database, say)
 * succeeds.
 */
public final class Ping {

  private Ping() {}

  /**
   * Registers the consumer; the returned future completes when the registration has reached the
   * cluster.
   */
  public static Future<Void> answer(Vertx vertx, String service, Supplier<Future<?>> check) {
    return answer(vertx, service, check, new JsonObject());
  }

  /**
   * As {@link #answer(Vertx, String, Supplier)}, with {@code details} in every answer: what an
   * operator wants to see in {@code /readiness} about how the service works (fixed at its start).
   */
  public static Future<Void> answer(
      Vertx vertx, String service, Supplier<Future<?>> check, JsonObject details) {
    return Bus.serve(
        vertx,
        Addresses.ping(service),
        ignored ->
            check.get().map(done -> details.copy().put("service", service).put("status", "UP")));
  }
}
