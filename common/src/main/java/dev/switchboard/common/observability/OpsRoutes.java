package dev.switchboard.common.observability;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.time.Duration;
import java.util.ServiceLoader;

/**
 * The operational routes every HTTP server of Switchboard has, all without credentials: {@code
 * /health} (liveness: the process answers, nothing else is checked), {@code /readiness} (each
 * service of this process answers its ping, which covers its database, and every {@link
 * ReadinessCheck} on the classpath that applies passes: the launcher's says whether the cluster is
 * safe when clustered) and {@code /metrics} (Prometheus).
 */
public final class OpsRoutes {

  private static final Duration PING_TIMEOUT = Duration.ofSeconds(3);

  private OpsRoutes() {}

  /**
   * @param process the launcher's description of this process: {@code {"services": [names]}}
   */
  public static void mount(Router router, Vertx vertx, JsonObject process) {
    router.get("/health").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    mountReadinessAndMetrics(router, vertx, process);
  }

  /** For a server with a {@code /health} of its own shape (the hub's). */
  public static void mountReadinessAndMetrics(Router router, Vertx vertx, JsonObject process) {
    router
        .get("/readiness")
        .handler(HealthCheckHandler.createWithHealthChecks(readiness(vertx, process)));
    MeterRegistry registry = Telemetry.registry();
    if (registry instanceof PrometheusMeterRegistry prometheus) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(prometheus));
    }
  }

  static HealthChecks readiness(Vertx vertx, JsonObject process) {
    HealthChecks checks = HealthChecks.create(vertx);
    JsonArray services =
        process == null ? new JsonArray() : process.getJsonArray("services", new JsonArray());
    for (Object service : services) {
      String address = Addresses.ping(service.toString());
      checks.register(
          "service/" + service,
          PING_TIMEOUT.toMillis() + 500,
          promise ->
              Bus.request(vertx, address, new JsonObject(), PING_TIMEOUT)
                  .onSuccess(reply -> promise.complete(Status.OK(reply)))
                  .onFailure(
                      err ->
                          promise.complete(
                              Status.KO(new JsonObject().put("error", err.getMessage())))));
    }
    for (ReadinessCheck check :
        ServiceLoader.load(ReadinessCheck.class, ReadinessCheck.class.getClassLoader())) {
      if (check.appliesTo(vertx)) {
        checks.register(check.name(), check.procedure(vertx));
      }
    }
    return checks;
  }
}
