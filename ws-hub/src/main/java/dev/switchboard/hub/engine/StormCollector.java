package dev.switchboard.hub.engine;

import dev.switchboard.common.observability.HeapFreeRatios;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One full garbage collection after a reconnect storm, so that the heap the storm grew is given
 * back to the system.
 *
 * <p>Why: when thousands of clients connect at once (as after a hub restart), their handshakes'
 * garbage is promoted into the old generation faster than it dies, and the heap grows. The serial
 * collector shrinks the heap only at a full collection, and with the connections idle afterwards
 * none comes: the pages stay resident for as long as the hub runs (bench/README.md, "Reconnect
 * storm").
 *
 * <p>What: a <em>burst</em> is a run of session opens with no gap of {@code quiet} between two of
 * them. When a burst of at least {@code minSessions} opens ends (no new session for {@code quiet}),
 * one {@link System#gc()} runs, and at least {@code minSpacing} after the previous one (a burst
 * that ends sooner is collected when that time is up). So: at most one collection per burst, none
 * while sessions keep opening, none for a trickle of connects (each gap of {@code quiet} starts a
 * new count), and none for emits or other traffic on established sessions, which open nothing.
 *
 * <p>How much it gives back: after a full collection the serial collector keeps free heap up to
 * {@code MaxHeapFreeRatio} (20 % in {@code jvm.options}) of what it keeps, and every page of that
 * margin is resident, since the storm's garbage filled it. So for this one collection both free
 * ratios are set to {@value #FREE_RATIO_AFTER_STORM} % (they are manageable flags of HotSpot) and
 * put back right after: the heap shrinks to what is live plus that margin, and grows again, page by
 * page as it is used, only when it needs to. On a JVM whose flags cannot be changed the collection
 * runs with the flags as they are.
 *
 * <p>Single-threaded: {@link #opened()} and the timer run on the hub's event loop.
 */
final class StormCollector {

  private static final Logger LOG = LoggerFactory.getLogger(StormCollector.class);

  /** Sessions a burst must open before it is collected after. */
  static final int MIN_SESSIONS = 256;

  /** The gap without a new session that ends a burst. */
  static final Duration QUIET = Duration.ofSeconds(5);

  /**
   * The least time between two collections: a full collection of ten thousand connections' heap
   * pauses the hub for tens of milliseconds, so a run of storms costs it at most a few per minute,
   * while a second storm soon after the first (a network blip after a restart) is still given back
   * within seconds of its end.
   */
  static final Duration MIN_SPACING = Duration.ofSeconds(20);

  private static final long NO_TIMER = -1;

  /** {@code MinHeapFreeRatio} and {@code MaxHeapFreeRatio} during the collection, in percent. */
  static final int FREE_RATIO_AFTER_STORM = 5;

  private final Heartbeat.Timers timers;
  private final LongSupplier nanoClock;
  private final Runnable collect;
  private final int minSessions;
  private final long quietNanos;
  private final long minSpacingNanos;
  private final Handler<Long> onTimer =
      id -> {
        timer = NO_TIMER;
        check();
      };

  /** Sessions opened in the current burst. */
  private int burst;

  private long lastOpen;
  private long lastCollection;
  private boolean collectedBefore;
  private long timer = NO_TIMER;
  private long collections;

  StormCollector(Vertx vertx) {
    this(
        new Heartbeat.Timers() {
          @Override
          public long setTimer(long delayMillis, Handler<Long> handler) {
            return vertx.setTimer(delayMillis, handler);
          }

          @Override
          public void cancelTimer(long id) {
            vertx.cancelTimer(id);
          }
        },
        System::nanoTime,
        () -> collectTightly(System::gc),
        MIN_SESSIONS,
        QUIET,
        MIN_SPACING);
  }

  /**
   * @param nanoClock what {@link System#nanoTime()} is to the server
   * @param collect the collection ({@link System#gc()} in the server)
   */
  StormCollector(
      Heartbeat.Timers timers,
      LongSupplier nanoClock,
      Runnable collect,
      int minSessions,
      Duration quiet,
      Duration minSpacing) {
    this.timers = timers;
    this.nanoClock = nanoClock;
    this.collect = collect;
    this.minSessions = minSessions;
    this.quietNanos = quiet.toNanos();
    this.minSpacingNanos = minSpacing.toNanos();
  }

  /** A session was opened. */
  void opened() {
    long now = nanoClock.getAsLong();
    if (burst > 0 && burst < minSessions && now - lastOpen >= quietNanos) {
      burst = 0; // the previous burst was too small to collect after, and it is over
    }
    // a burst large enough that ended while its collection waits for the spacing goes on counting:
    // the collection comes once this one is over too
    burst++;
    lastOpen = now;
    if (burst >= minSessions && timer == NO_TIMER) {
      arm(quietNanos);
    }
  }

  /** Collections run so far. */
  long collections() {
    return collections;
  }

  /** Cancels a pending collection (the server is closing). */
  void stop() {
    if (timer != NO_TIMER) {
      timers.cancelTimer(timer);
      timer = NO_TIMER;
    }
    burst = 0;
  }

  private void check() {
    if (burst < minSessions) {
      return;
    }
    long now = nanoClock.getAsLong();
    long due = lastOpen + quietNanos;
    if (collectedBefore && lastCollection + minSpacingNanos - due > 0) {
      due = lastCollection + minSpacingNanos;
    }
    if (due - now > 0) {
      arm(due - now);
      return;
    }
    int sessions = burst;
    burst = 0;
    long start = System.nanoTime();
    collect.run();
    lastCollection = nanoClock.getAsLong();
    collectedBefore = true;
    collections++;
    if (LOG.isDebugEnabled()) {
      LOG.debug(
          "full collection after a burst of {} new sessions ({} ms)",
          sessions,
          (System.nanoTime() - start) / 1_000_000);
    }
  }

  /**
   * Runs {@code gc} with both free ratios at {@link #FREE_RATIO_AFTER_STORM}, so that the heap
   * shrinks to what is live plus that margin, and puts the ratios back afterwards, whatever
   * happens. Where HotSpot's flags cannot be read or changed, just runs {@code gc}.
   */
  static void collectTightly(Runnable gc) {
    HeapFreeRatios.collectWith(FREE_RATIO_AFTER_STORM, gc);
  }

  private void arm(long delayNanos) {
    // rounded up: the timer never fires before the deadline
    long delayMillis = Math.max(1, (delayNanos + 999_999) / 1_000_000);
    timer = timers.setTimer(delayMillis, onTimer);
  }
}
