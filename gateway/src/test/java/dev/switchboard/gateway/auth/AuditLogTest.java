package dev.switchboard.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.migrations.Migrations;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit log's store on the real PostgreSQL: retention by age and by count, and a database that
 * is away (entries wait in a bounded queue; beyond it they are dropped and counted).
 */
class AuditLogTest {

  private Vertx vertx;
  private Pool pool;

  @BeforeEach
  void start() {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "auth");
    vertx = Telemetry.vertxBuilder("test", new io.vertx.core.VertxOptions()).build();
    pool = Database.pool(vertx, url, 2, "test");
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void retentionDeletesWhatIsTooOldThenAllButTheNewest() {
    AuditLog log = new AuditLog(vertx, pool, Clock.systemUTC(), Duration.ofDays(90), 3);
    Instant now = Instant.now();
    log.record(entry(now.minus(Duration.ofDays(120)), "old-1"));
    log.record(entry(now.minus(Duration.ofDays(91)), "old-2"));
    for (int i = 1; i <= 5; i++) {
      log.record(entry(now.minus(Duration.ofDays(10 - i)), "recent-" + i));
    }
    assertThat(targets(log)).hasSize(7);

    assertThat(log.prune().await()).isEqualTo(4);
    assertThat(targets(log)).containsExactly("recent-5", "recent-4", "recent-3");
    assertThat(log.prune().await()).isZero();
  }

  @Test
  void whileTheDatabaseIsAwayEntriesWaitAndBeyondTheQueueAreDroppedAndCounted() {
    Pool away = Database.pool(vertx, "postgresql://test@127.0.0.1:1/nothing", 1, "away");
    AuditLog log = new AuditLog(vertx, away, Clock.systemUTC(), Duration.ofDays(90), 100);
    Counter dropped =
        Telemetry.registry().find(Telemetry.exported(AuditLog.DROPPED_METER)).counter();
    assertThat(dropped).isNotNull();
    double before = dropped.count();
    for (int i = 0; i < AuditLog.CAPACITY + 7; i++) {
      log.record(entry(Instant.now(), "t" + i));
    }
    assertThat(dropped.count() - before).isEqualTo(7);
    // the write fails: the flush ends rather than waiting for a database that is away
    log.flush().await();
    log.stop().await();
  }

  @Test
  void anEntryOfNoAuditedActionIsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new AuditLog.Entry(
                    Instant.now(), "a", null, "service.fly", null, "ok", null, null, null, "hub"))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new AuditLog.Entry(
                    Instant.now(),
                    "a",
                    null,
                    "service.start",
                    null,
                    "maybe",
                    null,
                    null,
                    null,
                    "hub"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static AuditLog.Entry entry(Instant at, String target) {
    return new AuditLog.Entry(
        at, "admin", "admin", "service.start", target, "ok", 200, null, "127.0.0.1", "api");
  }

  private static List<String> targets(AuditLog log) {
    JsonArray entries = log.list(500, null, null, null, null).await().getJsonArray("entries");
    return entries.stream().map(e -> ((JsonObject) e).getString("target")).toList();
  }
}
