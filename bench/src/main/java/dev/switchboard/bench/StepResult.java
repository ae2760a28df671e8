package dev.switchboard.bench;

import io.vertx.core.json.JsonObject;
import java.util.Locale;

/** What one load step measured, and whether it met the criterion. */
public final class StepResult {

  public int step;
  public double targetRate;
  public double stepSeconds;

  /** Receivers connected when the step started: each emit should reach every one of them. */
  public long receivers;

  public long emitsSent;
  public long emitsAccepted;
  public long emitsFailed;

  /** Emits still unanswered by the server when the step was measured. */
  public long emitsPending;

  public double sendSeconds;
  public long expected;
  public long received;

  /**
   * Receipts of an earlier step that arrived during this one (not counted in {@link #received}).
   */
  public long stale;

  public double deliveredShare;
  public double deliveredPerSec;
  public double drainSeconds;
  public LatencySummary latency = LatencySummary.EMPTY;
  public LatencySummary emitHttp = LatencySummary.EMPTY;

  /**
   * Largest delay between an emit's scheduled time and the moment the generator handed it to the
   * client.
   */
  public double scheduleLagMaxMs;

  public double serverCpuPct = -1;
  public double generatorCpuPct = -1;

  /**
   * CPU used by every other process on the machine during the step: noise that skews the figures.
   */
  public double otherCpuPct = -1;

  public long serverRssKbMax = -1;
  public long serverRssKbEnd = -1;
  public long disconnects;
  public boolean passed;
  public String failReason;

  /**
   * Server CPU time per delivered message in microseconds: a cost that does not depend on the
   * generator's limits.
   */
  public double serverCpuMicrosPerDelivery() {
    return serverCpuPct < 0 || deliveredPerSec <= 0
        ? Double.NaN
        : serverCpuPct / 100.0 / deliveredPerSec * 1e6;
  }

  /**
   * Applies the criterion: at least {@code minShare} of the expected receipts arrived and p99
   * latency is under {@code p99BoundMs}. Sets {@link #passed} and {@link #failReason}.
   */
  public StepResult evaluate(double minShare, double p99BoundMs) {
    failReason = failReason(expected, received, latency, minShare, p99BoundMs);
    passed = failReason == null;
    return this;
  }

  /**
   * Computes {@link #deliveredShare} and {@link #deliveredPerSec} from counts and the receive
   * window.
   */
  public StepResult computeRates(double receiveWindowSeconds) {
    deliveredShare = share(received, expected);
    deliveredPerSec = receiveWindowSeconds > 0 ? received / receiveWindowSeconds : 0;
    return this;
  }

  public static double share(long received, long expected) {
    return expected <= 0 ? 0 : (double) received / expected;
  }

  /** Why a step fails the criterion, or null when it passes. */
  public static String failReason(
      long expected, long received, LatencySummary latency, double minShare, double p99BoundMs) {
    if (expected <= 0) {
      return "nothing was sent";
    }
    if (received == 0 || latency.count() == 0) {
      return "nothing was delivered";
    }
    double share = share(received, expected);
    if (share < minShare) {
      return String.format(Locale.ROOT, "delivered %.3f%% < %.3f%%", share * 100, minShare * 100);
    }
    if (!(latency.p99() < p99BoundMs)) {
      return String.format(Locale.ROOT, "p99 %.1f ms >= %.0f ms", latency.p99(), p99BoundMs);
    }
    return null;
  }

  public JsonObject toJson() {
    JsonObject o =
        new JsonObject()
            .put("step", step)
            .put("targetRate", targetRate)
            .put("stepSeconds", stepSeconds)
            .put("receivers", receivers)
            .put("emitsSent", emitsSent)
            .put("emitsAccepted", emitsAccepted)
            .put("emitsFailed", emitsFailed)
            .put("emitsPending", emitsPending)
            .put("expected", expected)
            .put("received", received)
            .put("stale", stale);
    LatencySummary.put(o, "sendSeconds", sendSeconds);
    LatencySummary.put(o, "sendRate", sendSeconds > 0 ? emitsSent / sendSeconds : 0);
    LatencySummary.put(o, "deliveredShare", deliveredShare);
    LatencySummary.put(o, "deliveredPerSec", deliveredPerSec);
    LatencySummary.put(o, "drainSeconds", drainSeconds);
    o.put("latencyMs", latency.toJson());
    o.put("emitHttpMs", emitHttp.toJson());
    LatencySummary.put(o, "scheduleLagMaxMs", scheduleLagMaxMs);
    LatencySummary.put(o, "serverCpuPct", serverCpuPct);
    LatencySummary.put(o, "generatorCpuPct", generatorCpuPct);
    LatencySummary.put(o, "otherCpuPct", otherCpuPct);
    LatencySummary.put(o, "serverCpuMicrosPerDelivery", serverCpuMicrosPerDelivery());
    o.put("serverRssKbMax", serverRssKbMax);
    o.put("serverRssKbEnd", serverRssKbEnd);
    o.put("disconnects", disconnects);
    o.put("passed", passed);
    o.put("failReason", failReason);
    return o;
  }

  public static String tableHeader() {
    return String.format(
        Locale.ROOT,
        "%8s %8s %11s %8s %8s %8s %8s %8s %6s %6s %6s %7s  %s",
        "rate/s",
        "sent/s",
        "deliv/s",
        "share%",
        "p50ms",
        "p99ms",
        "p99.9ms",
        "maxms",
        "srvCPU",
        "genCPU",
        "othCPU",
        "srvMB",
        "result");
  }

  public String tableRow() {
    return String.format(
        Locale.ROOT,
        "%8s %8.1f %11.0f %8.3f %8s %8s %8s %8s %6s %6s %6s %7s  %s",
        fmtRate(targetRate),
        sendSeconds > 0 ? emitsSent / sendSeconds : 0,
        deliveredPerSec,
        deliveredShare * 100,
        fmtMs(latency.p50()),
        fmtMs(latency.p99()),
        fmtMs(latency.p999()),
        fmtMs(latency.max()),
        fmtPct(serverCpuPct),
        fmtPct(generatorCpuPct),
        fmtPct(otherCpuPct),
        serverRssKbMax < 0 ? "-" : Long.toString(serverRssKbMax / 1024),
        passed ? "pass" : "FAIL: " + failReason);
  }

  static String fmtRate(double r) {
    return r == Math.rint(r) ? Long.toString((long) r) : String.format(Locale.ROOT, "%.2f", r);
  }

  static String fmtMs(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return v < 10
        ? String.format(Locale.ROOT, "%.2f", v)
        : v < 1000 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v);
  }

  static String fmtPct(double v) {
    return v < 0 || Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f%%", v);
  }
}
