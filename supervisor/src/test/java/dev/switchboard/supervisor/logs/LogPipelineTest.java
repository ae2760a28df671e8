package dev.switchboard.supervisor.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.migrations.Migrations;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two inserts in flight may commit out of order. A query through the pipeline must then show a
 * source's lines only up to the first one not yet stored, never a gap that fills a moment later.
 * The earlier insert is held back for real: another transaction holds an uncommitted row with one
 * of its keys, so PostgreSQL makes it wait while the later insert commits.
 */
class LogPipelineTest {

  private static final String SOURCE = "service:ordered";
  private static final LogQuery NEWEST = new LogQuery(null, null, null, null, null, 100);

  private static Vertx vertx;
  private static Pool pool;
  private static LogStore store;
  private static Context loop;

  @BeforeAll
  static void database() {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "supervisor");
    vertx = Vertx.vertx();
    // the blocking transaction, two inserts and a query at the same time
    pool = Database.pool(vertx, url, 4, "test");
    store = new LogStore(pool);
    loop = vertx.getOrCreateContext();
  }

  @AfterAll
  static void close() {
    pool.close().await();
    vertx.close().await();
  }

  @Test
  void aQueryStopsBeforeTheFirstLineStillOnItsWayToTheDatabase() throws Exception {
    LogPipeline pipeline =
        new LogPipeline(
            vertx,
            store,
            new DatabaseStatus(pool, Clock.systemUTC()),
            new LogPipeline.Options(100, 10, 1024, 100, 3, 2, Duration.ofHours(1)),
            Clock.systemUTC());
    LogSource source =
        onLoop(() -> pipeline.open(SOURCE, "test.logs." + SOURCE, "serviceId", "ordered"));

    SqlConnection blocker = pool.getConnection().await();
    Transaction tx = blocker.begin().await();
    blocker
        .preparedQuery(
            "INSERT INTO supervisor.log_lines (source, seq, at, stream, line) VALUES ($1, 2, now(), 'stdout', 'held')")
        .execute(Tuple.of(SOURCE))
        .await();
    try {
      source.append(
          LogLine.STDOUT, IntStream.rangeClosed(1, 6).mapToObj(i -> "line " + i).toList());
      // batches [1, 2, 3] (waits for the blocker's row 2) and [4, 5, 6] (commits)
      onLoop(
          () -> {
            pipeline.tick();
            return Future.succeededFuture();
          });
      List<LogLine> committed =
          Eventually.within(Duration.ofSeconds(10))
              .until(() -> store.query(SOURCE, NEWEST).await(), lines -> lines.size() == 3);
      assertThat(committed)
          .extracting(LogLine::seq)
          .as("the later insert committed first")
          .containsExactly(4L, 5L, 6L);

      assertThat(onLoop(() -> Future.succeededFuture(pipeline.visibleThrough(SOURCE)))).isZero();
      assertThat(onLoop(() -> pipeline.query(SOURCE, NEWEST))).as("no line past the gap").isEmpty();
    } finally {
      tx.rollback().await();
      blocker.close().await();
    }

    List<LogLine> all =
        Eventually.within(Duration.ofSeconds(10))
            .until(() -> onLoop(() -> pipeline.query(SOURCE, NEWEST)), lines -> lines.size() == 6);
    assertThat(all)
        .extracting(LogLine::line)
        .containsExactly("line 1", "line 2", "line 3", "line 4", "line 5", "line 6");
    assertThat(onLoop(() -> Future.succeededFuture(pipeline.visibleThrough(SOURCE))))
        .isEqualTo(Long.MAX_VALUE);
  }

  /**
   * Runs {@code action} on the pipeline's event loop (it is not thread-safe) and waits for its
   * result.
   */
  private static <T> T onLoop(Callable<Future<T>> action) {
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
}
