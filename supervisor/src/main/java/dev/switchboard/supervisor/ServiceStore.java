package dev.switchboard.supervisor;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** The {@code supervisor.services} and {@code service_events} tables. */
final class ServiceStore {

  /**
   * A stored service: its definition, where it came from, what is wanted of it, and its last known
   * process.
   */
  record Stored(
      JsonObject definition,
      String source,
      String desired,
      Integer pid,
      Long procStart,
      String instance,
      Instant startedAt,
      Instant createdAt,
      Instant updatedAt) {}

  private final Pool pool;

  ServiceStore(Pool pool) {
    this.pool = pool;
  }

  Future<List<Stored>> all() {
    return pool.query("SELECT * FROM supervisor.services ORDER BY name")
        .execute()
        .map(
            rows -> {
              List<Stored> all = new ArrayList<>();
              for (Row row : rows) {
                all.add(
                    new Stored(
                        row.getJsonObject("definition"),
                        row.getString("source"),
                        row.getString("desired"),
                        row.getInteger("pid"),
                        row.getLong("proc_start"),
                        row.getString("instance"),
                        instant(row, "started_at"),
                        instant(row, "created_at"),
                        instant(row, "updated_at")));
              }
              return all;
            });
  }

  Future<Instant> insert(JsonObject definition, String source) {
    return pool.preparedQuery(
            "INSERT INTO supervisor.services (name, definition, source) VALUES ($1, $2, $3) RETURNING created_at")
        .execute(Tuple.of(definition.getString("name"), definition, source))
        .map(rows -> rows.iterator().next().getOffsetDateTime("created_at").toInstant())
        .recover(
            err ->
                Future.failedFuture(
                    err instanceof PgException pg && "23505".equals(pg.getSqlState())
                        ? new ApiException(
                            ErrorType.CONFLICT,
                            "a service named "
                                + definition.getString("name")
                                + " exists already (names are unique ignoring case)",
                            "name")
                        : err));
  }

  Future<Void> update(JsonObject definition, String source) {
    return pool.preparedQuery(
            "UPDATE supervisor.services SET definition = $2, source = $3, updated_at = now() WHERE name = $1")
        .execute(Tuple.of(definition.getString("name"), definition, source))
        .mapEmpty();
  }

  Future<Void> delete(String name) {
    return pool.preparedQuery("DELETE FROM supervisor.services WHERE name = $1")
        .execute(Tuple.of(name))
        .compose(
            r ->
                pool.preparedQuery("DELETE FROM supervisor.service_events WHERE service = $1")
                    .execute(Tuple.of(name)))
        .mapEmpty();
  }

  Future<Void> desired(String name, String desired) {
    return pool.preparedQuery("UPDATE supervisor.services SET desired = $2 WHERE name = $1")
        .execute(Tuple.of(name, desired))
        .mapEmpty();
  }

  Future<Void> process(
      String name, Integer pid, Long procStart, String instance, Instant startedAt) {
    return pool.preparedQuery(
            "UPDATE supervisor.services SET pid = $2, pgid = $2, proc_start = $3, instance = $4, started_at = $5 WHERE name = $1")
        .execute(
            Tuple.of(
                name,
                pid,
                procStart,
                instance,
                startedAt == null ? null : OffsetDateTime.ofInstant(startedAt, ZoneOffset.UTC)))
        .mapEmpty();
  }

  /**
   * A transition, at the instant it happened: not the database's {@code now()}, which is when the
   * insert ran (later, and out of order between services, when writes wait for the database).
   */
  Future<Void> event(
      String name, ServiceState state, String reason, Integer pid, Integer exit, Instant at) {
    return pool.preparedQuery(
            "INSERT INTO supervisor.service_events (service, state, reason, pid, exit, at)"
                + " VALUES ($1, $2, $3, $4, $5, $6)")
        .execute(
            Tuple.of(
                name,
                state.wire(),
                reason,
                pid,
                exit,
                OffsetDateTime.ofInstant(at, ZoneOffset.UTC)))
        .mapEmpty();
  }

  Future<JsonArray> events(String name, int limit) {
    return pool.preparedQuery(
            "SELECT at, state, reason, pid, exit FROM supervisor.service_events WHERE service = $1 ORDER BY id DESC LIMIT $2")
        .execute(Tuple.of(name, limit))
        .map(
            rows -> {
              JsonArray events = new JsonArray();
              for (Row row : rows) {
                JsonObject event =
                    new JsonObject()
                        .put("at", row.getOffsetDateTime("at").toInstant().toString())
                        .put("state", row.getString("state"));
                if (row.getString("reason") != null) {
                  event.put("reason", row.getString("reason"));
                }
                if (row.getInteger("pid") != null) {
                  event.put("pid", row.getInteger("pid"));
                }
                if (row.getInteger("exit") != null) {
                  event.put("exit", row.getInteger("exit"));
                }
                events.add(event);
              }
              return events;
            });
  }

  private static Instant instant(Row row, String column) {
    OffsetDateTime value = row.getOffsetDateTime(column);
    return value == null ? null : value.toInstant();
  }
}
