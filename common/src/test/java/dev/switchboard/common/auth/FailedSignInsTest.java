package dev.switchboard.common.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FailedSignInsTest {

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final FailedSignIns limiter = new FailedSignIns(3, Duration.ofMinutes(1), now::get);

  @Test
  void anAddressIsRefusedAfterTheLimitUntilItsWindowEnds() {
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.retryAfter("10.0.0.1")).isEmpty();
      limiter.failed("10.0.0.1");
    }
    now.set(now.get().plusSeconds(20));
    assertThat(limiter.retryAfter("10.0.0.1")).hasValue(40);
    assertThat(limiter.retryAfter("10.0.0.2")).as("another address").isEmpty();
    now.set(now.get().plusSeconds(40));
    assertThat(limiter.retryAfter("10.0.0.1")).isEmpty();
  }

  @Test
  void manyAddressesDoNotGrowItPastItsBound() {
    for (int i = 0; i < FailedSignIns.MAX_ADDRESSES + 500; i++) {
      limiter.failed("addr-" + i);
    }
    assertThat(limiter.size()).isEqualTo(FailedSignIns.MAX_ADDRESSES);
  }
}
