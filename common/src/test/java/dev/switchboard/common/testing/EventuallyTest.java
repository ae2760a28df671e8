package dev.switchboard.common.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

class EventuallyTest {

  @Test
  void aConditionThatAlreadyHoldsIsCheckedOnceOnTheCallingThreadWithoutWaiting() {
    Thread caller = Thread.currentThread();
    AtomicInteger checks = new AtomicInteger();
    long started = System.nanoTime();

    String value =
        Eventually.within(Duration.ofSeconds(5))
            .pollInterval(Duration.ofSeconds(1))
            .until(
                () -> {
                  checks.incrementAndGet();
                  assertThat(Thread.currentThread()).isSameAs(caller);
                  return "ready";
                },
                "ready"::equals);

    assertThat(value).isEqualTo("ready");
    assertThat(checks).hasValue(1);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(500));
  }

  @Test
  void aConditionThatNeverHoldsFailsWithItsAliasAndTheLastValue() {
    AtomicInteger checks = new AtomicInteger();

    assertThatThrownBy(
            () ->
                Eventually.within(Duration.ofMillis(300))
                    .alias("the counter reaches -1")
                    .until(checks::incrementAndGet, count -> count < 0))
        .isInstanceOf(ConditionTimeoutException.class)
        .hasMessageContaining("the counter reaches -1")
        .hasMessageContaining("for input of <" + checks.get() + ">");
  }

  @Test
  void anExceptionThrownByAnotherThreadMeanwhileDoesNotFailTheWait() throws InterruptedException {
    // no handler of its own: its exception goes to the JVM's default handler (and is printed),
    // which
    // Awaitility would otherwise take over for the wait and turn into the wait's failure
    Thread failing =
        new Thread(
            () -> {
              throw new IllegalStateException(
                  "expected: a thread of some other fixture dies while a test waits");
            });
    AtomicInteger checks = new AtomicInteger();

    int reached =
        Eventually.within(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(10))
            .until(
                () -> {
                  if (checks.incrementAndGet() == 2) {
                    failing.start();
                    failing.join();
                  }
                  return checks.get();
                },
                count -> count >= 3);

    assertThat(reached).isEqualTo(3);
  }
}
