package dev.switchboard.supervisor.deployment;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.config.Durations;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.logs.LogPipeline;
import dev.switchboard.supervisor.logs.LogSource;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one deployment: its steps in order, then the health gate (the new definition when there is
 * one, a restart, and the wait for health), and when the gate fails the rollback to the previous
 * definition. Every change is stored first, then published on {@code deployments.status}; the
 * output goes to the deployment's log source.
 */
final class DeploymentRunner {

  private static final Logger LOG = LoggerFactory.getLogger(DeploymentRunner.class);

  private final Vertx vertx;
  private final DeploymentStore store;
  private final LogPipeline logs;
  private final StepRunner steps;
  private final ServiceControl services;

  DeploymentRunner(
      Vertx vertx,
      DeploymentStore store,
      LogPipeline logs,
      StepRunner steps,
      ServiceControl services) {
    this.vertx = vertx;
    this.store = store;
    this.logs = logs;
    this.steps = steps;
    this.services = services;
  }

  /** Runs the deployment to its end; fails only when even its end could not be stored. */
  Future<Void> run(ActiveDeployment deployment) {
    LogSource out = logs.source(deployment.sourceId());
    return store
        .started(deployment.id)
        .compose(v -> publish(deployment.id))
        .compose(v -> runSteps(deployment, out, 0))
        .compose(
            stopped ->
                stopped.isPresent()
                    ? finish(
                        deployment,
                        deployment.cancelled ? DeploymentState.CANCELLED : DeploymentState.FAILED,
                        stopped.get())
                    : gate(deployment, out))
        .recover(
            err -> {
              LOG.warn("deployment {} failed: {}", deployment.id, err.getMessage());
              return finish(
                  deployment, DeploymentState.FAILED, "internal error: " + err.getMessage());
            });
  }

  /**
   * Runs the steps from {@code index} on; completes empty when all succeeded, or with why they
   * stopped.
   */
  private Future<Optional<String>> runSteps(ActiveDeployment deployment, LogSource out, int index) {
    if (deployment.cancelled) {
      return Future.succeededFuture(Optional.of("cancelled before step " + (index + 1)));
    }
    if (index == deployment.request.steps().size()) {
      return Future.succeededFuture(Optional.empty());
    }
    int number = index + 1;
    DeploymentStep step = deployment.request.steps().get(index);
    out.note(
        "[switchboard] step "
            + number
            + "/"
            + deployment.request.steps().size()
            + ": "
            + step.name());
    return store
        .stepStarted(deployment.id, number, step.name())
        .compose(v -> store.atStep(deployment.id, number))
        .compose(v -> publish(deployment.id))
        .compose(v -> steps.run(deployment, out, number, step))
        .compose(
            stopped ->
                stopped.isPresent()
                    ? Future.succeededFuture(stopped)
                    : runSteps(deployment, out, index + 1));
  }

  /**
   * The new definition (if any), a restart, and the health gate; when the gate fails, the rollback.
   */
  private Future<Void> gate(ActiveDeployment deployment, LogSource out) {
    deployment.inGate = true;
    String service = deployment.request.service();
    ServiceDefinition previous = services.definition(service);
    if (previous == null) {
      return finish(
          deployment, DeploymentState.FAILED, "the service was deleted during the deployment");
    }
    ServiceDefinition next = deployment.request.definition();
    return store
        .previous(deployment.id, previous)
        .compose(
            v ->
                next == null || next.equals(previous)
                    ? Future.<Void>succeededFuture()
                    : services.redefine(service, next))
        .compose(
            v -> {
              out.note(
                  "[switchboard] restarting "
                      + service
                      + "; waiting up to "
                      + Durations.format(deployment.request.healthTimeout())
                      + " for it to be healthy");
              return services.restart(service);
            })
        .compose(v -> services.awaitHealthy(service, deployment.request.healthTimeout()))
        .compose(
            v -> {
              out.note("[switchboard] " + service + " is healthy");
              return finish(deployment, DeploymentState.SUCCEEDED, null);
            },
            err -> rollBack(deployment, out, previous, "health gate failed: " + err.getMessage()));
  }

  /**
   * Restores the previous definition and restarts it; the reason says whether that restart failed.
   */
  private Future<Void> rollBack(
      ActiveDeployment deployment, LogSource out, ServiceDefinition previous, String why) {
    String service = deployment.request.service();
    out.note("[switchboard] " + why + "; restoring the previous definition and restarting it");
    Future<Void> restored =
        previous.equals(services.definition(service))
            ? Future.succeededFuture()
            : services.redefine(service, previous);
    return restored.compose(
        v ->
            services
                .restart(service)
                .transform(
                    restart ->
                        finish(
                            deployment,
                            DeploymentState.ROLLED_BACK,
                            restart.succeeded()
                                ? why + "; the previous definition was restored and restarted"
                                : why
                                    + "; the previous definition was restored, but restarting it failed: "
                                    + restart.cause().getMessage())));
  }

  /**
   * Ends the deployment: its output is stored before it is reported finished, then its log stream
   * closes.
   */
  Future<Void> finish(ActiveDeployment deployment, DeploymentState state, String reason) {
    LogSource out = logs.source(deployment.sourceId());
    if (out != null) {
      out.note("[switchboard] deployment " + state.words() + (reason == null ? "" : ": " + reason));
    }
    String id = String.valueOf(deployment.id);
    return logs.close(deployment.sourceId())
        .compose(v -> store.finished(deployment.id, state, reason))
        .compose(v -> publish(deployment.id))
        .onComplete(
            result ->
                vertx
                    .eventBus()
                    .publish(
                        Addresses.deploymentLogs(id),
                        new JsonObject()
                            .put("deploymentId", id)
                            .put("closed", true)
                            .put("reason", state.wire())))
        .mapEmpty();
  }

  /** Reads the deployment as stored and publishes it on {@code deployments.status}. */
  Future<JsonObject> publish(long id) {
    return store
        .get(id)
        .onSuccess(json -> vertx.eventBus().publish(Addresses.DEPLOYMENTS_STATUS, json));
  }
}
