package dev.switchboard.supervisor;

import dev.switchboard.supervisor.definition.HealthCheck;
import dev.switchboard.supervisor.definition.MaskedEnv;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.process.ServiceProcess;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A service as the API and {@code services.status} show it: its definition, then where it is
 * (state, the seed monitor's word for it, reason, since, last exit), its process, its health and
 * its figures. The values of its {@code env} are masked ({@link MaskedEnv}): this JSON goes to
 * every listener of {@code services.status} and into every list; only {@link #withEnvValues} puts
 * them back, for an admin reading the one service.
 */
final class ServiceJson {

  /**
   * The service's definition and where it came from ({@code file} or {@code api}), with when it was
   * stored.
   */
  record Defined(
      ServiceDefinition definition, String source, Instant createdAt, Instant updatedAt) {}

  /** Where the service is: the state, why, and since when. */
  record Status(ServiceState state, String reason, Instant since) {}

  /** The process that runs now and the definition it was started with, if one runs. */
  record Running(ServiceProcess process, ServiceDefinition definition) {}

  private ServiceJson() {}

  static JsonObject render(
      Defined defined,
      Status status,
      Integer lastExit,
      Running running,
      int restarts,
      HealthTracker health,
      ProcessStats stats) {
    ServiceDefinition definition = defined.definition();
    JsonObject json =
        definition
            .toJson()
            .put("env", MaskedEnv.of(definition.env()))
            .put("state", status.state().wire())
            .put("status", status.state().seedStatus())
            .put("since", status.since().toString())
            .put("source", defined.source())
            .put("restarts", restarts);
    if (status.reason() != null) {
      json.put("reason", status.reason());
    }
    if (running != null) {
      ServiceProcess process = running.process();
      json.put("pid", process.pid())
          .put("pgid", process.pgid())
          .put("startedAt", process.startedAt().toString());
      process.cgroup().ifPresent(cgroup -> json.put("cgroup", cgroup.dir().toString()));
      json.put("pendingRestart", !running.definition().equals(definition));
    }
    if (lastExit != null) {
      json.put("lastExit", lastExit);
    }
    if (definition.health().kind() != HealthCheck.Kind.NONE) {
      json.put(
          "healthStatus", health.toJson(running != null, status.state() == ServiceState.UNHEALTHY));
    }
    if (stats.toJson() != null) {
      json.put("stats", stats.toJson());
    }
    if (defined.createdAt() != null) {
      json.put("createdAt", defined.createdAt().toString());
    }
    if (defined.updatedAt() != null) {
      json.put("updatedAt", defined.updatedAt().toString());
    }
    return json;
  }

  /** {@code shown} (a rendered service) with the values of {@code definition}'s env in clear. */
  static JsonObject withEnvValues(JsonObject shown, ServiceDefinition definition) {
    return shown.put("env", definition.toJson().getJsonObject("env"));
  }
}
