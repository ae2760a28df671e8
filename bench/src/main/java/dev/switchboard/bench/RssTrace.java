package dev.switchboard.bench;

import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A server's RSS once a second, from the moment its clients are connected until {@code seconds}
 * later: the record of what one sample at a chosen instant does not show (a runtime compiling the
 * first heartbeat round's code, then giving the compiler's scratch memory back a few seconds
 * later), and the median over a window, which such a passing peak does not move.
 */
final class RssTrace {

  private final List<Long> samples = new ArrayList<>();
  private final int count;
  private final long periodMs;
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile ScheduledFuture<?> task;

  private RssTrace(int count, long periodMs) {
    this.count = count;
    this.periodMs = periodMs;
  }

  /**
   * Samples {@code pid}'s RSS at 0, 1, ..., {@code seconds} s from now on {@code sampler}; none
   * when {@code seconds} is not positive.
   */
  static RssTrace start(ScheduledExecutorService sampler, long pid, double seconds) {
    return start(sampler, () -> ProcStats.rssKb(pid), seconds, TimeUnit.SECONDS.toMillis(1));
  }

  /** {@link #start(ScheduledExecutorService, long, double)} from any source and period (tests). */
  static RssTrace start(
      ScheduledExecutorService sampler, LongSupplier rssKb, double seconds, long periodMs) {
    RssTrace trace = new RssTrace(seconds > 0 ? (int) Math.floor(seconds) + 1 : 0, periodMs);
    if (trace.count == 0) {
      trace.done.countDown();
      return trace;
    }
    trace.task =
        sampler.scheduleAtFixedRate(() -> trace.sample(rssKb), 0, periodMs, TimeUnit.MILLISECONDS);
    return trace;
  }

  private void sample(LongSupplier rssKb) {
    synchronized (samples) {
      if (samples.size() < count) {
        samples.add(rssKb.getAsLong());
        if (samples.size() == count) {
          done.countDown();
        }
      }
      // the first sample can come before start() has the task in hand; a later run cancels it
      if (samples.size() == count && task != null) {
        task.cancel(false);
      }
    }
  }

  /**
   * Waits for the last sample (ten periods past it at most), then gives the median of the samples
   * taken {@code from} to {@code to} periods after the start (seconds, in the bench; both included;
   * the lower middle of an even count), or -1 when there is none or the process could not be read.
   */
  long medianKb(double from, double to) throws InterruptedException {
    done.await(periodMs * (count + 10L), TimeUnit.MILLISECONDS);
    List<Long> window = new ArrayList<>();
    synchronized (samples) {
      for (int s = (int) Math.ceil(from); s <= to && s < samples.size(); s++) {
        window.add(samples.get(s));
      }
    }
    if (window.isEmpty() || window.stream().anyMatch(kb -> kb < 0)) {
      return -1;
    }
    window.sort(null);
    return window.get((window.size() - 1) / 2);
  }

  /** The samples so far, in KiB, one per second. */
  JsonArray samplesKb() {
    synchronized (samples) {
      return new JsonArray(new ArrayList<>(samples));
    }
  }
}
