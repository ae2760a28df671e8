package dev.switchboard.supervisor.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.List;
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

  private static LogDatabase db;

  @BeforeAll
  static void database() {
    db = new LogDatabase(4);
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void aQueryStopsBeforeTheFirstLineStillOnItsWayToTheDatabase() throws Exception {
    LogPipeline pipeline =
        db.pipeline(new LogOptions(100, 10, 1024, 100, 3, 2, Duration.ofHours(1)));
    LogSource source =
        db.onLoop(() -> pipeline.open(SOURCE, "test.logs." + SOURCE, "serviceId", "ordered"));

    SqlConnection blocker = db.pool.getConnection().await();
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
      db.onLoop(
          () -> {
            pipeline.tick();
            return Future.succeededFuture();
          });
      List<LogLine> committed =
          Eventually.within(Duration.ofSeconds(10))
              .until(() -> db.store.query(SOURCE, NEWEST).await(), lines -> lines.size() == 3);
      assertThat(committed)
          .extracting(LogLine::seq)
          .as("the later insert committed first")
          .containsExactly(4L, 5L, 6L);

      assertThat(db.onLoop(() -> Future.succeededFuture(pipeline.visibleThrough(SOURCE)))).isZero();
      assertThat(db.onLoop(() -> pipeline.query(SOURCE, NEWEST)))
          .as("no line past the gap")
          .isEmpty();
    } finally {
      tx.rollback().await();
      blocker.close().await();
    }

    List<LogLine> all =
        Eventually.within(Duration.ofSeconds(10))
            .until(
                () -> db.onLoop(() -> pipeline.query(SOURCE, NEWEST)), lines -> lines.size() == 6);
    assertThat(all)
        .extracting(LogLine::line)
        .containsExactly("line 1", "line 2", "line 3", "line 4", "line 5", "line 6");
    assertThat(db.onLoop(() -> Future.succeededFuture(pipeline.visibleThrough(SOURCE))))
        .isEqualTo(Long.MAX_VALUE);
  }
}
