package dev.switchboard.common.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Waits double from the first up to the cap, each drawn from the upper half of its ceiling, and a
 * success starts over.
 */
class BackoffTest {

  @Test
  void doublesUpToTheCapWithJitterAndStartsOverAfterASuccess() {
    Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));
    long[] ceilings = {100, 200, 400, 800, 1600, 2000, 2000};
    for (int round = 0; round < 50; round++) {
      for (long ceiling : ceilings) {
        assertThat(backoff.next().toMillis()).isBetween(ceiling / 2, ceiling);
      }
      for (int more = 0; more < 100; more++) {
        assertThat(backoff.next().toMillis())
            .as("no overflow however long it lasts")
            .isBetween(1000L, 2000L);
      }
      backoff.reset();
    }
  }
}
