package dev.switchboard.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.DatabaseProxy;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.common.testing.ManualClock;
import dev.switchboard.migrations.Migrations;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's set of signed-out sessions on the real PostgreSQL: stored and loaded again by the
 * next start, heard from another gateway, in force while the database is away, and bounded. Made
 * and used on one event loop, as the gateway does.
 */
class SignedOutSessionsTest {

  private static final Duration LIFETIME = Duration.ofMinutes(1);

  private final Vertx vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
  private final Context context = vertx.getOrCreateContext();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** Runs {@code call} on the event loop and waits for its outcome. */
  private <T> T on(Supplier<Future<T>> call) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          try {
            call.get().onSuccess(result::complete).onFailure(result::completeExceptionally);
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    return result.get(30, TimeUnit.SECONDS);
  }

  private boolean signedOut(SignedOutSessions sessions, String id) throws Exception {
    return on(() -> Future.succeededFuture(sessions.signedOut(id)));
  }

  private SignedOutSessions started(Optional<Pool> pool, Clock clock, int capacity)
      throws Exception {
    return started(pool, Optional.empty(), clock, capacity);
  }

  private SignedOutSessions started(
      Optional<Pool> pool, Optional<Path> journal, Clock clock, int capacity) throws Exception {
    return on(
        () -> {
          SignedOutSessions sessions =
              new SignedOutSessions(vertx, pool, journal, LIFETIME, clock, capacity);
          return sessions.start().map(sessions);
        });
  }

  private Pool database() {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "auth");
    return Database.pool(vertx, url, 2, "test");
  }

  @Test
  void aSignOutIsStoredAndTheNextStartLoadsWhatHasNotExpired() throws Exception {
    Pool db = database();
    db.preparedQuery("INSERT INTO auth.signed_out_sessions (sid, until) VALUES ($1, $2)")
        .execute(
            Tuple.of(
                "expired", OffsetDateTime.ofInstant(Instant.now().minusSeconds(1), ZoneOffset.UTC)))
        .await();
    SignedOutSessions first = started(Optional.of(db), Clock.systemUTC(), 10);
    on(
        () -> {
          first.signOut("one", "key-of-one");
          return first.stop();
        });
    assertThat(
            db.query("SELECT sid FROM auth.signed_out_sessions ORDER BY sid")
                .execute()
                .await()
                .iterator()
                .next()
                .getString("sid"))
        .isEqualTo("expired");
    assertThat(db.query("SELECT count(*) FROM auth.signed_out_sessions").execute().await())
        .first()
        .satisfies(row -> assertThat(row.getLong(0)).isEqualTo(2));

    SignedOutSessions next = started(Optional.of(db), Clock.systemUTC(), 10);

    assertThat(signedOut(next, "one")).as("loaded at start").isTrue();
    assertThat(signedOut(next, "expired")).isFalse();
    assertThat(on(() -> Future.succeededFuture(next.size()))).isEqualTo(1);
    on(
        () -> {
          next.purge();
          return Future.succeededFuture();
        });
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        db.query("SELECT sid FROM auth.signed_out_sessions")
                            .execute()
                            .await()
                            .iterator()
                            .next()
                            .getString("sid"))
                    .as("the expired row purged")
                    .isEqualTo("one"));
  }

  /** Every gateway hears the revocation another's sign-out publishes, and refuses at once. */
  @Test
  void aSignOutReachesEveryGatewayAndEveryService() throws Exception {
    SignedOutSessions here = started(Optional.empty(), Clock.systemUTC(), 10);
    SignedOutSessions there = started(Optional.empty(), Clock.systemUTC(), 10);
    CompletableFuture<JsonObject> heard = new CompletableFuture<>();
    vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.AUTH_REVOKED, message -> heard.complete(message.body()))
        .completion()
        .await();

    on(
        () -> {
          here.signOut("one", "key-of-one");
          return Future.succeededFuture();
        });

    assertThat(heard.get(5, TimeUnit.SECONDS))
        .isEqualTo(new JsonObject().put("key", "key-of-one").put("origin", "session:one"));
    assertThat(signedOut(here, "one")).isTrue();
    Eventually.within(Duration.ofSeconds(5)).until(() -> signedOut(there, "one"));
    assertThat(signedOut(there, "two")).isFalse();
  }

  /**
   * With the database away, a sign-out is in force at once all the same, and written once the
   * database answers again.
   */
  @Test
  void aSignOutWhileTheDatabaseIsAwayHoldsAndIsWrittenLater() throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "auth");
    DatabaseProxy proxy = DatabaseProxy.start(vertx, url);
    Pool db = Database.pool(vertx, url, 1, "test");
    Pool viaProxy = Database.pool(vertx, proxy.url(), 1, "gateway");
    SignedOutSessions sessions = started(Optional.of(viaProxy), Clock.systemUTC(), 10);
    proxy.cut();

    on(
        () -> {
          sessions.signOut("one", "key-of-one");
          return Future.succeededFuture();
        });
    assertThat(signedOut(sessions, "one")).isTrue();
    Thread.sleep(500);
    assertThat(db.query("SELECT count(*) FROM auth.signed_out_sessions").execute().await())
        .first()
        .satisfies(row -> assertThat(row.getLong(0)).isZero());

    proxy.restore();
    Eventually.within(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        db.query("SELECT count(*) FROM auth.signed_out_sessions")
                            .execute()
                            .await()
                            .iterator()
                            .next()
                            .getLong(0))
                    .isEqualTo(1));
    proxy.close();
  }

  /**
   * A gateway restarted while the database is still away refuses what it signed out before: from
   * its file, which the database had no chance to take. Once the database answers, the sign-out is
   * stored there too, by the gateway that started last.
   */
  @Test
  void aSignOutWhileTheDatabaseIsAwayOutlivesARestartBeforeItAnswers(@TempDir Path dataDir)
      throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "auth");
    DatabaseProxy proxy = DatabaseProxy.start(vertx, url);
    Pool db = Database.pool(vertx, url, 1, "test");
    Optional<Path> journal = Optional.of(dataDir.resolve(SignedOutSessions.FILE));
    SignedOutSessions first =
        started(
            Optional.of(Database.pool(vertx, proxy.url(), 1, "first")),
            journal,
            Clock.systemUTC(),
            10);
    proxy.cut();

    on(() -> first.signOut("one", "key-of-one").compose(written -> first.stop()));

    SignedOutSessions next =
        started(
            Optional.of(Database.pool(vertx, proxy.url(), 1, "next")),
            journal,
            Clock.systemUTC(),
            10);
    assertThat(signedOut(next, "one")).as("refused after a restart, the database away").isTrue();
    assertThat(signedOut(next, "two")).isFalse();
    assertThat(Files.getPosixFilePermissions(journal.get()))
        .as("session ids are no secret, but nobody else's business")
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));

    proxy.restore();
    Eventually.within(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        db.preparedQuery(
                                "SELECT count(*) FROM auth.signed_out_sessions WHERE sid = $1")
                            .execute(Tuple.of("one"))
                            .await()
                            .iterator()
                            .next()
                            .getLong(0))
                    .as("stored once the database answers")
                    .isEqualTo(1));
    on(next::stop);
    proxy.close();
  }

  /**
   * The file keeps only what has not expired: written anew once the expired lines outnumber the
   * others, and what expired is not loaded.
   */
  @Test
  void theFileForgetsWhatExpired(@TempDir Path dataDir) throws Exception {
    ManualClock clock = new ManualClock();
    Optional<Path> journal = Optional.of(dataDir.resolve(SignedOutSessions.FILE));
    SignedOutSessions sessions = started(Optional.empty(), journal, clock, 1_000);
    on(
        () -> {
          Future<Void> written = Future.succeededFuture();
          for (int i = 0; i < 100; i++) {
            written = sessions.signOut("old-" + i, "key");
          }
          return written;
        });
    clock.advance(LIFETIME.plusSeconds(1));
    on(() -> sessions.signOut("new", "key"));
    on(
        () -> {
          sessions.purge();
          return Future.succeededFuture();
        });
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(Files.readAllLines(journal.get()))
                    .hasSize(1)
                    .first()
                    .asString()
                    .startsWith("new "));

    SignedOutSessions next = started(Optional.empty(), journal, clock, 1_000);
    assertThat(signedOut(next, "new")).isTrue();
    assertThat(signedOut(next, "old-7")).isFalse();
    assertThat(on(() -> Future.succeededFuture(next.size()))).isEqualTo(1);
  }

  /**
   * The set is bounded: an entry goes once every JWT of its session has expired, and when the set
   * is full the oldest sign-out makes room for the newest, counted.
   */
  @Test
  void theSetIsBoundedByExpiryAndByItsCapacity() throws Exception {
    ManualClock clock = new ManualClock();
    SignedOutSessions sessions = started(Optional.empty(), clock, 3);
    Counter dropped =
        Telemetry.registry().find(Telemetry.exported(SignedOutSessions.DROPPED_METER)).counter();
    assertThat(dropped).isNotNull();
    double before = dropped.count();
    for (String id : new String[] {"a", "b", "c", "d"}) {
      on(
          () -> {
            sessions.signOut(id, "key-of-" + id);
            return Future.succeededFuture();
          });
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(signedOut(sessions, "a")).as("dropped for the newest").isFalse();
    assertThat(signedOut(sessions, "d")).isTrue();
    assertThat(on(() -> Future.succeededFuture(sessions.size()))).isEqualTo(3);
    assertThat(dropped.count() - before).isEqualTo(1);

    // b was signed out 3 s before now, c 2 s
    clock.advance(LIFETIME.minusSeconds(3));
    assertThat(signedOut(sessions, "b")).as("its JWTs have all expired").isFalse();
    assertThat(signedOut(sessions, "c")).isTrue();
    on(
        () -> {
          sessions.purge();
          return Future.succeededFuture();
        });
    assertThat(on(() -> Future.succeededFuture(sessions.size()))).isEqualTo(2);
  }
}
