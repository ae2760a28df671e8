package dev.switchboard.common.db;

import dev.switchboard.common.Failures;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Instant;

/**
 * Whether a service's database answers, as {@code /readiness} reports it: the readiness ping and
 * every {@link Outage} of the service's writers report here, so that a failed check names the
 * database, how long it has been away and why ({@code database: unreachable since <instant>:
 * <error>}) rather than a bare internal error. One per pool, used on its verticle's context.
 */
public final class DatabaseStatus {

  private final Pool pool;
  private final Clock clock;
  private Instant unreachableSince;

  public DatabaseStatus(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /**
   * Succeeds when the database answers a query; else fails with a 503 that says since when it has
   * not.
   */
  public Future<Void> check() {
    return pool.query("SELECT 1")
        .execute()
        .<Void>mapEmpty()
        .onSuccess(ignored -> reachable())
        .recover(
            err ->
                Future.failedFuture(
                    ApiException.unavailable(
                        "database: unreachable since "
                            + unreachable(clock.instant())
                            + ": "
                            + Failures.describe(err))));
  }

  /**
   * Records that a write failed at {@code at} for want of the database; answers since when it has
   * been away.
   */
  Instant unreachable(Instant at) {
    if (unreachableSince == null) {
      unreachableSince = at;
    }
    return unreachableSince;
  }

  void reachable() {
    unreachableSince = null;
  }
}
