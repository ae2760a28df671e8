package dev.switchboard.supervisor.logs;

import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.migrations.Migrations;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.concurrent.Callable;

/**
 * What the log tests share: a fresh database with the supervisor's schema, a pool and a {@link
 * LogStore} on it, and the one event loop a {@link LogPipeline} must be driven from.
 */
final class LogDatabase implements AutoCloseable {

  final Vertx vertx = Vertx.vertx();
  final Pool pool;
  final LogStore store;
  private final Context loop = vertx.getOrCreateContext();

  LogDatabase(int poolSize) {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "supervisor");
    pool = Database.pool(vertx, url, poolSize, "test");
    store = new LogStore(pool);
  }

  LogPipeline pipeline(LogOptions options) {
    return new LogPipeline(
        vertx, store, new DatabaseStatus(pool, Clock.systemUTC()), options, Clock.systemUTC());
  }

  /**
   * Runs {@code action} on the pipeline's event loop (it is not thread-safe) and waits for its
   * result.
   */
  <T> T onLoop(Callable<Future<T>> action) {
    Promise<T> result = Promise.promise();
    loop.runOnContext(
        v -> {
          try {
            action.call().onComplete(result);
          } catch (Exception e) {
            result.fail(e);
          }
        });
    return result.future().await();
  }

  @Override
  public void close() {
    pool.close().await();
    vertx.close().await();
  }
}
