package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogProducerTest {

  @Test
  void linesAreDueInProportionToTheElapsedTime() {
    assertThat(LogProducer.due(100_000, 0)).isZero();
    assertThat(LogProducer.due(100_000, 1_000_000)).isEqualTo(100); // 1 ms
    assertThat(LogProducer.due(100_000, 1_500_000_000L)).isEqualTo(150_000);
    assertThat(LogProducer.due(3, 999_999_999L)).isEqualTo(2); // rounded down
    assertThat(LogProducer.due(0, 1_000_000_000L)).isZero();
    assertThat(LogProducer.due(100, -5)).isZero();
  }

  @Test
  void dueNeverOverflowsForLongRunsAtHighRates() {
    // 10 million lines/s for a day: rate * nanos would be 8.6e20
    assertThat(LogProducer.due(10_000_000, 86_400_000_000_000L)).isEqualTo(864_000_000_000L);
  }

  @Test
  void achievedRateIsLinesPerSecond() {
    assertThat(LogProducer.achieved(50_000, 500_000_000L)).isEqualTo(100_000.0);
    assertThat(LogProducer.achieved(10, 0)).isZero();
  }

  @Test
  void aLineHasExactlyTheAskedBytesAndItsNumber() {
    byte[] line = LogProducer.template(100);
    assertThat(line).hasSize(100);
    assertThat(line[99]).isEqualTo((byte) '\n');
    LogProducer.number(line, 1234);
    String text = new String(line, StandardCharsets.US_ASCII);
    assertThat(text).startsWith("line 000001234 abc").doesNotContain("'").endsWith("\n");
    assertThat(text.indexOf('\n')).isEqualTo(99);
    LogProducer.number(line, 1_000_000_007L);
    assertThat(new String(line, StandardCharsets.US_ASCII)).startsWith("line 000000007 ");
    assertThatThrownBy(() -> LogProducer.template(15)).isInstanceOf(IllegalArgumentException.class);
  }
}
