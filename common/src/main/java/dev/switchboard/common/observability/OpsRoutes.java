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

  /** How long a service's check may take before the health checks answer it timed out. */
  private static final Duration CHECK_TIMEOUT = PING_TIMEOUT.plusMillis(500);

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
    return readiness(vertx, process, PING_TIMEOUT, CHECK_TIMEOUT);
  }

  /**
   * A service's check ends with its ping's answer or failure, or with the health checks' own
   * timeout, whichever comes first: on a busy event loop the check's timer can fire before the
   * ping's, so the ping's late answer must not try to complete it again (which would throw).
   */
  static HealthChecks readiness(
      Vertx vertx, JsonObject process, Duration pingTimeout, Duration checkTimeout) {
    HealthChecks checks = HealthChecks.create(vertx);
    JsonArray services =
        process == null ? new JsonArray() : process.getJsonArray("services", new JsonArray());
    for (Object service : services) {
      String address = Addresses.ping(service.toString());
      checks.register(
          "service/" + service,
          checkTimeout.toMillis(),
          promise ->
              Bus.request(vertx, address, new JsonObject(), pingTimeout)
                  .onSuccess(reply -> promise.tryComplete(Status.OK(reply)))
                  .onFailure(
                      err ->
                          promise.tryComplete(
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
