package dev.switchboard.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the receiving clients saw, shared by every event loop. Receipts are attributed to the step
 * whose id they carry: a message of an earlier step that arrives late counts as stale, not as a
 * receipt of the running one. Latencies go to a {@link Recorder} (wait-free for the writers) and
 * are taken out once per step.
 */
public final class Receipts {

  /** Clock origin of the {@code t} field: emits carry {@code System.nanoTime() - origin}. */
  public final long origin = System.nanoTime();

  private volatile long currentStep = Long.MIN_VALUE;
  private final Recorder latencyUs = new Recorder(3);
  private final LongAdder received = new LongAdder();
  private final LongAccumulator lastReceipt = new LongAccumulator(Math::max, Long.MIN_VALUE);
  final LongAdder stale = new LongAdder();
  final LongAdder otherEvents = new LongAdder();
  final LongAdder protocolErrors = new LongAdder();
  final LongAdder disconnects = new LongAdder();
  private final Map<String, LongAdder> disconnectReasons = new ConcurrentHashMap<>();

  /** Called on a client's event loop for each benchmark event. */
  public void record(long t, long step, long nowNanos) {
    if (step != currentStep) {
      stale.increment();
      return;
    }
    long latencyNanos = nowNanos - origin - t;
    latencyUs.recordValue(latencyNanos > 0 ? latencyNanos / 1000 : 0);
    received.increment();
    lastReceipt.accumulate(nowNanos);
  }

  /** Starts attributing receipts to {@code step}, discarding anything recorded before. */
  public void begin(long step) {
    currentStep = Long.MIN_VALUE;
    latencyUs.getIntervalHistogram();
    received.reset();
    lastReceipt.reset();
    currentStep = step;
  }

  /** Receipts of the current step so far. */
  public long received() {
    return received.sum();
  }

  /**
   * Time of the latest receipt of the current step ({@code System.nanoTime()}), or Long.MIN_VALUE.
   */
  public long lastReceiptNanos() {
    return lastReceipt.get();
  }

  /**
   * Ends the step: later receipts of it are stale. Returns the latency histogram in microseconds.
   */
  public Histogram end() {
    currentStep = Long.MIN_VALUE;
    return latencyUs.getIntervalHistogram();
  }

  void disconnected(String reason) {
    disconnects.increment();
    disconnectReasons.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  public Map<String, Long> disconnectReasons() {
    Map<String, Long> out = new TreeMap<>();
    disconnectReasons.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
