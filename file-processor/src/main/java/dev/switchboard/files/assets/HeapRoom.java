package dev.switchboard.files.assets;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  private static final Logger LOG = LoggerFactory.getLogger(HeapRoom.class);

  static final int MIN_FREE_WORKING = 40;
  static final int MAX_FREE_WORKING = 70;

  /** How long the queue stays idle before the room is given back. */
  static final Duration IDLE = Duration.ofSeconds(5);

  private static final String MIN_FREE = "MinHeapFreeRatio";
  private static final String MAX_FREE = "MaxHeapFreeRatio";

  private final Vertx vertx;
  private final Duration idle;
  private final HotSpotDiagnosticMXBean vm;
  // the ratios as they were before the room was made; null while there is no room
  private String min;
  private String max;
  private long idleTimer = -1;

  HeapRoom(Vertx vertx) {
    this(vertx, IDLE);
  }

  /** As {@link #HeapRoom(Vertx)}, giving the room back after {@code idle} (tests). */
  HeapRoom(Vertx vertx, Duration idle) {
    this.vertx = vertx;
    this.idle = idle;
    HotSpotDiagnosticMXBean found;
    try {
      found = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    } catch (RuntimeException | LinkageError e) {
      found = null;
    }
    this.vm = found;
  }

  /** Files are being processed: the heap may keep room for them. */
  void working() {
    if (idleTimer != -1) {
      vertx.cancelTimer(idleTimer);
      idleTimer = -1;
    }
    if (min != null || vm == null) {
      return;
    }
    try {
      String wasMin = vm.getVMOption(MIN_FREE).getValue();
      String wasMax = vm.getVMOption(MAX_FREE).getValue();
      // the JVM refuses a minimum over the maximum: the maximum is raised first
      vm.setVMOption(MAX_FREE, Integer.toString(MAX_FREE_WORKING));
      vm.setVMOption(MIN_FREE, Integer.toString(MIN_FREE_WORKING));
      min = wasMin;
      max = wasMax;
    } catch (RuntimeException e) {
      LOG.debug("heap free ratios not changed for processing: {}", e.toString());
    }
  }

  /** The queue is idle: the room goes once it stays idle that long ({@link #IDLE}). */
  void idle() {
    if (min == null || idleTimer != -1) {
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

  /** Whether the heap keeps room for processing now. */
  boolean roomy() {
    return min != null;
  }

  private void giveBack() {
    if (min == null) {
      return;
    }
    try {
      // the minimum is lowered first, so that it is never over the maximum
      vm.setVMOption(MIN_FREE, min);
      vm.setVMOption(MAX_FREE, max);
    } catch (RuntimeException e) {
      LOG.debug("heap free ratios not put back: {}", e.toString());
    }
    min = null;
    max = null;
    vertx.executeBlocking(
        () -> {
          System.gc();
          return null;
        },
        false);
  }
}
