package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogReportTest {

  private static LogReport.Sample s(long t, long read, long stored) {
    return new LogReport.Sample(t, read, stored, 0, 0, 0, 1000 + t, 500);
  }

  private final List<LogReport.Sample> samples =
      List.of(
          s(0, 0, 0),
          s(250, 0, 0),
          s(500, 1000, 0),
          s(750, 3000, 2000),
          s(1000, 5000, 4000),
          s(1250, 5000, 5000),
          s(1500, 5000, 5000));

  @Test
  void aSpanRunsFromTheLastRestingSampleToTheFirstAtTheFinalValue() {
    LogReport.Span read = LogReport.span(samples, LogReport.Sample::read);
    assertThat(read).isEqualTo(new LogReport.Span(250, 1000));
    assertThat(read.seconds()).isEqualTo(0.75);
    assertThat(LogReport.span(samples, LogReport.Sample::stored))
        .isEqualTo(new LogReport.Span(500, 1250));
    assertThat(LogReport.span(samples, LogReport.Sample::dropped)).isNull();
    assertThat(LogReport.span(List.of(), LogReport.Sample::read)).isNull();
  }

  @Test
  void aCounterThatMovesAtTheFirstSampleStartsThere() {
    List<LogReport.Sample> early = List.of(s(0, 10, 0), s(250, 20, 0));
    assertThat(LogReport.span(early, LogReport.Sample::read)).isEqualTo(new LogReport.Span(0, 250));
  }

  @Test
  void ratesSharesAndValuesAtATime() {
    assertThat(LogReport.rate(5000, 0.5)).isEqualTo(10_000.0);
    assertThat(LogReport.rate(5000, 0)).isZero();
    assertThat(LogReport.percent(25, 200)).isEqualTo(12.5);
    assertThat(LogReport.percent(1, 0)).isZero();
    assertThat(LogReport.at(samples, 1000, LogReport.Sample::stored)).isEqualTo(4000);
    assertThat(LogReport.at(samples, 1100, LogReport.Sample::stored)).isEqualTo(4000);
    assertThat(LogReport.at(samples, -1, LogReport.Sample::stored)).isZero();
    assertThat(LogReport.max(samples, 250, 1000, LogReport.Sample::rssKb)).isEqualTo(1750);
    assertThat(LogReport.max(samples, 5000, 6000, LogReport.Sample::rssKb)).isEqualTo(-1);
  }

  @Test
  void memoryIsBoundedWhenTheLateReadingStaysNearTheEarlyOne() {
    assertThat(LogReport.bounded(100_000, 125_000, 0)).isTrue();
    assertThat(LogReport.bounded(100_000, 125_001, 0)).isFalse();
    assertThat(LogReport.bounded(100_000, 140_000, 16_384)).isTrue();
    assertThat(LogReport.bounded(100_000, 200_000, 16_384)).isFalse();
    assertThat(LogReport.bounded(-1, 200_000, 0)).isTrue();
  }

  @Test
  void theTableHasAColumnPerRun() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    LogReport.print(
        List.of(
            new JsonObject()
                .put("name", "flood-10000-b20000")
                .put("readRate", 9876.5)
                .put("stored", 200_000L)
                .put("droppedPercent", 0.25)
                .put("latencyP99Ms", Double.NaN)),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String table = bytes.toString(StandardCharsets.UTF_8);
    assertThat(table)
        .contains("flood-10000-b20000")
        .contains("9,877")
        .contains("200,000")
        .contains("0.3");
    assertThat(
            table
                .lines()
                .filter(l -> l.startsWith("read->delivered p99 ms"))
                .findFirst()
                .orElseThrow())
        .endsWith("-");
  }
}
