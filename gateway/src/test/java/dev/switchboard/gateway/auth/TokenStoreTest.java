package dev.switchboard.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.migrations.Migrations;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A token's last use is written on its first use, then at most once a minute. */
class TokenStoreTest {

  private Vertx vertx;
  private Pool pool;

  @BeforeEach
  void start() {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "auth");
    vertx = Vertx.vertx();
    pool = Database.pool(vertx, url, 2, "test");
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void lastUseIsWrittenAtMostOnceAMinute() throws InterruptedException {
    Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    AtomicReference<Instant> now = new AtomicReference<>(start);
    TokenStore store = new TokenStore(pool, now::get);
    String token =
        store
            .create(new JsonObject().put("name", "a").put("role", "viewer"))
            .await()
            .getString("token");
    String key = Authenticator.key(token);

    assertThat(store.find(key).await()).isPresent();
    assertThat(lastUsed()).isEqualTo(start);

    now.set(start.plus(Duration.ofSeconds(59)));
    assertThat(store.find(key).await()).isPresent();
    assertThat(lastUsed()).as("within the minute: not written").isEqualTo(start);

    now.set(start.plus(Duration.ofSeconds(61)));
    assertThat(store.find(key).await()).isPresent();
    assertThat(lastUsed()).isEqualTo(start.plusSeconds(61));
  }

  /** The write is not awaited by find: poll for it briefly. */
  private Instant lastUsed() throws InterruptedException {
    Thread.sleep(200);
    OffsetDateTime time =
        pool.query("SELECT last_used_at FROM auth.tokens")
            .execute()
            .await()
            .iterator()
            .next()
            .getOffsetDateTime("last_used_at");
    return time == null ? null : time.toInstant();
  }
}
