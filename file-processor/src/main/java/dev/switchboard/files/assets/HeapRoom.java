package dev.switchboard.files.assets;

import dev.switchboard.common.observability.HeapFreeRatios;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * Room in the heap while files are processed, given back once the queue is idle.
 *
 * <p>Why: {@code jvm.options} keeps the heap tight for the many idle connections a hub holds. The
 * young generation is 8 MB and free heap is kept to 10–20 % of what is live. A photo's decoded
 * raster (8 MB for 2000 × 1333) is too large for that young generation, so it goes straight to the
 * old one. With so little free heap, every file or two then cost a full collection of the whole
 * process's heap: 623 of them, 31.5 s of pauses, in the 60 s that 1,000 photos took end to end
 * (bench/README.md, "Ingest: room in the heap while processing").
 *
 * <p>What: while files are being processed, both free ratios (manageable flags of HotSpot) are set
 * to HotSpot's own defaults, {@value #MIN_FREE_WORKING} and {@value #MAX_FREE_WORKING} %. So the
 * heap keeps room for a few files' rasters between collections. Once the queue has been idle for
 * {@link #IDLE}, the ratios are put back as they were, and one full collection gives the heap back.
 * The same is done after a reconnect storm on the hub ({@code StormCollector}), which reads and
 * restores whatever the ratios are when it runs. Where HotSpot's flags cannot be changed, nothing
 * is done.
 *
 * <p>Used on the event loop of the processing queue; the collection runs on a worker thread.
 */
final class HeapRoom {

  static final int MIN_FREE_WORKING = 40;
  static final int MAX_FREE_WORKING = 70;

  /** How long the queue stays idle before the room is given back. */
  static final Duration IDLE = Duration.ofSeconds(5);

  private final Vertx vertx;
  private final Duration idle;
  // whether this queue widened the ratios and has not given the room back
  private boolean roomy;
  private long idleTimer = -1;

  HeapRoom(Vertx vertx) {
    this(vertx, IDLE);
  }

  /** As {@link #HeapRoom(Vertx)}, giving the room back after {@code idle} (tests). */
  HeapRoom(Vertx vertx, Duration idle) {
    this.vertx = vertx;
    this.idle = idle;
  }

  /** Files are being processed: the heap may keep room for them. */
  void working() {
    if (idleTimer != -1) {
      vertx.cancelTimer(idleTimer);
      idleTimer = -1;
    }
    if (!roomy) {
      roomy = HeapFreeRatios.widen(MIN_FREE_WORKING, MAX_FREE_WORKING);
    }
  }

  /** The queue is idle: the room goes once it stays idle that long ({@link #IDLE}). */
  void idle() {
    if (!roomy || idleTimer != -1) {
      return;
    }
    idleTimer =
        vertx.setTimer(
            idle.toMillis(),
            id -> {
              idleTimer = -1;
              giveBack();
            });
  }

  /** The queue stops: the room goes now, if this queue holds it. */
  void release() {
    if (idleTimer != -1) {
      vertx.cancelTimer(idleTimer);
      idleTimer = -1;
    }
    if (roomy) {
      roomy = false;
      HeapFreeRatios.restore();
    }
  }

  /** Whether the heap keeps room for processing now. */
  boolean roomy() {
    return roomy;
  }

  private void giveBack() {
    if (!roomy) {
      return;
    }
    roomy = false;
    HeapFreeRatios.restore();
    vertx.executeBlocking(
        () -> {
          System.gc();
          return null;
        },
        false);
  }
}
