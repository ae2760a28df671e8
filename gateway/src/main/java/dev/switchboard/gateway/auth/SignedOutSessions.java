package dev.switchboard.gateway.auth;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.db.Backoff;
import dev.switchboard.common.db.BatchWriter;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.observability.Telemetry;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sign-in sessions that were signed out, by their id, each refused until every JWT of it has
 * expired: one JWT lifetime after the sign-out (a JWT of the session issued before it expires by
 * then, and none is issued after it, since a refresh verifies the JWT it renews). {@link
 * Sessions#verify} asks {@link #signedOut} in memory, never the database.
 *
 * <p>A sign-out ({@link #signOut}) is in force at once in this gateway's memory, and on every
 * gateway and service through {@code auth.revoked {key, origin: "session:<id>"}}: every gateway
 * adds such a session to its own set as it hears it. With a database, it is also written to {@code
 * auth.signed_out_sessions} (in the background, a {@link BatchWriter}: a database away delays the
 * write, retried with backoff and logged once per outage, without delaying the sign-out), and a
 * gateway loads the sessions not yet expired there when it starts, so a restart forgets none; the
 * rows that expired are purged every {@link #PURGE_EVERY}. With a data directory, the gateway's own
 * sign-outs are kept in a file there too ({@link SignOutJournal}), loaded at start: a gateway
 * restarted while the database is away still refuses them. Without either, the set is this
 * process's memory only: a restart forgets it (a signed-out JWT's copy is then good again until it
 * expires, and renewable).
 *
 * <p>Memory is bounded: an entry goes once it expires, and the set holds at most {@code capacity};
 * when it is full, the entry nearest its expiry (the oldest sign-out) is dropped for a new one,
 * counted in {@code switchboard_gateway_signouts_dropped_total} and logged once while it lasts.
 * Used on the gateway's event loop.
 */
public final class SignedOutSessions {

  /** Rendered {@code switchboard_gateway_signouts_dropped_total} by Prometheus. */
  public static final String DROPPED_METER = "gateway.signouts.dropped";

  /** Rendered {@code switchboard_gateway_signouts_unstored_total} by Prometheus. */
  public static final String UNSTORED_METER = "gateway.signouts.unstored";

  /** The file in the data directory that keeps this gateway's own sign-outs. */
  public static final String FILE = "signed-out-sessions";

  /** How many signed-out sessions are held in memory at most, by default. */
  public static final int CAPACITY = 100_000;

  static final Duration PURGE_EVERY = Duration.ofMinutes(1);

  /** How long a start waits for the sessions signed out before it; then it loads them later. */
  static final Duration LOAD_WAIT = Duration.ofSeconds(5);

  /** The longest session id taken from the event bus (the gateway's own are 22 characters). */
  private static final int MAX_ID = 64;

  private static final Logger LOG = LoggerFactory.getLogger(SignedOutSessions.class);
  private static final String INSERT =
      "INSERT INTO auth.signed_out_sessions (sid, until) VALUES ($1, $2) ON CONFLICT (sid)"
          + " DO UPDATE SET until = GREATEST(auth.signed_out_sessions.until, EXCLUDED.until)";

  /** A session signed out, refused until {@code until}. */
  private record Entry(String id, Instant until) {
    Tuple tuple() {
      return Tuple.of(id, OffsetDateTime.ofInstant(until, ZoneOffset.UTC));
    }
  }

  private final Vertx vertx;
  private final Optional<Pool> pool;
  private final Duration lifetime;
  private final Clock clock;
  private final int capacity;
  private final Optional<BatchWriter<Entry>> writer;
  private final Optional<SignOutJournal> journal;
  private final Counter dropped;

  /** Each session's end of refusal, in the order they were signed out (about that of expiry). */
  private final Map<String, Instant> refused = new LinkedHashMap<>();

  private long droppedWhileFull;
  private boolean loaded;
  private boolean loading;
  private boolean loadFailed;
  private long timer = -1;
  private MessageConsumer<JsonObject> revocations;

  /**
   * @param pool the database of schema {@code auth}; empty: not stored there
   * @param journal the file that keeps this gateway's own sign-outs across its restarts (in the
   *     data directory); empty: none
   * @param lifetime how long a sign-in JWT lives ({@link Sessions#lifetime()})
   */
  public SignedOutSessions(
      Vertx vertx,
      Optional<Pool> pool,
      Optional<Path> journal,
      Duration lifetime,
      Clock clock,
      int capacity) {
    this.vertx = vertx;
    this.journal = journal.map(file -> new SignOutJournal(vertx, file, clock, capacity));
    this.pool = pool;
    this.lifetime = lifetime;
    this.clock = clock;
    this.capacity = capacity;
    this.loaded = pool.isEmpty();
    this.dropped =
        Counter.builder(DROPPED_METER)
            .description(
                "Signed-out sessions forgotten before they expired because the set was full")
            .register(Telemetry.registry());
    this.writer =
        pool.map(
            db ->
                new BatchWriter<>(
                    vertx,
                    "signed-out sessions",
                    10_000,
                    500,
                    Duration.ofMillis(100),
                    batch -> {
                      List<Tuple> rows = batch.stream().map(Entry::tuple).toList();
                      return db.withTransaction(
                          connection -> connection.preparedQuery(INSERT).executeBatch(rows));
                    },
                    new DatabaseStatus(db, clock),
                    new Backoff(Duration.ofMillis(250), Duration.ofSeconds(5)),
                    clock,
                    Counter.builder(UNSTORED_METER)
                        .description(
                            "Sign-outs not written to the database because its queue was full"
                                + " (the database away); in force in memory and on the bus")
                        .register(Telemetry.registry()),
                    "switchboard_gateway_signouts_unstored_total"));
  }

  /** Memory only, as without a database (tests). */
  public static SignedOutSessions inMemory(Vertx vertx, Duration lifetime) {
    return new SignedOutSessions(
        vertx, Optional.empty(), Optional.empty(), lifetime, Clock.systemUTC(), CAPACITY);
  }

  /**
   * Loads this gateway's own from its file (written to the database again, in case they never
   * were), listens for the sign-outs of other gateways, loads those stored (waiting at most {@link
   * #LOAD_WAIT}; tried again every {@link #PURGE_EVERY} until it succeeds) and starts the writer
   * and the purge.
   */
  public Future<Void> start() {
    return journal
        .map(SignOutJournal::load)
        .orElse(Future.succeededFuture(Map.of()))
        .compose(
            own -> {
              own.forEach(
                  (id, until) -> {
                    refuse(id, until);
                    writer.ifPresent(w -> w.add(new Entry(id, until)));
                  });
              return listenAndLoad();
            });
  }

  private Future<Void> listenAndLoad() {
    revocations =
        vertx
            .eventBus()
            .consumer(
                Addresses.AUTH_REVOKED,
                message ->
                    heard(message.body() == null ? null : message.body().getString("origin")));
    writer.ifPresent(BatchWriter::start);
    timer = vertx.setPeriodic(PURGE_EVERY.toMillis(), id -> purge());
    return revocations
        .completion()
        .compose(
            listening ->
                load()
                    .timeout(LOAD_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                    .otherwiseEmpty()
                    .mapEmpty());
  }

  /** Stops the timers and writes what waits (completes once stored, or after a while). */
  public Future<Void> stop() {
    vertx.cancelTimer(timer);
    Future<Void> unregistered =
        revocations == null ? Future.succeededFuture() : revocations.unregister();
    Future<Void> written = writer.map(BatchWriter::stop).orElse(Future.succeededFuture());
    return Future.join(unregistered, written).mapEmpty();
  }

  /** Whether the session {@code id} was signed out, and JWTs of it may still exist. */
  public boolean signedOut(String id) {
    Instant until = refused.get(id);
    return until != null && until.isAfter(clock.instant());
  }

  /**
   * Signs out the session {@code id}, whose JWT with key {@code key} ({@code Authenticator.key})
   * asked: refused here at once, stored, and revoked on the event bus, so that every gateway
   * refuses it and every service forgets and ends what it holds of it. Completes once it is in this
   * gateway's file too (or could not be written there, which is logged).
   */
  public Future<Void> signOut(String id, String key) {
    Entry entry = new Entry(id, clock.instant().plus(lifetime));
    refuse(entry.id(), entry.until());
    writer.ifPresent(w -> w.add(entry));
    vertx
        .eventBus()
        .publish(
            Addresses.AUTH_REVOKED,
            new JsonObject().put("key", key).put("origin", Sessions.SESSION_TAG + id));
    return journal
        .map(file -> file.append(entry.id(), entry.until()))
        .orElse(Future.succeededFuture());
  }

  /** How many signed-out sessions are held now, expired ones not yet purged included. */
  int size() {
    return refused.size();
  }

  /** Purges the expired entries from memory and from the database; loads, if that failed. */
  void purge() {
    Instant now = clock.instant();
    refused.values().removeIf(until -> !until.isAfter(now));
    journal.ifPresent(SignOutJournal::purge);
    if (droppedWhileFull > 0 && refused.size() < capacity) {
      LOG.info(
          "signed-out sessions: room again; {} were forgotten before they expired",
          droppedWhileFull);
      droppedWhileFull = 0;
    }
    if (!loaded) {
      load();
    }
    pool.ifPresent(
        db ->
            db.preparedQuery("DELETE FROM auth.signed_out_sessions WHERE until <= $1")
                .execute(Tuple.of(OffsetDateTime.ofInstant(now, ZoneOffset.UTC)))
                .onFailure(
                    err ->
                        LOG.debug(
                            "expired signed-out sessions not purged now: {}", err.getMessage())));
  }

  /** Another gateway's sign-out (or this one's, heard back): refused here too. */
  private void heard(String tag) {
    if (tag == null || !tag.startsWith(Sessions.SESSION_TAG)) {
      return;
    }
    String id = tag.substring(Sessions.SESSION_TAG.length());
    if (!id.isEmpty() && id.length() <= MAX_ID && !refused.containsKey(id)) {
      refuse(id, clock.instant().plus(lifetime));
    }
  }

  /** Loads the sessions signed out before this start and not expired, the latest first. */
  private Future<Void> load() {
    if (pool.isEmpty() || loaded || loading) {
      return Future.succeededFuture();
    }
    loading = true;
    Instant now = clock.instant();
    return pool.get()
        .preparedQuery(
            "SELECT sid, until FROM auth.signed_out_sessions WHERE until > $1"
                + " ORDER BY until DESC LIMIT $2")
        .execute(Tuple.of(OffsetDateTime.ofInstant(now, ZoneOffset.UTC), capacity))
        .onComplete(done -> loading = false)
        .onSuccess(
            rows -> {
              List<Entry> found = new ArrayList<>(rows.rowCount());
              for (Row row : rows) {
                found.add(
                    new Entry(row.getString("sid"), row.getOffsetDateTime("until").toInstant()));
              }
              // the earliest to expire first, as they were signed out
              for (int index = found.size() - 1; index >= 0; index--) {
                refuse(found.get(index).id(), found.get(index).until());
              }
              loaded = true;
              if (loadFailed) {
                LOG.info(
                    "signed-out sessions: loaded {} from the database; they are refused again",
                    found.size());
              }
            })
        .onFailure(
            err -> {
              if (!loadFailed) {
                loadFailed = true;
                LOG.warn(
                    "signed-out sessions: cannot load those signed out before this start ({});"
                        + " until the database answers (tried every {} s), their JWTs are"
                        + " accepted until they expire",
                    err.getMessage(),
                    PURGE_EVERY.toSeconds());
              }
            })
        .mapEmpty();
  }

  /**
   * Refuses {@code id} until {@code until} (or later, if it already was); drops the entry nearest
   * its expiry when the set is full.
   */
  private void refuse(String id, Instant until) {
    Instant before = refused.remove(id);
    if (before != null && before.isAfter(until)) {
      until = before;
    }
    if (refused.size() >= capacity) {
      // the oldest first: those that expired go, then the one nearest its expiry
      Instant now = clock.instant();
      boolean wasFull = droppedWhileFull > 0;
      Iterator<Instant> oldest = refused.values().iterator();
      while (oldest.hasNext() && refused.size() >= capacity) {
        boolean expired = !oldest.next().isAfter(now);
        oldest.remove();
        if (!expired) {
          dropped.increment();
          droppedWhileFull++;
        }
      }
      if (!wasFull && droppedWhileFull > 0) {
        LOG.warn(
            "signed-out sessions: {} held, the most this gateway keeps; the oldest are forgotten"
                + " before they expire (their JWTs accepted again until then), counted in"
                + " switchboard_gateway_signouts_dropped_total",
            capacity);
      }
    }
    refused.put(id, until);
  }
}
