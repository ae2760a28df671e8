package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class StatsTest {

  @Test
  void summaryReportsMillisecondsFromMicrosecondHistograms() {
    Histogram h = LatencySummary.newHistogram();
    for (int i = 1; i <= 1000; i++) {
      h.recordValue(i * 1000L); // 1 .. 1000 ms
    }
    LatencySummary s = LatencySummary.of(h);
    assertThat(s.count()).isEqualTo(1000);
    assertThat(s.p50()).isCloseTo(500, within(1.0));
    assertThat(s.p99()).isCloseTo(990, within(1.0));
    assertThat(s.p999()).isCloseTo(999, within(1.0));
    assertThat(s.max()).isCloseTo(1000, within(1.0));
    assertThat(s.mean()).isCloseTo(500.5, within(1.0));
  }

  @Test
  void histogramResizesForVeryLateMessages() {
    Histogram h = LatencySummary.newHistogram();
    h.recordValue(LatencySummary.HIGHEST_TRACKABLE_US * 4);
    assertThat(LatencySummary.of(h).max()).isGreaterThan(3_600_000.0 * 3);
  }

  @Test
  void emptySummaryHasNoPercentilesAndNullsInJson() {
    LatencySummary s = LatencySummary.of(LatencySummary.newHistogram());
    assertThat(s.count()).isZero();
    assertThat(s.p99()).isNaN();
    JsonObject json = s.toJson();
    assertThat(json.getValue("p99")).isNull();
    assertThat(LatencySummary.fromJson(json).p99()).isNaN();
  }

  @Test
  void summaryRoundTripsThroughJson() {
    LatencySummary s = new LatencySummary(10, 1.25, 2, 3.5, 4, 5, 1.75);
    assertThat(LatencySummary.fromJson(s.toJson())).isEqualTo(s);
  }

  @Test
  void stepPassesWithEnoughDeliveredAndP99UnderTheBound() {
    LatencySummary fast = new LatencySummary(1000, 1, 2, 10, 20, 30, 2);
    assertThat(StepResult.failReason(1000, 1000, fast, 0.999, 50)).isNull();
    assertThat(StepResult.failReason(1000, 999, fast, 0.999, 50)).isNull();
    assertThat(StepResult.failReason(1000, 998, fast, 0.999, 50)).startsWith("delivered 99.800%");
    LatencySummary slow = new LatencySummary(1000, 1, 2, 50, 60, 70, 2);
    assertThat(StepResult.failReason(1000, 1000, slow, 0.999, 50)).startsWith("p99 50.0 ms");
    assertThat(StepResult.failReason(0, 0, fast, 0.999, 50)).isEqualTo("nothing was sent");
    assertThat(StepResult.failReason(10, 0, LatencySummary.EMPTY, 0.999, 50))
        .isEqualTo("nothing was delivered");
  }

  @Test
  void stepRatesAndJson() {
    StepResult s = new StepResult();
    s.targetRate = 100;
    s.emitsSent = 1000;
    s.sendSeconds = 10;
    s.receivers = 1000;
    s.expected = 1_000_000;
    s.received = 999_500;
    s.latency = new LatencySummary(999_500, 1, 2, 3, 4, 5, 1.5);
    s.computeRates(10.5).evaluate(0.999, 50);
    assertThat(s.deliveredShare).isCloseTo(0.9995, within(1e-9));
    assertThat(s.deliveredPerSec).isCloseTo(95190.476, within(0.01));
    assertThat(s.passed).isTrue();
    JsonObject j = s.toJson();
    assertThat(j.getDouble("sendRate")).isEqualTo(100.0);
    assertThat(j.getBoolean("passed")).isTrue();
    assertThat(j.getJsonObject("latencyMs").getDouble("p99")).isEqualTo(3.0);
    assertThat(s.tableRow()).contains("pass").contains("100");
    assertThat(StepResult.tableHeader()).contains("p99ms");
  }

  @Test
  void receiptsAreAttributedToTheirStep() {
    Receipts r = new Receipts();
    r.begin(1);
    long now = System.nanoTime();
    r.record(now - r.origin - 2_000_000, 1, now); // 2 ms
    r.record(now - r.origin - 4_000_000, 1, now); // 4 ms
    r.record(now - r.origin, 0, now); // an earlier step's: stale
    assertThat(r.received()).isEqualTo(2);
    assertThat(r.lastReceiptNanos()).isEqualTo(now);
    Histogram h = r.end();
    assertThat(h.getTotalCount()).isEqualTo(2);
    assertThat(h.getMaxValue()).isBetween(3990L, 4010L);
    r.record(now - r.origin, 1, now); // after the end: stale too
    assertThat(r.stale.sum()).isEqualTo(2);
    r.begin(2);
    assertThat(r.received()).isZero();
    assertThat(r.end().getTotalCount()).isZero();
  }

  @Test
  void clockSkewNeverRecordsNegativeLatency() {
    Receipts r = new Receipts();
    r.begin(5);
    long now = System.nanoTime();
    r.record(now - r.origin + 1_000_000, 5, now);
    assertThat(r.end().getMaxValue()).isZero();
  }
}
