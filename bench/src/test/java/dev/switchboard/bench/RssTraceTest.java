package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.PrimitiveIterator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RssTraceTest {

  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    sampler.shutdownNow();
  }

  @Test
  void aPassingPeakDoesNotMoveTheMedianOfTheWindow() throws InterruptedException {
    // settled at 140 MB, a compiler's peak at samples 5 and 6, then settled again
    PrimitiveIterator.OfLong rss =
        LongStream.of(150, 145, 140, 140, 141, 160, 158, 141, 140, 140, 139, 999, 999).iterator();
    RssTrace trace = RssTrace.start(sampler, rss::nextLong, 10, 1);

    assertThat(trace.medianKb(2, 10)).isEqualTo(140);
    assertThat(trace.samplesKb()).hasSize(11); // 0 to 10 s, none after
    assertThat(trace.medianKb(5, 6)).as("the lower middle of two").isEqualTo(158);
    assertThat(trace.medianKb(11, 20)).as("past the trace").isEqualTo(-1);
  }

  @Test
  void aProcessThatCouldNotBeReadGivesNoFigure() throws InterruptedException {
    PrimitiveIterator.OfLong rss = LongStream.of(100, 100, -1, 100).iterator();
    assertThat(RssTrace.start(sampler, rss::nextLong, 3, 1).medianKb(0, 3)).isEqualTo(-1);
  }

  @Test
  void noWindowSamplesNothing() throws InterruptedException {
    RssTrace trace =
        RssTrace.start(
            sampler,
            () -> {
              throw new AssertionError("sampled");
            },
            0,
            1);
    assertThat(trace.medianKb(0, 0)).isEqualTo(-1);
    assertThat(trace.samplesKb()).isEmpty();
  }
}
