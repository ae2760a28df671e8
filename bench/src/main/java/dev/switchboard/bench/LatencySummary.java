package dev.switchboard.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

/**
 * Percentiles of a latency histogram recorded in microseconds, reported in milliseconds. An empty
 * histogram gives count 0 and NaN percentiles.
 */
public record LatencySummary(
    long count, double p50, double p90, double p99, double p999, double max, double mean) {

  public static final LatencySummary EMPTY =
      new LatencySummary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

  /** Highest value a histogram tracks before resizing: one hour in microseconds. */
  public static final long HIGHEST_TRACKABLE_US = 3_600_000_000L;

  /** A histogram of microsecond latencies with 3 significant digits that resizes as needed. */
  public static Histogram newHistogram() {
    Histogram h = new Histogram(HIGHEST_TRACKABLE_US, 3);
    h.setAutoResize(true);
    return h;
  }

  public static LatencySummary of(Histogram h) {
    if (h == null || h.getTotalCount() == 0) {
      return EMPTY;
    }
    return new LatencySummary(
        h.getTotalCount(),
        ms(h.getValueAtPercentile(50)),
        ms(h.getValueAtPercentile(90)),
        ms(h.getValueAtPercentile(99)),
        ms(h.getValueAtPercentile(99.9)),
        ms(h.getMaxValue()),
        h.getMean() / 1000.0);
  }

  private static double ms(long micros) {
    return micros / 1000.0;
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("count", count);
    put(o, "p50", p50);
    put(o, "p90", p90);
    put(o, "p99", p99);
    put(o, "p999", p999);
    put(o, "max", max);
    put(o, "mean", mean);
    return o;
  }

  public static LatencySummary fromJson(JsonObject o) {
    if (o == null) {
      return EMPTY;
    }
    return new LatencySummary(
        o.getLong("count", 0L),
        num(o, "p50"),
        num(o, "p90"),
        num(o, "p99"),
        num(o, "p999"),
        num(o, "max"),
        num(o, "mean"));
  }

  static void put(JsonObject o, String key, double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      o.putNull(key);
    } else {
      o.put(key, Math.round(value * 1000.0) / 1000.0);
    }
  }

  static double num(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
