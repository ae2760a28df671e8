package dev.switchboard.supervisor;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.config.Durations;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.supervisor.definition.Dependency;
import dev.switchboard.supervisor.definition.Fields;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.logs.LogLine;
import dev.switchboard.supervisor.logs.LogPipeline;
import dev.switchboard.supervisor.logs.LogQuery;
import dev.switchboard.supervisor.logs.LogReader;
import dev.switchboard.supervisor.logs.LogSource;
import dev.switchboard.supervisor.logs.LogStore;
import dev.switchboard.supervisor.process.Launch;
import dev.switchboard.supervisor.process.LaunchFailure;
import dev.switchboard.supervisor.process.ProcessGroups;
import dev.switchboard.supervisor.process.StepProcess;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.Channels;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Deployments: an ordered list of steps (commands) run for a service, then a restart of the
 * service, with the new definition when one is given, gated on its health. When the gate fails the
 * previous definition is restored and restarted, and the deployment ends {@code rolled_back}
 * saying why. One deployment at a time per service; the others wait in order ({@code queued}).
 * Step output goes to {@code deployments.logs.<id>} and the database like a service's output.
 */
final class Deployments {

  static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofMinutes(2);
  static final Duration DEFAULT_STEP_TIMEOUT = Duration.ofMinutes(30);
  private static final Logger LOG = LoggerFactory.getLogger(Deployments.class);
  private static final Set<String> FIELDS = Set.of("service", "steps", "definition", "healthTimeout");
  private static final Set<String> STEP_FIELDS = Set.of("name", "command", "shell", "cwd", "env", "timeout");

  /** One step as asked for. */
  record Step(String name, List<String> argv, String cwd, Map<String, String> env, Duration timeout) {

    JsonObject toJson() {
      JsonObject env = new JsonObject();
      this.env.forEach(env::put);
      JsonObject json = new JsonObject().put("name", name).put("command", new JsonArray(argv)).put("env", env)
        .put("timeout", Durations.format(timeout));
      if (cwd != null) {
        json.put("cwd", cwd);
      }
      return json;
    }
  }

  /** A deployment in memory, while it is queued or running. */
  private static final class Deployment {
    final long id;
    final String service;
    final List<Step> steps;
    final ServiceDefinition definition;
    final Duration healthTimeout;
    StepProcess process;
    boolean cancelled;
    boolean inGate;

    Deployment(long id, String service, List<Step> steps, ServiceDefinition definition, Duration healthTimeout) {
      this.id = id;
      this.service = service;
      this.steps = steps;
      this.definition = definition;
      this.healthTimeout = healthTimeout;
    }

    String sourceId() {
      return "deployment:" + id;
    }
  }

  private final Vertx vertx;
  private final Pool pool;
  private final Supervisor supervisor;
  private final LogPipeline logs;
  private final LogStore logStore;
  private final WorkerExecutor workers;
  private final Clock clock;
  private final Map<String, ArrayDeque<Deployment>> queues = new HashMap<>();
  private final Map<String, Deployment> running = new HashMap<>();
  private final Map<Long, Deployment> active = new HashMap<>();

  Deployments(Vertx vertx, Pool pool, Supervisor supervisor, LogPipeline logs, LogStore logStore, WorkerExecutor workers,
              Clock clock) {
    this.vertx = vertx;
    this.pool = pool;
    this.supervisor = supervisor;
    this.logs = logs;
    this.logStore = logStore;
    this.workers = workers;
    this.clock = clock;
  }

  /** Deployments a previous supervisor left unfinished cannot go on: they are marked failed, saying so. */
  Future<Void> load() {
    return pool.query("UPDATE supervisor.deployments SET state = 'failed', finished_at = now(), "
      + "reason = 'interrupted: the supervisor stopped while it was ' || state WHERE state IN ('queued', 'running')")
      .execute().mapEmpty();
  }

  static long id(JsonObject body) {
    Object id = body.getValue("id");
    try {
      long n = id instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(id));
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiException.invalid("id", "must be a deployment id (a positive whole number)");
    }
  }

  // ---- create ----

  Future<JsonObject> create(JsonObject body) {
    for (String field : body.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw ApiException.invalid(field, "unknown field; known fields are " + String.join(", ", FIELDS));
      }
    }
    String service = SupervisorVerticle.name(new JsonObject().put("name", body.getValue("service")));
    ManagedService target;
    try {
      target = supervisor.existing(service);
    } catch (ApiException e) {
      throw ApiException.invalid("service", "no service named " + service);
    }
    List<Step> steps = steps(body.getValue("steps"), target.definition());
    ServiceDefinition definition = null;
    if (body.getValue("definition") != null) {
      if (!(body.getValue("definition") instanceof JsonObject json)) {
        throw ApiException.invalid("definition", "must be the service's new definition");
      }
      Object named = json.getValue("name");
      if (named != null && !service.equals(named)) {
        throw ApiException.invalid("definition.name", "must be the deployment's service (" + service + "), or left out");
      }
      try {
        definition = ServiceDefinition.parse(json.copy().put("name", service));
      } catch (ApiException e) {
        throw ApiException.invalid("definition." + e.field(), e.getMessage());
      }
      for (Dependency dep : definition.dependsOn()) {
        if (supervisor.service(dep.name()) == null) {
          throw ApiException.invalid("definition.dependsOn", "names " + dep.name() + ", which is not a service");
        }
      }
    }
    Duration healthTimeout = healthTimeout(body.getValue("healthTimeout"));
    JsonArray stepsJson = new JsonArray();
    steps.forEach(step -> stepsJson.add(step.toJson()));
    ServiceDefinition def = definition;
    return pool.preparedQuery("INSERT INTO supervisor.deployments (service, state, steps, definition, health_timeout_ms) "
        + "VALUES ($1, 'queued', $2, $3, $4) RETURNING id")
      .execute(Tuple.of(service, stepsJson, def == null ? null : def.toJson(), healthTimeout.toMillis()))
      .compose(rows -> {
        long id = rows.iterator().next().getLong("id");
        Deployment deployment = new Deployment(id, service, steps, def, healthTimeout);
        active.put(id, deployment);
        queues.computeIfAbsent(service, s -> new ArrayDeque<>()).add(deployment);
        return logs.open(deployment.sourceId(), Addresses.deploymentLogs(String.valueOf(id)), "deploymentId", String.valueOf(id))
          .compose(source -> {
            source.note("[switchboard] deployment " + id + " of " + service + " queued: " + steps.size() + " steps"
              + (def == null ? "" : ", then the new definition"));
            return get(id);
          })
          .onSuccess(json -> {
            vertx.eventBus().publish(Addresses.DEPLOYMENTS_STATUS, json);
            next(service);
          });
      });
  }

  private static List<Step> steps(Object raw, ServiceDefinition service) {
    if (!(raw instanceof JsonArray list)) {
      if (raw == null) {
        return List.of();
      }
      throw ApiException.invalid("steps", "must be a list of steps, each {name?, command, cwd?, env?, timeout?}");
    }
    if (list.size() > 50) {
      throw ApiException.invalid("steps", "at most 50 steps");
    }
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "steps[" + i + "]";
      Object item = list.getValue(i);
      JsonObject json = item instanceof JsonArray argv ? new JsonObject().put("command", argv)
        : item instanceof JsonObject object ? object : null;
      if (json == null) {
        throw ApiException.invalid(path, "must be a step {name?, command, cwd?, env?, timeout?} or an argv");
      }
      for (String field : json.fieldNames()) {
        if (!STEP_FIELDS.contains(field)) {
          throw ApiException.invalid(path + "." + field, "unknown field; known fields are " + String.join(", ", STEP_FIELDS));
        }
      }
      // a step reads like a service definition: the same rules for command, cwd, env
      JsonObject probe = new JsonObject().put("name", "step").put("command", json.getValue("command"));
      for (String field : List.of("shell", "cwd", "env")) {
        if (json.getValue(field) != null) {
          probe.put(field, json.getValue(field));
        }
      }
      ServiceDefinition parsed;
      try {
        parsed = ServiceDefinition.parse(probe);
      } catch (ApiException e) {
        throw ApiException.invalid(path + "." + e.field(), e.getMessage());
      }
      Object name = json.getValue("name");
      if (name != null && (!(name instanceof String text) || text.isBlank() || text.length() > 200)) {
        throw ApiException.invalid(path + ".name", "must be a short text");
      }
      if (name != null) {
        Fields.storable(path + ".name", (String) name);
      }
      Duration timeout = DEFAULT_STEP_TIMEOUT;
      if (json.getValue("timeout") != null) {
        try {
          timeout = json.getValue("timeout") instanceof Number n ? Duration.ofMillis(n.longValue())
            : Duration.ofMillis(Durations.parseMillis(json.getString("timeout")));
        } catch (RuntimeException e) {
          throw ApiException.invalid(path + ".timeout", "must be a duration like \"10m\"");
        }
      }
      Map<String, String> env = new java.util.LinkedHashMap<>(service.env());
      env.putAll(parsed.env());
      steps.add(new Step(name == null ? String.join(" ", parsed.argv()) : (String) name, parsed.argv(),
        parsed.cwd() != null ? parsed.cwd() : service.cwd(), env, timeout));
    }
    return steps;
  }

  private static Duration healthTimeout(Object raw) {
    if (raw == null) {
      return DEFAULT_HEALTH_TIMEOUT;
    }
    try {
      Duration d = raw instanceof Number n ? Duration.ofMillis(n.longValue()) : Duration.ofMillis(Durations.parseMillis((String) raw));
      if (d.isZero() || d.isNegative() || d.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException();
      }
      return d;
    } catch (RuntimeException e) {
      throw ApiException.invalid("healthTimeout", "must be a duration from 1ms to 1h, like \"2m\"");
    }
  }

  // ---- running ----

  private void next(String service) {
    if (running.containsKey(service)) {
      return;
    }
    ArrayDeque<Deployment> queue = queues.get(service);
    Deployment deployment = queue == null ? null : queue.poll();
    if (deployment == null) {
      return;
    }
    running.put(service, deployment);
    run(deployment).onComplete(r -> {
      running.remove(service);
      active.remove(deployment.id);
      next(service);
    });
  }

  private Future<Void> run(Deployment d) {
    LogSource out = logs.source(d.sourceId());
    return update(d.id, "running", 0, null, true, false)
      .compose(v -> runSteps(d, out, 0))
      .compose(failure -> {
        if (failure != null) {
          return finish(d, d.cancelled ? "cancelled" : "failed", failure);
        }
        return gate(d, out);
      })
      .recover(err -> {
        LOG.warn("deployment {} failed: {}", d.id, err.getMessage());
        return finish(d, "failed", "internal error: " + err.getMessage());
      });
  }

  /** Runs the steps from {@code index}; completes with null when all succeeded, or with why it stopped. */
  private Future<String> runSteps(Deployment d, LogSource out, int index) {
    if (d.cancelled) {
      return Future.succeededFuture("cancelled before step " + (index + 1));
    }
    if (index == d.steps.size()) {
      return Future.succeededFuture(null);
    }
    Step step = d.steps.get(index);
    int n = index + 1;
    out.note("[switchboard] step " + n + "/" + d.steps.size() + ": " + step.name());
    Launch launch = Launch.of(step.argv(), step.cwd(), step.env(), Map.of("SWITCHBOARD_DEPLOYMENT", String.valueOf(d.id)),
      supervisor.defaultCwd());
    return pool.preparedQuery("INSERT INTO supervisor.deployment_steps (deployment_id, n, name, state, started_at) VALUES ($1, $2, $3, 'running', now())")
      .execute(Tuple.of(d.id, n, step.name()))
      .compose(v -> update(d.id, "running", n, null, false, false))
      .compose(v -> workers.executeBlocking(() -> StepProcess.start(launch), false))
      .compose(process -> {
        d.process = process;
        if (d.cancelled) {
          // cancelled between the fork and now
          kill(process);
        }
        int maxLine = logs.options().maxLineBytes();
        LogReader o = new LogReader("deploy-" + d.id + "-out", () -> Channels.newChannel(process.stdout()), out, LogLine.STDOUT, maxLine).start();
        LogReader e = new LogReader("deploy-" + d.id + "-err", () -> Channels.newChannel(process.stderr()), out, LogLine.STDERR, maxLine).start();
        Promise<Integer> exit = Promise.promise();
        long timer = vertx.setTimer(step.timeout().toMillis(), id -> {
          out.note("[switchboard] step " + n + " ran past its timeout of " + Durations.format(step.timeout()) + "; ending it");
          kill(process);
        });
        process.onExit().whenComplete((code, x) -> supervisor.context().runOnContext(v -> exit.complete(code)));
        return exit.future().compose(code -> {
          vertx.cancelTimer(timer);
          d.process = null;
          // the output readers finish once everything that held the pipes is gone
          return Future.fromCompletionStage(java.util.concurrent.CompletableFuture.allOf(o.done(), e.done())
              .orTimeout(2, java.util.concurrent.TimeUnit.SECONDS), supervisor.context())
            .otherwiseEmpty()
            .map(code);
        });
      })
      .compose(code -> {
        String state = d.cancelled ? "cancelled" : code == 0 ? "succeeded" : "failed";
        out.note("[switchboard] step " + n + " " + (code == 0 ? "succeeded" : "exited with code " + code));
        return pool.preparedQuery("UPDATE supervisor.deployment_steps SET state = $3, exit = $4, finished_at = now() WHERE deployment_id = $1 AND n = $2")
          .execute(Tuple.of(d.id, n, state, code))
          .compose(v -> d.cancelled ? Future.succeededFuture("cancelled during step " + n + " (" + step.name() + ")")
            : code != 0 ? Future.succeededFuture("step " + n + " (" + step.name() + ") exited with code " + code)
            : runSteps(d, out, index + 1));
      }, err -> {
        String why = err instanceof LaunchFailure ? err.getMessage() : "cannot run step: " + err.getMessage();
        out.note("[switchboard] step " + n + ": " + why);
        return pool.preparedQuery("UPDATE supervisor.deployment_steps SET state = 'failed', finished_at = now() WHERE deployment_id = $1 AND n = $2")
          .execute(Tuple.of(d.id, n))
          .map("step " + n + " (" + step.name() + "): " + why);
      });
  }

  private void kill(StepProcess process) {
    workers.executeBlocking(() -> ProcessGroups.terminate(process.pgid(), "TERM", Duration.ofSeconds(5),
      null, null), false);
  }

  /** The new definition (if any), a restart, and the health gate; on failure the previous definition comes back. */
  private Future<Void> gate(Deployment d, LogSource out) {
    d.inGate = true;
    ManagedService service = supervisor.service(d.service);
    if (service == null) {
      return finish(d, "failed", "the service was deleted during the deployment");
    }
    ServiceDefinition previous = service.definition();
    Future<?> redefined = d.definition == null || d.definition.equals(previous) ? Future.succeededFuture()
      : supervisor.update(d.service, d.definition, service.source());
    return pool.preparedQuery("UPDATE supervisor.deployments SET previous = $2 WHERE id = $1")
      .execute(Tuple.of(d.id, previous.toJson()))
      .compose(v -> redefined)
      .compose(v -> {
        out.note("[switchboard] restarting " + d.service + "; waiting up to " + Durations.format(d.healthTimeout) + " for it to be healthy");
        return service.restart().recover(e -> Future.failedFuture(e.getMessage()));
      })
      .compose(v -> service.await(Dependency.Condition.HEALTHY, d.healthTimeout))
      .compose(v -> {
        out.note("[switchboard] " + d.service + " is healthy");
        return finish(d, "succeeded", null);
      }, err -> {
        String why = "health gate failed: " + err.getMessage();
        out.note("[switchboard] " + why + "; restoring the previous definition and restarting it");
        Future<?> restored = service.definition().equals(previous) ? Future.succeededFuture()
          : supervisor.update(d.service, previous, service.source());
        return restored.compose(v -> service.restart().otherwiseEmpty())
          .compose(v -> finish(d, "rolled_back", why + "; the previous definition was restored and restarted"));
      });
  }

  private Future<Void> finish(Deployment d, String state, String reason) {
    LogSource out = logs.source(d.sourceId());
    if (out != null) {
      out.note("[switchboard] deployment " + state.replace('_', ' ') + (reason == null ? "" : ": " + reason));
    }
    // the output is stored before the deployment is reported finished
    return logs.close(d.sourceId()).compose(v -> update(d.id, state, null, reason, false, true)).onComplete(r ->
      vertx.eventBus().publish(Addresses.deploymentLogs(String.valueOf(d.id)),
        new JsonObject().put("deploymentId", String.valueOf(d.id)).put("closed", true).put("reason", state)));
  }

  private Future<Void> update(long id, String state, Integer step, String reason, boolean started, boolean finished) {
    return pool.preparedQuery("UPDATE supervisor.deployments SET state = $2, step = coalesce($3, step), reason = coalesce($4, reason), "
        + "started_at = CASE WHEN $5 THEN now() ELSE started_at END, finished_at = CASE WHEN $6 THEN now() ELSE finished_at END WHERE id = $1")
      .execute(Tuple.of(id, state, step, reason, started, finished))
      .compose(v -> get(id))
      .onSuccess(json -> vertx.eventBus().publish(Addresses.DEPLOYMENTS_STATUS, json))
      .mapEmpty();
  }

  // ---- queries and cancel ----

  Future<JsonObject> get(long id) {
    return pool.preparedQuery("SELECT * FROM supervisor.deployments WHERE id = $1").execute(Tuple.of(id)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(ApiException.notFound("no deployment " + id));
      }
      JsonObject deployment = json(rows.iterator().next());
      return pool.preparedQuery("SELECT n, name, state, exit, started_at, finished_at FROM supervisor.deployment_steps "
          + "WHERE deployment_id = $1 ORDER BY n").execute(Tuple.of(id))
        .map(stepRows -> {
          JsonArray steps = deployment.getJsonArray("steps");
          for (Row row : stepRows) {
            JsonObject step = steps.getJsonObject(row.getInteger("n") - 1);
            step.put("state", row.getString("state")).put("startedAt", text(row.getOffsetDateTime("started_at")));
            if (row.getInteger("exit") != null) {
              step.put("exit", row.getInteger("exit"));
            }
            if (row.getOffsetDateTime("finished_at") != null) {
              step.put("finishedAt", text(row.getOffsetDateTime("finished_at")));
            }
          }
          return deployment;
        });
    });
  }

  Future<JsonObject> list(JsonObject body) {
    int limit = SupervisorVerticle.limit(body, 50, 500);
    Object service = body.getValue("service");
    Future<io.vertx.sqlclient.RowSet<Row>> rows = service == null
      ? pool.preparedQuery("SELECT * FROM supervisor.deployments ORDER BY id DESC LIMIT $1").execute(Tuple.of(limit))
      : pool.preparedQuery("SELECT * FROM supervisor.deployments WHERE service = $2 ORDER BY id DESC LIMIT $1")
        .execute(Tuple.of(limit, SupervisorVerticle.name(new JsonObject().put("name", service))));
    return rows.map(set -> {
      JsonArray list = new JsonArray();
      set.forEach(row -> list.add(json(row)));
      return new JsonObject().put("deployments", list);
    });
  }

  Future<JsonObject> logs(long id, LogQuery query, boolean tail) {
    String source = "deployment:" + id;
    return get(id).compose(d -> (tail ? logs.tail(source, query.limit()) : logs.query(source, query)))
      .map(lines -> {
        JsonArray array = new JsonArray();
        lines.forEach(line -> array.add(line.toJson()));
        return new JsonObject().put("deploymentId", String.valueOf(id)).put("lines", array);
      });
  }

  Future<JsonObject> cancel(long id) {
    Deployment d = active.get(id);
    if (d == null) {
      return get(id).compose(json -> Future.failedFuture(new ApiException(ErrorType.CONFLICT,
        "deployment " + id + " is " + json.getString("state") + "; only a queued or running one can be cancelled", (String) null)));
    }
    if (d.inGate) {
      return Future.failedFuture(new ApiException(ErrorType.CONFLICT,
        "deployment " + id + " is in its health gate; it ends by itself (succeeded or rolled back)", (String) null));
    }
    d.cancelled = true;
    ArrayDeque<Deployment> queue = queues.get(d.service);
    if (queue != null && queue.remove(d)) {
      active.remove(id);
      return finish(d, "cancelled", "cancelled while queued").compose(v -> get(id));
    }
    if (d.process != null) {
      kill(d.process);
    }
    return get(id);
  }

  /** Supervisor stopping: running steps are ended; the deployments stay marked for the next start to report. */
  Future<Void> shutdown() {
    List<StepProcess> running = new ArrayList<>();
    for (Deployment d : active.values()) {
      d.cancelled = true;
      if (d.process != null) {
        running.add(d.process);
      }
    }
    if (running.isEmpty()) {
      return Future.succeededFuture();
    }
    return workers.executeBlocking(() -> {
      running.forEach(process -> ProcessGroups.signal(process.pgid(), "KILL"));
      return null;
    }, false).mapEmpty();
  }

  private static JsonObject json(Row row) {
    JsonArray steps = new JsonArray();
    Object raw = row.getValue("steps");
    if (raw instanceof JsonArray array) {
      array.forEach(item -> steps.add(item instanceof JsonObject step ? step.copy() : item));
    }
    JsonObject json = new JsonObject()
      .put("id", String.valueOf(row.getLong("id")))
      .put("service", row.getString("service"))
      .put("state", row.getString("state"))
      .put("step", row.getInteger("step"))
      .put("totalSteps", steps.size())
      .put("steps", steps)
      .put("newDefinition", row.getValue("definition") != null)
      .put("healthTimeout", Durations.format(Duration.ofMillis(row.getLong("health_timeout_ms"))))
      .put("createdAt", text(row.getOffsetDateTime("created_at")));
    if (row.getString("reason") != null) {
      json.put("reason", row.getString("reason"));
    }
    if (row.getOffsetDateTime("started_at") != null) {
      json.put("startedAt", text(row.getOffsetDateTime("started_at")));
    }
    if (row.getOffsetDateTime("finished_at") != null) {
      json.put("finishedAt", text(row.getOffsetDateTime("finished_at")));
    }
    return json;
  }

  private static String text(OffsetDateTime at) {
    return at == null ? null : at.withOffsetSameInstant(ZoneOffset.UTC).toInstant().toString();
  }
}
