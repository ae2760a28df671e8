package dev.switchboard.supervisor.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.migrations.Migrations;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The log table: one insert for a whole mixed batch, time filters, and retention by count and by
 * age.
 */
class LogStoreTest {

  private static Vertx vertx;
  private static Pool pool;
  private static LogStore store;

  @BeforeAll
  static void database() {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "supervisor");
    vertx = Vertx.vertx();
    pool = Database.pool(vertx, url, 2, "test");
    store = new LogStore(pool);
  }

  @AfterAll
  static void close() {
    pool.close().await();
    vertx.close().await();
  }

  @Test
  void retentionKeepsTheNewestLinesAndNothingTooOld() {
    Instant now = Instant.parse("2026-11-22T12:00:00Z");
    List<LogStore.SourcedLine> rows = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      rows.add(
          new LogStore.SourcedLine(
              "service:keep",
              new LogLine(i, now.minus(Duration.ofMinutes(100 - i)), LogLine.STDOUT, "line " + i)));
      rows.add(
          new LogStore.SourcedLine(
              "service:other",
              new LogLine(i, now.minus(Duration.ofDays(10)), LogLine.STDERR, "old " + i)));
    }
    assertThat(store.insert(rows).await()).isEqualTo(200);
    assertThat(store.insert(rows.subList(0, 10)).await())
        .as("a batch written twice is stored once")
        .isZero();

    assertThat(store.lastSeq("service:keep").await()).isEqualTo(100);
    LogQuery lastHalfHour =
        new LogQuery(now.minus(Duration.ofMinutes(30)), null, null, null, null, 1000);
    assertThat(store.query("service:keep", lastHalfHour).await()).hasSize(31);
    LogQuery window =
        new LogQuery(
            now.minus(Duration.ofMinutes(30)),
            now.minus(Duration.ofMinutes(20)),
            null,
            null,
            null,
            1000);
    assertThat(store.query("service:keep", window).await())
        .extracting(LogLine::line)
        .first()
        .isEqualTo("line 70");

    assertThat(store.trim("service:keep", 100 - 40).await()).isEqualTo(60);
    LogQuery newest = new LogQuery(null, null, null, null, null, 3);
    assertThat(store.query("service:keep", newest, 97).await())
        .as("the newest lines up to a sequence number (what the pipeline has stored without gaps)")
        .extracting(LogLine::seq)
        .containsExactly(95L, 96L, 97L);
    List<LogLine> kept =
        store.query("service:keep", new LogQuery(null, null, null, null, null, 1000)).await();
    assertThat(kept).hasSize(40);
    assertThat(kept.get(0).line()).isEqualTo("line 61");

    assertThat(store.expire(now.minus(Duration.ofDays(7))).await()).isEqualTo(100);
    assertThat(store.lastSeq("service:other").await()).isZero();
  }
}
