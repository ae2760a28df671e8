package dev.switchboard.common.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retention of a table of records whose {@code id} grows with time (an audit log, a call log):
 * rows older than {@code age} by their time column go, then all but the newest {@code maxRows}, now
 * and then on a timer. A run that fails (the database away) is tried again at the next tick, and
 * logged at debug level only: the next one catches up.
 */
public final class Retention {

  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

  private final Vertx vertx;
  private final Pool pool;
  private final Clock clock;
  private final String what;
  private final String deleteAged;
  private final String deleteBeyond;
  private final Duration age;
  private final int maxRows;
  private long timer = -1;

  /**
   * @param table the schema-qualified table, with a {@code bigint} column {@code id}
   * @param timeColumn its {@code timestamptz} column the age is taken from
   * @param what the records in words, for the log ("audit entries")
   */
  public Retention(
      Vertx vertx,
      Pool pool,
      Clock clock,
      String table,
      String timeColumn,
      Duration age,
      int maxRows,
      String what) {
    this.vertx = vertx;
    this.pool = pool;
    this.clock = clock;
    this.what = what;
    this.age = age;
    this.maxRows = maxRows;
    this.deleteAged = "DELETE FROM " + table + " WHERE " + timeColumn + " < $1";
    this.deleteBeyond =
        "DELETE FROM "
            + table
            + " WHERE id <= (SELECT id FROM "
            + table
            + " ORDER BY id DESC OFFSET $1 LIMIT 1)";
  }

  /** Prunes a second from now, then every {@code every}. */
  public void start(Duration every) {
    timer = vertx.setPeriodic(1_000, every.toMillis(), id -> pruneQuietly());
  }

  public void stop() {
    vertx.cancelTimer(timer);
  }

  /** Deletes the rows older than the age, then all but the newest; answers how many went. */
  public Future<Integer> prune() {
    OffsetDateTime oldest = OffsetDateTime.ofInstant(clock.instant().minus(age), ZoneOffset.UTC);
    return pool.preparedQuery(deleteAged)
        .execute(Tuple.of(oldest))
        .compose(
            aged ->
                pool.preparedQuery(deleteBeyond)
                    .execute(Tuple.of(maxRows))
                    .map(over -> aged.rowCount() + over.rowCount()));
  }

  private void pruneQuietly() {
    prune()
        .onSuccess(
            count -> {
              if (count > 0) {
                LOG.info(
                    "retention: {} {} deleted (older than {} or beyond {})",
                    count,
                    what,
                    age,
                    maxRows);
              }
            })
        .onFailure(err -> LOG.debug("retention of {} not run now: {}", what, err.getMessage()));
  }
}
