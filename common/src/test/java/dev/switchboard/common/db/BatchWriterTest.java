package dev.switchboard.common.db;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.common.testing.Eventually;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The batch writer on the real PostgreSQL. */
class BatchWriterTest {

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(BatchWriter.class);

  @BeforeEach
  void listen() {
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void close() {
    logger.detachAppender(logged);
    vertx.close().await();
  }

  /**
   * Rows the database refuses for what they hold (a NUL in text) are found, dropped and counted,
   * with one log line for them all; the rows around them are stored, and later rows are not held
   * behind them as if the database were away.
   */
  @Test
  void aRowTheDatabaseRefusesIsDroppedAloneAndTheRestStored() {
    Pool pool = Database.pool(vertx, TestDatabase.freshDatabaseUrl(), 2, "test");
    pool.query("CREATE TABLE rows (n int, text text)").execute().await();
    Counter dropped = new SimpleMeterRegistry().counter("dropped");
    BatchWriter<Tuple> writer =
        new BatchWriter<>(
            vertx,
            "test rows",
            1_000,
            100,
            Duration.ofMillis(20),
            batch ->
                pool.withTransaction(
                    connection ->
                        connection
                            .preparedQuery("INSERT INTO rows (n, text) VALUES ($1, $2)")
                            .executeBatch(batch)),
            new DatabaseStatus(pool, Clock.systemUTC()),
            new Backoff(Duration.ofMinutes(1), Duration.ofMinutes(1)),
            Clock.systemUTC(),
            dropped,
            "test_dropped_total");

    context.runOnContext(
        v -> {
          for (int n = 0; n < 10; n++) {
            writer.add(Tuple.of(n, n % 4 == 1 ? n + "\0" : "row " + n));
          }
          writer.start();
        });
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(stored(pool)).hasSize(7));
    assertThat(stored(pool)).containsExactly(0, 2, 3, 4, 6, 7, 8);
    assertThat(dropped.count()).isEqualTo(3.0);
    assertThat(logged.list)
        .filteredOn(event -> event.getFormattedMessage().contains("refused"))
        .hasSize(1);

    // batches again, and nothing waits a backoff of a minute: the database never went away
    context.runOnContext(
        v -> {
          for (int n = 10; n < 20; n++) {
            writer.add(Tuple.of(n, "row " + n));
          }
        });
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(stored(pool)).hasSize(17));
  }

  private static List<Integer> stored(Pool pool) {
    List<Integer> numbers = new ArrayList<>();
    for (Row row : pool.query("SELECT n FROM rows ORDER BY n").execute().await()) {
      numbers.add(row.getInteger(0));
    }
    return numbers;
  }
}
