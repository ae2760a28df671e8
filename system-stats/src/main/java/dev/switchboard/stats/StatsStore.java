package dev.switchboard.stats;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

/** Every SQL statement of system-stats, against the {@code stats} schema. */
final class StatsStore {

  private static final String INSERT_SAMPLE =
      "INSERT INTO stats.samples (ts, sample, metrics) VALUES ($1, $2, $3) ON CONFLICT (ts) DO NOTHING";

  private static final String ROLL_UP =
      "INSERT INTO stats.rollups (bucket, metric, avg, max, samples) "
          + "SELECT date_trunc('minute', s.ts), m.key, avg(m.value::float8), max(m.value::float8), count(*) "
          + "FROM stats.samples s, jsonb_each_text(s.metrics) m "
          + "WHERE s.ts >= $1 AND s.ts < $2 "
          + "GROUP BY 1, 2 "
          + "ON CONFLICT (bucket, metric) DO UPDATE SET avg = excluded.avg, max = excluded.max, samples = excluded.samples";

  /** Where rollups should resume: the minute after the last one, else the first sample's minute. */
  private static final String ROLLUP_RESUME =
      "SELECT coalesce((SELECT max(bucket) + interval '1 minute' FROM stats.rollups), "
          + "(SELECT date_trunc('minute', min(ts)) FROM stats.samples)) AS resume";

  private static final String LATEST_SAMPLE =
      "SELECT sample FROM stats.samples ORDER BY ts DESC LIMIT 1";

  private static final String RAW_HISTORY =
      "SELECT ts, metrics FROM stats.samples WHERE ts >= $1 AND ts < $2 ORDER BY ts";

  /**
   * Rollups merged into buckets of $3 seconds: the average weighted by samples, the maximum of
   * maxima.
   */
  private static final String ROLLUP_HISTORY =
      "SELECT to_timestamp(floor(extract(epoch FROM bucket) / $3) * $3) AS t, metric, "
          + "sum(avg * samples) / sum(samples) AS avg, max(max) AS max "
          + "FROM stats.rollups WHERE bucket >= $1 AND bucket < $2 "
          + "GROUP BY 1, 2 ORDER BY 1, 2";

  private static final String DELETE_SAMPLES = "DELETE FROM stats.samples WHERE ts < $1";
  private static final String DELETE_ROLLUPS = "DELETE FROM stats.rollups WHERE bucket < $1";

  private final Pool pool;

  StatsStore(Pool pool) {
    this.pool = pool;
  }

  Future<Void> insert(Instant ts, JsonObject sample, Map<String, Double> metrics) {
    return pool.preparedQuery(INSERT_SAMPLE)
        .execute(Tuple.of(utc(ts), sample, new JsonObject(Map.copyOf(metrics))))
        .mapEmpty();
  }

  /** Rolls up every sample in [from, to) into one-minute rows; a minute done twice is replaced. */
  Future<Void> rollUp(Instant from, Instant to) {
    return pool.preparedQuery(ROLL_UP).execute(Tuple.of(utc(from), utc(to))).mapEmpty();
  }

  Future<Optional<Instant>> rollupResume() {
    return pool.query(ROLLUP_RESUME)
        .execute()
        .map(
            rows ->
                Optional.ofNullable(rows.iterator().next().getOffsetDateTime("resume"))
                    .map(OffsetDateTime::toInstant));
  }

  Future<Optional<JsonObject>> latest() {
    return pool.query(LATEST_SAMPLE)
        .execute()
        .map(
            rows ->
                rows.size() == 0
                    ? Optional.empty()
                    : Optional.of(rows.iterator().next().getJsonObject("sample")));
  }

  Future<RowSet<Row>> raw(Instant from, Instant to) {
    return pool.preparedQuery(RAW_HISTORY).execute(Tuple.of(utc(from), utc(to)));
  }

  Future<RowSet<Row>> rollups(Instant from, Instant to, long stepSeconds) {
    return pool.preparedQuery(ROLLUP_HISTORY).execute(Tuple.of(utc(from), utc(to), stepSeconds));
  }

  /**
   * Deletes raw samples before {@code rawCutoff} and rollups before {@code rollupCutoff}; answers
   * how many rows went.
   */
  Future<Integer> deleteBefore(Instant rawCutoff, Instant rollupCutoff) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(DELETE_SAMPLES)
                .execute(Tuple.of(utc(rawCutoff)))
                .compose(
                    samples ->
                        conn.preparedQuery(DELETE_ROLLUPS)
                            .execute(Tuple.of(utc(rollupCutoff)))
                            .map(rollups -> samples.rowCount() + rollups.rowCount())));
  }

  Future<String> serverVersion() {
    return pool.query("SHOW server_version")
        .execute()
        .map(rows -> rows.iterator().next().getString(0));
  }

  static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}
