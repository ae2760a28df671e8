package dev.switchboard.common.db;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded queue of rows written to the database in batches, so that whoever records a row never
 * waits for the database: {@link #add} queues (at most {@code capacity} rows, with the batch in
 * flight), and every {@code tick} one insert of up to {@code batchRows} rows is started, one at a
 * time. When the database goes away, a failed batch goes back to the front of the queue and the
 * writer waits (an {@link Outage}: capped, jittered backoff, logged once when it begins and once
 * when it ends, reported to the {@link DatabaseStatus}) before it tries again; while the queue is
 * full, new rows are dropped, counted in {@code dropped}, and the drop is logged once (and summed
 * up when the database answers again). Used on one context (a verticle's event loop).
 *
 * @param <T> one row as recorded
 */
public final class BatchWriter<T> {

  private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);
  private static final Duration FLUSH_LIMIT = Duration.ofSeconds(5);
  private static final long REFUSALS_LOGGED_EVERY = Duration.ofMinutes(1).toNanos();

  private final Vertx vertx;
  private final String what;
  private final int capacity;
  private final int batchRows;
  private final Duration tick;
  private final Function<List<T>, Future<?>> insert;
  private final Counter dropped;
  private final String droppedMeter;
  private final Outage outage;
  private final ArrayDeque<T> queue = new ArrayDeque<>();
  private List<T> inFlight = List.of();
  // after the database refused a batch for its data, that batch's rows go one at a time
  private int singly;
  // rows the database refused since the last line that said so, and when that line was (nanoTime)
  private long refusedUnlogged;
  private long lastRefusalLogged;
  private long droppedInEpisode;
  private long timer = -1;

  /**
   * @param what the rows, for the log ({@code audit entries})
   * @param insert stores one batch (in one transaction); fails when the database does not take it
   * @param dropped counts the rows dropped because the queue was full, or because the database
   *     refused them for what they hold (a value it cannot store): such a batch is written again
   *     one row at a time, and only the refused row is dropped, logged with the database's reason
   * @param droppedMeter the counter's name as Prometheus shows it, for the log
   */
  public BatchWriter(
      Vertx vertx,
      String what,
      int capacity,
      int batchRows,
      Duration tick,
      Function<List<T>, Future<?>> insert,
      DatabaseStatus status,
      Backoff backoff,
      Clock clock,
      Counter dropped,
      String droppedMeter) {
    this.vertx = vertx;
    this.what = what;
    this.capacity = capacity;
    this.batchRows = batchRows;
    this.tick = tick;
    this.insert = insert;
    this.dropped = dropped;
    this.droppedMeter = droppedMeter;
    this.outage =
        new Outage(
            "storing " + what,
            backoff,
            status,
            clock,
            () ->
                queue.size()
                    + " "
                    + what
                    + " had waited in memory, "
                    + droppedInEpisode
                    + " were dropped");
  }

  /** Writes every {@code tick}. */
  public void start() {
    timer = vertx.setPeriodic(tick.toMillis(), id -> write());
  }

  /** Stops the timer and writes what waits; completes once it is stored, or after a while. */
  public Future<Void> stop() {
    vertx.cancelTimer(timer);
    return flush();
  }

  /** Queues a row; false when it was dropped (counted, and logged once) for a full queue. */
  public boolean add(T row) {
    if (queue.size() + inFlight.size() >= capacity) {
      dropped.increment();
      if (droppedInEpisode++ == 0) {
        LOG.warn(
            "{}: {} wait for the database; new ones are dropped and counted in {} until it takes"
                + " them",
            what,
            capacity,
            droppedMeter);
      }
      return false;
    }
    queue.add(row);
    return true;
  }

  /** Rows waiting, with the batch in flight. */
  public int waiting() {
    return queue.size() + inFlight.size();
  }

  /** Starts one insert of up to {@code batchRows} rows, unless one is on its way. */
  public void write() {
    if (!inFlight.isEmpty() || queue.isEmpty() || !outage.mayTry()) {
      return;
    }
    int rows = singly > 0 ? 1 : batchRows;
    List<T> batch = new ArrayList<>(Math.min(queue.size(), rows));
    while (!queue.isEmpty() && batch.size() < rows) {
      batch.add(queue.poll());
    }
    inFlight = batch;
    Future<?> stored;
    try {
      stored = insert.apply(batch);
    } catch (RuntimeException e) {
      stored = Future.failedFuture(e);
    }
    stored.onComplete(
        done -> {
          inFlight = List.of();
          if (done.succeeded()) {
            outage.succeeded();
            if (droppedInEpisode > 0) {
              LOG.info("{}: writing again; {} were dropped", what, droppedInEpisode);
            }
            droppedInEpisode = 0;
            if (singly > 0 && --singly > 0) {
              vertx.runOnContext(next -> write());
            }
          } else if (refusedForItsData(done.cause())) {
            // the database answered: retrying the same rows would fail the same way
            outage.succeeded();
            if (batch.size() > 1) {
              for (int index = batch.size() - 1; index >= 0; index--) {
                queue.addFirst(batch.get(index));
              }
              singly = batch.size();
            } else {
              singly = Math.max(0, singly - 1);
              dropped.increment();
              refusedUnlogged++;
              // at most a line a minute: rows a client fills with what the database refuses must
              // not become a log line each
              long now = System.nanoTime();
              if (lastRefusalLogged == 0 || now - lastRefusalLogged >= REFUSALS_LOGGED_EVERY) {
                LOG.warn(
                    "{}: the database refused {} ({}); dropped, counted in {} (at most a line"
                        + " a minute)",
                    what,
                    refusedUnlogged == 1 ? "one" : refusedUnlogged,
                    done.cause().getMessage(),
                    droppedMeter);
                refusedUnlogged = 0;
                lastRefusalLogged = now;
              }
            }
            vertx.runOnContext(next -> write());
          } else {
            // back to the front, in order, to be tried once the wait is over (the tick does)
            for (int index = batch.size() - 1; index >= 0; index--) {
              queue.addFirst(batch.get(index));
            }
            outage.failed(done.cause());
          }
        });
  }

  /**
   * Whether the database refused the rows for a value they hold (SQLSTATE class 22, data exception,
   * such as a NUL in text; or 23, a violated constraint): the same rows would be refused again.
   */
  private static boolean refusedForItsData(Throwable cause) {
    return cause instanceof PgException pg
        && pg.getSqlState() != null
        && (pg.getSqlState().startsWith("22") || pg.getSqlState().startsWith("23"));
  }

  /**
   * Writes what waits; completes once it is stored, or at once while the database is away, or after
   * a while.
   */
  public Future<Void> flush() {
    long deadline = System.nanoTime() + FLUSH_LIMIT.toNanos();
    return Future.future(promise -> awaitFlushed(promise, deadline));
  }

  private void awaitFlushed(Promise<Void> promise, long deadline) {
    write();
    if (queue.isEmpty() && inFlight.isEmpty()) {
      promise.complete();
    } else if (outage.ongoing() || System.nanoTime() > deadline) {
      // the database is away: what is stored is all a reader gets now
      promise.complete();
    } else {
      vertx.setTimer(10, id -> awaitFlushed(promise, deadline));
    }
  }
}
