package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LogBenchTest {

  @Test
  void ratesTakeSuffixes() {
    assertThat(LogBench.parseRate("10000")).isEqualTo(10_000);
    assertThat(LogBench.parseRate("50k")).isEqualTo(50_000);
    assertThat(LogBench.parseRate("1.5K")).isEqualTo(1_500);
    assertThat(LogBench.parseRate("1m")).isEqualTo(1_000_000);
    assertThatThrownBy(() -> LogBench.parseRate("0")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void optionsHaveDefaultsAndNormaliseRates() {
    LogBench.Options defaults = LogBench.parse(new String[0]);
    assertThat(defaults.rates()).containsExactly("10000", "50000", "100000", "max");
    assertThat(defaults.seconds()).isEqualTo(20);
    assertThat(defaults.bufferLines()).containsExactly(20_000);
    LogBench.Options o =
        LogBench.parse(
            new String[] {
              "--rates", "100k, MAX", "--buffer-lines", "5000,100000", "--seconds", "30"
            });
    assertThat(o.rates()).isEqualTo(List.of("100000", "max"));
    assertThat(o.bufferLines()).containsExactly(5_000, 100_000);
    assertThat(o.seconds()).isEqualTo(30);
    assertThatThrownBy(() -> LogBench.parse(new String[] {"--seconds", "0"}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LogBench.parse(new String[] {"--nope"}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theLiveStreamAccountsForEveryLineReadPlusTheSupervisorsFewNotes() {
    assertThat(LogBench.liveAccounted(100_002, 100_000, 0)).isEqualTo("yes");
    assertThat(LogBench.liveAccounted(100_000, 100_000, 0)).isEqualTo("yes");
    assertThat(LogBench.liveAccounted(99_000, 100_000, 0)).startsWith("NO");
    assertThat(LogBench.liveAccounted(100_100, 100_000, 0)).startsWith("NO");
    // lines dropped from a full buffer never reach the live stream
    assertThat(LogBench.liveAccounted(60_000, 100_000, 40_000)).isEqualTo("yes");
    assertThat(LogBench.liveAccounted(59_999, 100_000, 40_000)).startsWith("NO");
  }
}
