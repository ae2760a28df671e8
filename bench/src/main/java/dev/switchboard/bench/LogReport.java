package dev.switchboard.bench;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * The arithmetic and the table of {@link LogBench}: rates from a timeline of counter samples,
 * shares, and whether memory stayed flat during a flood.
 */
public final class LogReport {

  /**
   * Counters of one run, sampled every few hundred milliseconds; {@code tMs} from the service's
   * start.
   */
  public record Sample(
      long tMs,
      long read,
      long stored,
      long dropped,
      long delivered,
      long skipped,
      long rssKb,
      long heapUsedKb) {}

  /**
   * When a counter moved: the first sample above its start and the first at its final value (ms).
   */
  public record Span(long fromMs, long toMs) {
    public double seconds() {
      return Math.max(0, toMs - fromMs) / 1000.0;
    }
  }

  private LogReport() {}

  /**
   * The span over which {@code counter} grew from its first value to its last: from the sample
   * before its first rise (when it was still at rest) to the first sample at its final value. Null
   * when it never moved.
   */
  public static Span span(List<Sample> samples, ToLongFunction<Sample> counter) {
    if (samples.isEmpty()) {
      return null;
    }
    long first = counter.applyAsLong(samples.get(0));
    long last = counter.applyAsLong(samples.get(samples.size() - 1));
    if (last == first) {
      return null;
    }
    long from = -1;
    long to = -1;
    for (int i = 0; i < samples.size(); i++) {
      long v = counter.applyAsLong(samples.get(i));
      if (from < 0 && v != first) {
        from = samples.get(Math.max(0, i - 1)).tMs();
      }
      if (v == last) {
        to = samples.get(i).tMs();
        break;
      }
    }
    return new Span(from, to);
  }

  /** Per second; 0 when no time passed. */
  public static double rate(long count, double seconds) {
    return seconds <= 0 ? 0 : count / seconds;
  }

  /** part / whole in percent; 0 when whole is 0. */
  public static double percent(long part, long whole) {
    return whole <= 0 ? 0 : part * 100.0 / whole;
  }

  /**
   * The value of {@code counter} at the last sample at or before {@code tMs} (the first sample's
   * when none).
   */
  public static long at(List<Sample> samples, long tMs, ToLongFunction<Sample> counter) {
    long value = samples.isEmpty() ? 0 : counter.applyAsLong(samples.get(0));
    for (Sample s : samples) {
      if (s.tMs() > tMs) {
        break;
      }
      value = counter.applyAsLong(s);
    }
    return value;
  }

  /**
   * The highest value of {@code gauge} in samples with {@code fromMs <= tMs < toMs}; -1 when none.
   */
  public static long max(
      List<Sample> samples, long fromMs, long toMs, ToLongFunction<Sample> gauge) {
    long max = -1;
    for (Sample s : samples) {
      if (s.tMs() >= fromMs && s.tMs() < toMs) {
        max = Math.max(max, gauge.applyAsLong(s));
      }
    }
    return max;
  }

  /**
   * Whether memory stayed bounded over a flood: the late reading (last third) is at most 25 % plus
   * {@code slackKb} above the early one (first third). Unknown readings (negative) count as
   * bounded.
   */
  public static boolean bounded(long earlyKb, long lateKb, long slackKb) {
    if (earlyKb < 0 || lateKb < 0) {
      return true;
    }
    return lateKb <= earlyKb * 5 / 4 + slackKb;
  }

  // ------------------------------------------------------------------------------------- the table

  /** Prints one column per run. */
  public static void print(List<JsonObject> runs, PrintStream out) {
    if (runs.isEmpty()) {
      out.println("no runs");
      return;
    }
    String[][] rows = {
      {"producer (lines/s asked)", "rate"},
      {"bufferLines", "bufferLines"},
      {"lines produced", "produced"},
      {"produced lines/s (achieved)", "producedRate"},
      {"read lines/s", "readRate"},
      {"stored lines/s (while reading)", "storedRateDuringFlood"},
      {"stored lines/s (sustained)", "storedRate"},
      {"stored (stdout rows in PG)", "stored"},
      {"dropped (notes)", "droppedNotes"},
      {"dropped share %", "droppedPercent"},
      {"read = stored + dropped", "accounted"},
      {"delivered live lines/s", "deliveredRate"},
      {"live: every line not dropped", "liveAccounted"},
      {"read->delivered p50 ms", "latencyP50Ms"},
      {"read->delivered p99 ms", "latencyP99Ms"},
      {"read->delivered max ms", "latencyMaxMs"},
      {"event-loop stall p99 ms", "stallP99Ms"},
      {"event-loop stall max ms", "stallMaxMs"},
      {"longest GC pause ms", "gcMaxPauseMs"},
      {"status request max ms", "statusMaxMs"},
      {"drain after producer (s)", "drainSeconds"},
      {"heap after GC MB: before", "heapBeforeMb"},
      {"  early / late in flood", "heapEarlyLateMb"},
      {"  after drain", "heapAfterMb"},
      {"RSS MB: before", "rssBeforeMb"},
      {"  early / late / peak", "rssEarlyLatePeakMb"},
      {"  after drain", "rssAfterMb"},
      {"memory bounded (RSS, retained)", "memoryBounded"},
      {"CPU % while reading: JVM", "jvmCpuPercent"},
      {"  supervisor event loop", "eventLoopCpuPercent"},
      {"  PostgreSQL", "pgCpuPercent"},
      {"other processes CPU % before", "otherCpuPercent"},
    };
    int width = 32;
    int col = 2 + runs.stream().mapToInt(r -> r.getString("name").length()).max().orElse(0);
    col = Math.max(col, 22);
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", "run"));
    for (JsonObject run : runs) {
      header.append(String.format(Locale.ROOT, "%" + col + "s", run.getString("name")));
    }
    out.println(header);
    for (String[] row : rows) {
      StringBuilder line =
          new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", row[0]));
      for (JsonObject run : runs) {
        line.append(String.format(Locale.ROOT, "%" + col + "s", cell(run.getValue(row[1]))));
      }
      out.println(line);
    }
  }

  static String cell(Object value) {
    if (value == null) {
      return "-";
    }
    if (value instanceof Double d) {
      if (d.isNaN()) {
        return "-";
      }
      return Math.abs(d) >= 100
          ? String.format(Locale.ROOT, "%,.0f", d)
          : String.format(Locale.ROOT, "%.1f", d);
    }
    if (value instanceof Long || value instanceof Integer) {
      return String.format(Locale.ROOT, "%,d", ((Number) value).longValue());
    }
    return value.toString();
  }
}
