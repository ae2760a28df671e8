package dev.switchboard.supervisor.deployment;

import dev.switchboard.common.config.Durations;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Every SQL statement of deployments, against the {@code supervisor.deployments} and {@code
 * deployment_steps} tables, and the mapping of their rows to the deployment's JSON.
 */
final class DeploymentStore {

  /** What a previous supervisor left queued or running cannot go on: it ends failed, saying so. */
  private static final String INTERRUPT_UNFINISHED =
      "UPDATE supervisor.deployments SET state = $1, finished_at = now(), "
          + "reason = 'interrupted: the supervisor stopped while it was ' || state WHERE state IN ($2, $3)";

  private static final String INSERT =
      "INSERT INTO supervisor.deployments (service, state, steps, definition, health_timeout_ms) "
          + "VALUES ($1, $2, $3, $4, $5) RETURNING id";

  private static final String STARTED =
      "UPDATE supervisor.deployments SET state = $2, step = 0, started_at = now() WHERE id = $1";

  private static final String AT_STEP =
      "UPDATE supervisor.deployments SET state = $2, step = $3 WHERE id = $1";

  private static final String PREVIOUS =
      "UPDATE supervisor.deployments SET previous = $2 WHERE id = $1";

  /** The reason stays when none is given (a deployment that succeeded has none). */
  private static final String FINISHED =
      "UPDATE supervisor.deployments SET state = $2, reason = coalesce($3, reason), finished_at = now() WHERE id = $1";

  private static final String INSERT_STEP =
      "INSERT INTO supervisor.deployment_steps (deployment_id, n, name, state, started_at) VALUES ($1, $2, $3, $4, now())";

  private static final String STEP_FINISHED =
      "UPDATE supervisor.deployment_steps SET state = $3, exit = $4, finished_at = now() WHERE deployment_id = $1 AND n = $2";

  private static final String SELECT = "SELECT * FROM supervisor.deployments WHERE id = $1";

  private static final String SELECT_STEPS =
      "SELECT n, name, state, exit, started_at, finished_at FROM supervisor.deployment_steps WHERE deployment_id = $1 ORDER BY n";

  private static final String LIST =
      "SELECT * FROM supervisor.deployments ORDER BY id DESC LIMIT $1";

  private static final String LIST_OF_SERVICE =
      "SELECT * FROM supervisor.deployments WHERE service = $2 ORDER BY id DESC LIMIT $1";

  private final Pool pool;

  DeploymentStore(Pool pool) {
    this.pool = pool;
  }

  Future<Void> interruptUnfinished() {
    return pool.preparedQuery(INTERRUPT_UNFINISHED)
        .execute(
            Tuple.of(
                DeploymentState.FAILED.wire(),
                DeploymentState.QUEUED.wire(),
                DeploymentState.RUNNING.wire()))
        .mapEmpty();
  }

  /** Stores a new deployment, queued; completes with its id. */
  Future<Long> insert(DeploymentRequest request) {
    ServiceDefinition definition = request.definition();
    return pool.preparedQuery(INSERT)
        .execute(
            Tuple.of(
                request.service(),
                DeploymentState.QUEUED.wire(),
                request.stepsJson(),
                definition == null ? null : definition.toJson(),
                request.healthTimeout().toMillis()))
        .map(rows -> rows.iterator().next().getLong("id"));
  }

  Future<Void> started(long id) {
    return pool.preparedQuery(STARTED)
        .execute(Tuple.of(id, DeploymentState.RUNNING.wire()))
        .mapEmpty();
  }

  /** The deployment runs step {@code number} (1-based). */
  Future<Void> atStep(long id, int number) {
    return pool.preparedQuery(AT_STEP)
        .execute(Tuple.of(id, DeploymentState.RUNNING.wire(), number))
        .mapEmpty();
  }

  /** The definition before the deployment changed it: what a rollback restores. */
  Future<Void> previous(long id, ServiceDefinition definition) {
    return pool.preparedQuery(PREVIOUS).execute(Tuple.of(id, definition.toJson())).mapEmpty();
  }

  Future<Void> finished(long id, DeploymentState state, String reason) {
    return pool.preparedQuery(FINISHED).execute(Tuple.of(id, state.wire(), reason)).mapEmpty();
  }

  Future<Void> stepStarted(long id, int number, String name) {
    return pool.preparedQuery(INSERT_STEP)
        .execute(Tuple.of(id, number, name, StepState.RUNNING.wire()))
        .mapEmpty();
  }

  /** {@code exit} is null when the step's process could not start. */
  Future<Void> stepFinished(long id, int number, StepState state, Integer exit) {
    return pool.preparedQuery(STEP_FINISHED)
        .execute(Tuple.of(id, number, state.wire(), exit))
        .mapEmpty();
  }

  /**
   * The deployment with the state of each step that ran; fails with not found when there is none.
   */
  Future<JsonObject> get(long id) {
    return pool.preparedQuery(SELECT)
        .execute(Tuple.of(id))
        .compose(
            rows -> {
              if (rows.size() == 0) {
                return Future.failedFuture(ApiException.notFound("no deployment " + id));
              }
              JsonObject deployment = json(rows.iterator().next());
              return pool.preparedQuery(SELECT_STEPS)
                  .execute(Tuple.of(id))
                  .map(
                      stepRows -> {
                        JsonArray steps = deployment.getJsonArray("steps");
                        for (Row row : stepRows) {
                          addStepState(steps.getJsonObject(row.getInteger("n") - 1), row);
                        }
                        return deployment;
                      });
            });
  }

  /**
   * The newest deployments first, of one service when {@code service} is not null (without their
   * steps' states).
   */
  Future<JsonArray> list(String service, int limit) {
    Future<RowSet<Row>> rows =
        service == null
            ? pool.preparedQuery(LIST).execute(Tuple.of(limit))
            : pool.preparedQuery(LIST_OF_SERVICE).execute(Tuple.of(limit, service));
    return rows.map(
        set -> {
          JsonArray list = new JsonArray();
          set.forEach(row -> list.add(json(row)));
          return list;
        });
  }

  private static JsonObject json(Row row) {
    JsonArray steps = new JsonArray();
    if (row.getValue("steps") instanceof JsonArray stored) {
      stored.forEach(item -> steps.add(item instanceof JsonObject step ? step.copy() : item));
    }
    JsonObject json =
        new JsonObject()
            .put("id", String.valueOf(row.getLong("id")))
            .put("service", row.getString("service"))
            .put("state", row.getString("state"))
            .put("step", row.getInteger("step"))
            .put("totalSteps", steps.size())
            .put("steps", steps)
            .put("newDefinition", row.getValue("definition") != null)
            .put(
                "healthTimeout",
                Durations.format(Duration.ofMillis(row.getLong("health_timeout_ms"))))
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

  private static void addStepState(JsonObject step, Row row) {
    step.put("state", row.getString("state"))
        .put("startedAt", text(row.getOffsetDateTime("started_at")));
    if (row.getInteger("exit") != null) {
      step.put("exit", row.getInteger("exit"));
    }
    if (row.getOffsetDateTime("finished_at") != null) {
      step.put("finishedAt", text(row.getOffsetDateTime("finished_at")));
    }
  }

  private static String text(OffsetDateTime at) {
    return at == null ? null : at.withOffsetSameInstant(ZoneOffset.UTC).toInstant().toString();
  }
}
