package dev.switchboard.gateway.auth;

import dev.switchboard.common.db.Backoff;
import dev.switchboard.common.db.BatchWriter;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.db.KeysetPage;
import dev.switchboard.common.db.Retention;
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
import java.util.List;
import java.util.Set;

/**
 * The audit log in the {@code auth} schema: who did which control action, on what, when, from where
 * and how it ended. Entries are recorded into a bounded queue in memory ({@link #CAPACITY}) and
 * written in batches of up to {@link #BATCH_ROWS}, one insert at a time, every {@link #TICK}, so a
 * request never waits for the database (a {@link BatchWriter}: when the database goes away, capped
 * jittered backoff, the outage logged once when it begins and once when it ends; while the queue is
 * full, new entries are dropped and counted in {@code switchboard_gateway_audit_dropped_total}).
 * Retention keeps entries younger than {@code retention} and at most {@code maxRows} of them,
 * pruned every {@link #PRUNE_EVERY}. Used on the gateway's event loop.
 */
public final class AuditLog {

  /** Rendered {@code switchboard_gateway_audit_dropped_total} by Prometheus. */
  public static final String DROPPED_METER = "gateway.audit.dropped";

  /** Every action the log records. */
  public static final Set<String> ACTIONS =
      Set.of(
          "service.start",
          "service.stop",
          "service.restart",
          "service.create",
          "service.update",
          "service.delete",
          "services.refresh",
          "deployment.create",
          "deployment.cancel",
          "assets.confirm",
          "assets.reject",
          "asset.delete",
          "upload.create",
          "token.create",
          "token.delete",
          "session.signin",
          "session.signin-failed",
          "session.signout",
          "session.key-rotate");

  public static final Set<String> OUTCOMES = Set.of("ok", "refused", "failed");

  static final int CAPACITY = 10_000;
  static final int BATCH_ROWS = 500;
  static final Duration TICK = Duration.ofMillis(200);
  static final Duration PRUNE_EVERY = Duration.ofHours(1);

  /** The longest text a field keeps: a target or a detail is a name or a short reason. */
  static final int MAX_TEXT = 300;

  private static final Duration FIRST_RETRY = Duration.ofMillis(250);
  private static final Duration MAX_RETRY = Duration.ofSeconds(5);
  private static final String COLUMNS =
      "id, at, actor, role, action, target, outcome, status, detail, address, via";
  private static final String INSERT =
      "INSERT INTO auth.audit (at, actor, role, action, target, outcome, status, detail, address,"
          + " via) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

  /** One entry, as recorded; {@code via} is {@code api} or {@code hub}. */
  public record Entry(
      Instant at,
      String actor,
      String role,
      String action,
      String target,
      String outcome,
      Integer status,
      String detail,
      String address,
      String via) {

    public Entry {
      if (!ACTIONS.contains(action)) {
        throw new IllegalArgumentException("no audited action " + action);
      }
      if (!OUTCOMES.contains(outcome)) {
        throw new IllegalArgumentException("no outcome " + outcome);
      }
      actor = actor == null || actor.isBlank() ? "unknown" : clip(actor);
      target = clip(target);
      detail = clip(detail);
      address = clip(address);
    }

    private Tuple tuple() {
      return Tuple.of(
          OffsetDateTime.ofInstant(at, ZoneOffset.UTC),
          actor,
          role,
          action,
          target,
          outcome,
          status,
          detail,
          address,
          via);
    }
  }

  private final Pool pool;
  private final Clock clock;
  private final Retention retention;
  private final BatchWriter<Entry> writer;

  public AuditLog(Vertx vertx, Pool pool, Clock clock, Duration retention, int maxRows) {
    this.pool = pool;
    this.clock = clock;
    this.retention =
        new Retention(vertx, pool, clock, "auth.audit", "at", retention, maxRows, "audit entries");
    this.writer =
        new BatchWriter<>(
            vertx,
            "audit entries",
            CAPACITY,
            BATCH_ROWS,
            TICK,
            batch -> {
              List<Tuple> rows = batch.stream().map(Entry::tuple).toList();
              return pool.withTransaction(
                  connection -> connection.preparedQuery(INSERT).executeBatch(rows));
            },
            new DatabaseStatus(pool, clock),
            new Backoff(FIRST_RETRY, MAX_RETRY),
            clock,
            Counter.builder(DROPPED_METER)
                .description(
                    "Audit log entries dropped because the queue was full (the database away or slow)")
                .register(Telemetry.registry()),
            "switchboard_gateway_audit_dropped_total");
  }

  /** Writes every {@link #TICK}, prunes now and every {@link #PRUNE_EVERY}. */
  public void start() {
    writer.start();
    retention.start(PRUNE_EVERY);
  }

  /** Stops the timers and writes what waits; completes once it is stored, or after a while. */
  public Future<Void> stop() {
    retention.stop();
    return writer.stop();
  }

  /** Queues an entry; drops it (counted, and logged once) when the queue is full. */
  public void record(Entry entry) {
    writer.add(entry);
  }

  /** An entry recorded now. */
  public Entry now(
      String actor,
      String role,
      String action,
      String target,
      String outcome,
      Integer status,
      String detail,
      String address,
      String via) {
    return new Entry(
        clock.instant(), actor, role, action, target, outcome, status, detail, address, via);
  }

  /**
   * Writes what waits; completes once it is stored, or after a while (at once, the database away).
   */
  public Future<Void> flush() {
    return writer.flush();
  }

  /**
   * Entries newest first, at most {@code limit}, older than the entry {@code before} when given,
   * filtered by actor, action and outcome when given: {@code {entries, next}}, where {@code next}
   * is the {@code before} of the following page (null on the last).
   */
  public Future<JsonObject> list(
      int limit, Long before, String actor, String action, String outcome) {
    return flush()
        .compose(
            flushed ->
                pool.preparedQuery(
                        "SELECT "
                            + COLUMNS
                            + " FROM auth.audit WHERE ($1::bigint IS NULL OR id < $1)"
                            + " AND ($2::text IS NULL OR actor = $2)"
                            + " AND ($3::text IS NULL OR action = $3)"
                            + " AND ($4::text IS NULL OR outcome = $4)"
                            + " ORDER BY id DESC LIMIT $5")
                    .execute(Tuple.of(before, actor, action, outcome, limit + 1)))
        .map(rows -> KeysetPage.of(rows, limit, "entries", AuditLog::json));
  }

  /**
   * Deletes entries older than the retention, then all but the newest {@code maxRows}; answers how
   * many went.
   */
  public Future<Integer> prune() {
    return retention.prune();
  }

  private static JsonObject json(Row row) {
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("at", row.getOffsetDateTime("at").toInstant().toString())
        .put("actor", row.getString("actor"))
        .put("role", row.getString("role"))
        .put("action", row.getString("action"))
        .put("target", row.getString("target"))
        .put("outcome", row.getString("outcome"))
        .put("status", row.getInteger("status"))
        .put("detail", row.getString("detail"))
        .put("address", row.getString("address"))
        .put("via", row.getString("via"));
  }

  /**
   * At most {@code MAX_TEXT} characters, NUL (which PostgreSQL text cannot hold; a path may carry
   * it as {@code %00}) as U+FFFD.
   */
  private static String clip(String text) {
    if (text == null) {
      return null;
    }
    String clean = text.indexOf('\0') >= 0 ? text.replace('\0', '\uFFFD') : text;
    return clean.length() <= MAX_TEXT ? clean : clean.substring(0, MAX_TEXT - 1) + "…";
  }
}
