package dev.switchboard.supervisor.logs;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The retention job bounds each source in bytes as well as in lines: the oldest lines go, the
 * newest stay.
 */
class LogRetentionTest {

  private static final LogQuery EVERYTHING = new LogQuery(null, null, null, null, null, 10_000);

  private static Vertx vertx;
  private static Pool pool;
  private static LogStore store;
  private static Context loop;

  @BeforeAll
  static void database() {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "supervisor");
    vertx = Vertx.vertx();
    pool = Database.pool(vertx, url, 2, "test");
    store = new LogStore(pool);
    loop = vertx.getOrCreateContext();
  }

  @AfterAll
  static void close() {
    pool.close().await();
    vertx.close().await();
  }

  @Test
  void aSourcePastItsByteBoundLosesItsOldestLines() {
    // 500 two-byte characters: 1,000 bytes a line, though 500 chars
    store.insert(lines("service:chatty", 100, "é".repeat(500))).await();
    store.insert(lines("service:quiet", 5, "q".repeat(1000))).await();
    LogPipeline pipeline =
        new LogPipeline(
            vertx,
            store,
            new DatabaseStatus(pool, Clock.systemUTC()),
            LogPipeline.Options.DEFAULT,
            Clock.systemUTC());
    onLoop(() -> pipeline.open("service:chatty", "test.logs.chatty", "serviceId", "chatty"));
    onLoop(() -> pipeline.open("service:quiet", "test.logs.quiet", "serviceId", "quiet"));

    onLoop(() -> pipeline.trimAll(100_000, 10_500));

    List<LogLine> chatty = store.query("service:chatty", EVERYTHING).await();
    assertThat(chatty)
        .extracting(LogLine::seq)
        .as("the newest 10,000 bytes")
        .containsExactlyElementsOf(IntStream.rangeClosed(91, 100).mapToObj(Long::valueOf).toList());
    assertThat(store.query("service:quiet", EVERYTHING).await())
        .as("a source under the bound keeps everything")
        .hasSize(5);

    LogSource source = onLoop(() -> Future.succeededFuture(pipeline.source("service:chatty")));
    source.append(LogLine.STDOUT, List.of("x".repeat(2_000), "y".repeat(1_000)));
    onLoop(() -> pipeline.stop());
    onLoop(() -> pipeline.trimAll(100_000, 10_500));
    assertThat(store.query("service:chatty", EVERYTHING).await())
        .extracting(LogLine::seq)
        .as("new lines push old ones out")
        .containsExactlyElementsOf(IntStream.rangeClosed(94, 102).mapToObj(Long::valueOf).toList());
  }

  @Test
  void aClosedSourceIsBoundedOnceMore() {
    LogPipeline pipeline =
        new LogPipeline(
            vertx,
            store,
            new DatabaseStatus(pool, Clock.systemUTC()),
            LogPipeline.Options.DEFAULT,
            Clock.systemUTC());
    onLoop(() -> pipeline.open("deployment:7", "test.logs.deployment", "deploymentId", "7"));
    LogSource source = onLoop(() -> Future.succeededFuture(pipeline.source("deployment:7")));
    // a step floods and ends before the retention job comes round
    source.append(LogLine.STDOUT, IntStream.rangeClosed(1, 50).mapToObj(i -> "line " + i).toList());
    onLoop(() -> pipeline.close("deployment:7"));

    onLoop(() -> pipeline.trimAll(20, Long.MAX_VALUE));

    assertThat(store.query("deployment:7", EVERYTHING).await())
        .extracting(LogLine::seq)
        .as("the newest 20 lines")
        .containsExactlyElementsOf(IntStream.rangeClosed(31, 50).mapToObj(Long::valueOf).toList());
    onLoop(() -> pipeline.stop());
  }

  private static List<LogStore.SourcedLine> lines(String source, int count, String text) {
    Instant now = Instant.now();
    return IntStream.rangeClosed(1, count)
        .mapToObj(
            seq -> new LogStore.SourcedLine(source, new LogLine(seq, now, LogLine.STDOUT, text)))
        .toList();
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
