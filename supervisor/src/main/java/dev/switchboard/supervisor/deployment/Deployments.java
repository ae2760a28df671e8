package dev.switchboard.supervisor.deployment;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.supervisor.logs.LogPipeline;
import dev.switchboard.supervisor.logs.LogQuery;
import dev.switchboard.supervisor.process.ProcessGroups;
import dev.switchboard.supervisor.process.StepProcess;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deployments: an ordered list of steps (commands) run for a service, then a restart of the
 * service, with the new definition when one is given, gated on its health. When the gate fails the
 * previous definition is restored and restarted, and the deployment ends {@code rolled_back} saying
 * why (and whether that restart failed). One deployment at a time per service; the others wait in
 * order ({@code queued}). Step output goes to {@code deployments.logs.<id>} and the database like a
 * service's output. This class answers the requests and keeps the queues; {@link DeploymentRunner}
 * runs each deployment.
 */
public final class Deployments {

  private static final Logger LOG = LoggerFactory.getLogger(Deployments.class);

  private final DeploymentStore store;
  private final DeploymentRunner runner;
  private final StepRunner steps;
  private final ServiceControl services;
  private final LogPipeline logs;
  private final WorkerExecutor workers;
  private final Map<String, ArrayDeque<ActiveDeployment>> queues = new HashMap<>();
  private final Map<String, ActiveDeployment> running = new HashMap<>();
  private final Map<Long, ActiveDeployment> active = new HashMap<>();

  /**
   * {@code context} is the supervisor's event loop, where every deployment is handled; {@code
   * defaultCwd} is where a step runs when neither it nor its service names a directory.
   */
  public Deployments(
      Vertx vertx,
      Context context,
      Pool pool,
      ServiceControl services,
      LogPipeline logs,
      WorkerExecutor workers,
      Path defaultCwd) {
    this.store = new DeploymentStore(pool);
    this.steps = new StepRunner(vertx, context, workers, store, logs, defaultCwd);
    this.runner = new DeploymentRunner(vertx, store, logs, steps, services);
    this.services = services;
    this.logs = logs;
    this.workers = workers;
  }

  /**
   * Deployments a previous supervisor left unfinished cannot go on: they are marked failed, saying
   * so.
   */
  public Future<Void> load() {
    return store.interruptUnfinished();
  }

  /** The deployment id in {@code body}'s field {@code id}. */
  public static long id(JsonObject body) {
    Object raw = body.getValue("id");
    try {
      long id =
          raw instanceof Number number ? number.longValue() : Long.parseLong(String.valueOf(raw));
      if (id >= 1) {
        return id;
      }
    } catch (NumberFormatException notANumber) {
      // refused below
    }
    throw ApiException.invalid("id", "must be a deployment id (a positive whole number)");
  }

  /** Queues a deployment ({@link DeploymentRequest}) and answers it as stored, {@code queued}. */
  public Future<JsonObject> create(JsonObject body) {
    DeploymentRequest request = DeploymentRequest.parse(body, services);
    String service = request.service();
    return store
        .insert(request)
        .compose(
            id -> {
              ActiveDeployment deployment = new ActiveDeployment(id, request);
              active.put(id, deployment);
              queues.computeIfAbsent(service, name -> new ArrayDeque<>()).add(deployment);
              return logs.open(
                      deployment.sourceId(),
                      Addresses.deploymentLogs(String.valueOf(id)),
                      "deploymentId",
                      String.valueOf(id))
                  .compose(
                      source -> {
                        source.note(
                            "[switchboard] deployment "
                                + id
                                + " of "
                                + service
                                + " queued: "
                                + request.steps().size()
                                + " steps"
                                + (request.definition() == null
                                    ? ""
                                    : ", then the new definition"));
                        return runner.publish(id);
                      })
                  .onSuccess(json -> next(service));
            });
  }

  /** Runs the next deployment of {@code service} unless one is running. */
  private void next(String service) {
    if (running.containsKey(service)) {
      return;
    }
    ArrayDeque<ActiveDeployment> queue = queues.get(service);
    ActiveDeployment deployment = queue == null ? null : queue.poll();
    if (deployment == null) {
      return;
    }
    running.put(service, deployment);
    runner
        .run(deployment)
        .onComplete(
            result -> {
              if (result.failed()) {
                LOG.warn(
                    "deployment {} of {} ended, but its end could not be stored: {}",
                    deployment.id,
                    service,
                    result.cause().getMessage());
              }
              running.remove(service);
              active.remove(deployment.id);
              next(service);
            });
  }

  public Future<JsonObject> get(long id) {
    return store.get(id);
  }

  /**
   * The newest {@code limit} deployments, of the service in {@code query}'s field {@code service}
   * when given.
   */
  public Future<JsonObject> list(JsonObject query, int limit) {
    Object service = query.getValue("service");
    return store
        .list(service == null ? null : DeploymentRequest.service(service), limit)
        .map(list -> new JsonObject().put("deployments", list));
  }

  /**
   * The deployment's output: the lines that match {@code query}, or with {@code tail} the newest
   * ones.
   */
  public Future<JsonObject> logs(long id, LogQuery query, boolean tail) {
    String source = ActiveDeployment.sourceId(id);
    return get(id)
        .compose(deployment -> tail ? logs.tail(source, query.limit()) : logs.query(source, query))
        .map(
            lines -> {
              JsonArray array = new JsonArray();
              lines.forEach(line -> array.add(line.toJson()));
              return new JsonObject().put("deploymentId", String.valueOf(id)).put("lines", array);
            });
  }

  /**
   * Cancels a queued deployment, or ends the step of a running one; one in its health gate ends by
   * itself.
   */
  public Future<JsonObject> cancel(long id) {
    ActiveDeployment deployment = active.get(id);
    if (deployment == null) {
      return get(id)
          .compose(
              json ->
                  Future.failedFuture(
                      new ApiException(
                          ErrorType.CONFLICT,
                          "deployment "
                              + id
                              + " is "
                              + json.getString("state")
                              + "; only a queued or running one can be cancelled",
                          (String) null)));
    }
    if (deployment.inGate) {
      return Future.failedFuture(
          new ApiException(
              ErrorType.CONFLICT,
              "deployment "
                  + id
                  + " is in its health gate; it ends by itself (succeeded or rolled back)",
              (String) null));
    }
    deployment.cancelled = true;
    ArrayDeque<ActiveDeployment> queue = queues.get(deployment.request.service());
    if (queue != null && queue.remove(deployment)) {
      active.remove(id);
      return runner
          .finish(deployment, DeploymentState.CANCELLED, "cancelled while queued")
          .compose(v -> get(id));
    }
    if (deployment.process != null) {
      steps.kill(deployment, deployment.process);
    }
    return get(id);
  }

  /**
   * Supervisor stopping: running steps are ended; the deployments stay marked for the next start to
   * report.
   */
  public Future<Void> shutdown() {
    List<StepProcess> processes = new ArrayList<>();
    for (ActiveDeployment deployment : active.values()) {
      deployment.cancelled = true;
      if (deployment.process != null) {
        processes.add(deployment.process);
      }
    }
    if (processes.isEmpty()) {
      return Future.succeededFuture();
    }
    return workers
        .executeBlocking(
            () -> {
              processes.forEach(process -> ProcessGroups.signal(process.pgid(), "KILL"));
              return null;
            },
            false)
        .mapEmpty();
  }
}
