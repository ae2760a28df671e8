package dev.switchboard.supervisor.logs;

import dev.switchboard.common.db.Backoff;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.db.Outage;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database side of a {@link LogPipeline}: the bounded backlog of lines waiting to be stored,
 * multi-row inserts of up to {@code batchRows}, {@code insertsInFlight} at a time, and the {@link
 * Outage} that makes it wait, with one insert at a time, while the database is away. Inserts are
 * started by a loop, never from the completion of the previous one, so a database that fails at
 * once cannot nest calls. Runs on the pipeline's event loop.
 */
final class LogWriter {

  private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);

  /**
   * How long a stop waits for the backlog to reach the database (at the measured 50k+ rows/s: the
   * whole backlog).
   */
  private static final Duration FLUSH_LIMIT = Duration.ofSeconds(10);

  /**
   * Retries while the database is away: soon at first, then at most every few seconds, so it is
   * used again within seconds of its return.
   */
  private static final Duration FIRST_RETRY = Duration.ofMillis(250);

  private static final Duration MAX_RETRY = Duration.ofSeconds(4);

  private final Vertx vertx;
  private final LogStore store;
  private final LogOptions options;
  private final Counter storedLines;
  private final Supplier<List<LogStore.SourcedLine>> dropNotes;
  private final Outage outage;
  private final ArrayDeque<LogStore.SourcedLine> backlog = new ArrayDeque<>();

  /** For each insert in flight: the first line of each source in it. */
  private final List<Map<String, Long>> inFlight = new ArrayList<>();

  private int rowsInFlight;
  private long droppedInOutage;

  /**
   * Whether {@link #write()} is on the stack: a completion that calls it again leaves the work to
   * that loop.
   */
  private boolean writing;

  /**
   * @param dropNotes the sources' notes of what they dropped, stored with the next insert
   */
  LogWriter(
      Vertx vertx,
      LogStore store,
      DatabaseStatus database,
      LogOptions options,
      Clock clock,
      Counter storedLines,
      Supplier<List<LogStore.SourcedLine>> dropNotes) {
    this.vertx = vertx;
    this.store = store;
    this.options = options;
    this.storedLines = storedLines;
    this.dropNotes = dropNotes;
    this.outage =
        new Outage(
            "storing log lines",
            new Backoff(FIRST_RETRY, MAX_RETRY),
            database,
            clock,
            () ->
                backlog.size()
                    + " lines had waited in memory, "
                    + droppedInOutage
                    + " were dropped (a note in each source's log says which)");
  }

  /** Lines the backlog may still take: {@code capacity * 4}, inserts in flight included. */
  int room() {
    return options.capacity() * 4 - backlog.size() - rowsInFlight;
  }

  void add(LogStore.SourcedLine row) {
    backlog.add(row);
  }

  /** Lines a source dropped for want of room, counted for the outage's end. */
  void dropped(int count) {
    if (outage.ongoing()) {
      droppedInOutage += count;
    }
  }

  /**
   * Up to {@code insertsInFlight} inserts at a time (one while the database is away, once its wait
   * is over); the next starts when one is done. Notes about drops ride along.
   */
  void write() {
    if (writing) {
      return;
    }
    writing = true;
    try {
      while (inFlight.size() < (outage.ongoing() ? 1 : options.insertsInFlight())
          && outage.mayTry()
          && writeBatch()) {
        // started one more
      }
    } finally {
      writing = false;
    }
  }

  private boolean writeBatch() {
    List<LogStore.SourcedLine> batch =
        new ArrayList<>(Math.min(backlog.size(), options.batchRows()) + 1);
    // while the database is away the gap is still growing: one note, written once it is back,
    // covers it all
    if (!outage.ongoing()) {
      batch.addAll(dropNotes.get());
    }
    while (!backlog.isEmpty() && batch.size() < options.batchRows()) {
      batch.add(backlog.poll());
    }
    if (batch.isEmpty()) {
      return false;
    }
    Map<String, Long> first = new HashMap<>();
    batch.forEach(row -> first.merge(row.source(), row.line().seq(), Math::min));
    inFlight.add(first);
    rowsInFlight += batch.size();
    store
        .insert(batch)
        .onComplete(
            result -> {
              inFlight.removeIf(running -> running == first);
              rowsInFlight -= batch.size();
              if (result.succeeded()) {
                storedLines.increment(batch.size());
                outage.succeeded();
                droppedInOutage = 0;
                write();
              } else {
                // back to the front, to be tried again once the wait is over (the tick does); the
                // insert
                // ignores rows already stored, should the failure have come after the commit
                for (int index = batch.size() - 1; index >= 0; index--) {
                  backlog.addFirst(batch.get(index));
                }
                outage.failed(result.cause());
              }
            });
    return true;
  }

  /** Writes what waits; completes once it is stored, or after {@link #FLUSH_LIMIT}. */
  Future<Void> flush() {
    write();
    if (backlog.isEmpty() && inFlight.isEmpty()) {
      return Future.succeededFuture();
    }
    long deadline = System.nanoTime() + FLUSH_LIMIT.toNanos();
    return Future.<Void>future(promise -> awaitFlushed(promise, deadline));
  }

  private void awaitFlushed(Promise<Void> promise, long deadline) {
    write();
    if (backlog.isEmpty() && inFlight.isEmpty()) {
      promise.complete();
    } else if (System.nanoTime() > deadline) {
      LOG.warn(
          "{} log lines were still waiting for the database after {}; they are not stored",
          backlog.size(),
          FLUSH_LIMIT);
      promise.complete();
    } else {
      vertx.setTimer(20, id -> awaitFlushed(promise, deadline));
    }
  }

  /**
   * The highest sequence number up to which every line of the source is stored or counted as
   * dropped.
   */
  long visibleThrough(String sourceId) {
    long first = Long.MAX_VALUE;
    for (Map<String, Long> batch : inFlight) {
      first = Math.min(first, batch.getOrDefault(sourceId, Long.MAX_VALUE));
    }
    for (LogStore.SourcedLine row : backlog) {
      // failed inserts go back to the front, so a source's oldest row may be anywhere
      if (row.source().equals(sourceId)) {
        first = Math.min(first, row.line().seq());
      }
    }
    return first == Long.MAX_VALUE ? Long.MAX_VALUE : first - 1;
  }
}
