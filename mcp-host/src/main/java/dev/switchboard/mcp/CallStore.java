package dev.switchboard.mcp;

import dev.switchboard.common.db.Backoff;
import dev.switchboard.common.db.BatchWriter;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.db.KeysetPage;
import dev.switchboard.common.db.Retention;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.observability.Telemetry;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;

/**
 * The {@code mcp.calls} table: every {@code tools/call} the host served, recorded through a {@link
 * BatchWriter} (a bounded queue written in batches, so a call never waits for the database; beyond
 * {@link #CAPACITY} rows waiting, calls are dropped and counted in {@code
 * switchboard_mcp_calls_audit_dropped_total}), read newest first with filters and a keyset cursor
 * ({@link #list}), and pruned every {@link #PRUNE_EVERY}: rows older than the retention, then all
 * but the newest {@code maxRows}. Used on the host's context.
 */
final class CallStore {

  /** Rendered {@code switchboard_mcp_calls_audit_dropped_total} by Prometheus. */
  static final String DROPPED_METER = "mcp.calls.audit.dropped";

  static final Set<String> OUTCOMES =
      Set.of("ok", "error", "tool_error", "cancelled", "crashed", "refused");
  static final Set<String> VIAS = Set.of("http", "socket", "websocket");

  static final int CAPACITY = 10_000;
  static final int BATCH_ROWS = 500;
  static final Duration TICK = Duration.ofMillis(200);
  static final Duration PRUNE_EVERY = Duration.ofHours(1);
  static final int MAX_LIMIT = 500;
  static final int DEFAULT_LIMIT = 50;

  /** The longest text a filter or a name may be. */
  static final int MAX_TEXT = 300;

  private static final Duration FIRST_RETRY = Duration.ofMillis(250);
  private static final Duration MAX_RETRY = Duration.ofSeconds(5);
  private static final String COLUMNS =
      "id, started_at, duration_ms, caller, role, via, server, project, tool, outcome, error_code,"
          + " arguments";
  private static final String INSERT =
      "INSERT INTO mcp.calls (started_at, duration_ms, caller, role, via, server, project, tool,"
          + " outcome, error_code, arguments) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
          + " $11)";

  /** One call as recorded; {@code arguments} only when its server's definition allows it. */
  record Call(
      Instant startedAt,
      Duration took,
      String caller,
      String role,
      String via,
      String server,
      String project,
      String tool,
      String outcome,
      Integer errorCode,
      Object arguments) {

    Call {
      if (!OUTCOMES.contains(outcome)) {
        throw new IllegalArgumentException("no call outcome " + outcome);
      }
      caller = clip(caller);
      tool = clip(tool);
    }

    private Tuple tuple() {
      return Tuple.from(
          new Object[] {
            OffsetDateTime.ofInstant(startedAt, ZoneOffset.UTC),
            took.toNanos() / 1e6,
            caller,
            role,
            via,
            server,
            project,
            tool,
            outcome,
            errorCode,
            arguments
          });
    }
  }

  /** The filters of {@link #list}, checked: each null when not given. */
  record Query(
      String server,
      String tool,
      String project,
      String outcome,
      String caller,
      Instant since,
      Instant until,
      int limit,
      Long before) {

    /**
     * From the {@code mcp.calls.list} command's body (the API's query parameters, as strings);
     * refuses a bad one with a 400 naming it.
     */
    static Query parse(JsonObject body) {
      String outcome = text(body, "outcome");
      if (outcome != null && !OUTCOMES.contains(outcome)) {
        throw ApiException.invalid(
            "outcome", "must be one of " + String.join(", ", OUTCOMES.stream().sorted().toList()));
      }
      Instant since = instant(body, "since");
      Instant until = instant(body, "until");
      if (since != null && until != null && until.isBefore(since)) {
        throw ApiException.invalid("until", "must not be before since");
      }
      int limit = DEFAULT_LIMIT;
      String givenLimit = text(body, "limit");
      if (givenLimit != null) {
        limit = number(givenLimit, "limit", 1, MAX_LIMIT).intValue();
      }
      String before = text(body, "before");
      return new Query(
          text(body, "server"),
          text(body, "tool"),
          text(body, "project"),
          outcome,
          text(body, "caller"),
          since,
          until,
          limit,
          before == null ? null : number(before, "before", 1, Long.MAX_VALUE));
    }

    private static String text(JsonObject body, String field) {
      Object value = body.getValue(field);
      if (value == null) {
        return null;
      }
      String text = value.toString();
      if (text.isEmpty() || text.length() > MAX_TEXT) {
        throw ApiException.invalid(field, "must be 1 to " + MAX_TEXT + " characters");
      }
      return text;
    }

    private static Instant instant(JsonObject body, String field) {
      String text = text(body, field);
      try {
        return text == null ? null : OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException e) {
        throw ApiException.invalid(
            field, "must be an RFC 3339 date-time, e.g. 2026-01-31T12:00:00Z");
      }
    }

    private static Long number(String text, String field, long min, long max) {
      try {
        long value = Long.parseLong(text);
        if (value >= min && value <= max) {
          return value;
        }
      } catch (NumberFormatException e) {
        // said below
      }
      throw ApiException.invalid(
          field,
          max == Long.MAX_VALUE
              ? "must be a whole number of at least " + min
              : "must be a whole number from " + min + " to " + max);
    }
  }

  private final Pool pool;
  private final Retention retention;
  private final BatchWriter<Call> writer;

  CallStore(
      Vertx vertx,
      Pool pool,
      DatabaseStatus status,
      Clock clock,
      Duration retention,
      int maxRows,
      int capacity) {
    this.pool = pool;
    this.retention =
        new Retention(
            vertx, pool, clock, "mcp.calls", "started_at", retention, maxRows, "MCP call records");
    Counter dropped =
        Counter.builder(DROPPED_METER)
            .description(
                "MCP tools/call records dropped because the queue was full (the database away or"
                    + " slow)")
            .register(Telemetry.registry());
    this.writer =
        new BatchWriter<>(
            vertx,
            "MCP call records",
            capacity,
            BATCH_ROWS,
            TICK,
            batch -> {
              List<Tuple> rows = batch.stream().map(Call::tuple).toList();
              return pool.withTransaction(
                  connection -> connection.preparedQuery(INSERT).executeBatch(rows));
            },
            status,
            new Backoff(FIRST_RETRY, MAX_RETRY),
            clock,
            dropped,
            "switchboard_mcp_calls_audit_dropped_total");
  }

  /** Writes every {@link #TICK}, prunes soon and every {@link #PRUNE_EVERY}. */
  void start() {
    writer.start();
    retention.start(PRUNE_EVERY);
  }

  Future<Void> stop() {
    retention.stop();
    return writer.stop();
  }

  /** Queues a call; never waits (dropped and counted when the queue is full). */
  void record(Call call) {
    writer.add(call);
  }

  Future<Void> flush() {
    return writer.flush();
  }

  /**
   * Calls newest first, at most {@code query.limit()}: {@code {calls, next}}, where {@code next} is
   * the {@code before} of the following page (null on the last).
   */
  Future<JsonObject> list(Query query) {
    return flush()
        .compose(
            flushed ->
                pool.preparedQuery(
                        "SELECT "
                            + COLUMNS
                            + " FROM mcp.calls WHERE ($1::bigint IS NULL OR id < $1)"
                            + " AND ($2::text IS NULL OR server = $2)"
                            + " AND ($3::text IS NULL OR tool = $3)"
                            + " AND ($4::text IS NULL OR project = $4)"
                            + " AND ($5::text IS NULL OR outcome = $5)"
                            + " AND ($6::text IS NULL OR caller = $6)"
                            + " AND ($7::timestamptz IS NULL OR started_at >= $7)"
                            + " AND ($8::timestamptz IS NULL OR started_at < $8)"
                            + " ORDER BY id DESC LIMIT $9")
                    .execute(
                        Tuple.from(
                            new Object[] {
                              query.before(),
                              query.server(),
                              query.tool(),
                              query.project(),
                              query.outcome(),
                              query.caller(),
                              utc(query.since()),
                              utc(query.until()),
                              query.limit() + 1
                            })))
        .map(rows -> KeysetPage.of(rows, query.limit(), "calls", CallStore::json));
  }

  /**
   * Deletes calls older than the retention, then all but the newest {@code maxRows}; answers how
   * many went.
   */
  Future<Integer> prune() {
    return retention.prune();
  }

  private static OffsetDateTime utc(Instant at) {
    return at == null ? null : OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
  }

  private static JsonObject json(Row row) {
    JsonObject json =
        new JsonObject()
            .put("id", row.getLong("id"))
            .put("startedAt", row.getOffsetDateTime("started_at").toInstant().toString())
            .put("durationMs", row.getDouble("duration_ms"))
            .put("caller", row.getString("caller"))
            .put("role", row.getString("role"))
            .put("via", row.getString("via"))
            .put("server", row.getString("server"))
            .put("project", row.getString("project"))
            .put("tool", row.getString("tool"))
            .put("outcome", row.getString("outcome"))
            .put("errorCode", row.getInteger("error_code"));
    Object arguments = row.getValue("arguments");
    if (arguments != null) {
      json.put("arguments", arguments);
    }
    return json;
  }

  private static String clip(String text) {
    return text == null || text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT - 1) + "…";
  }
}
