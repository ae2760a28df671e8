package dev.switchboard.common.db;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with equal jitter: the n-th wait in a row is drawn from {@code [c/2,
 * c]}, where {@code c = min(max, first * 2^(n-1))}. The jitter keeps writers that failed together
 * (every writer of a process, when the database went away) from retrying in step.
 */
public final class Backoff {

  private final Duration first;
  private final Duration max;
  private int failures;

  public Backoff(Duration first, Duration max) {
    if (first.isZero() || first.isNegative() || max.compareTo(first) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < first <= max, not " + first + " and " + max);
    }
    this.first = first;
    this.max = max;
  }

  /** The wait before the next attempt after one more failure. */
  public Duration next() {
    long ceiling = max.toMillis();
    // past 2^20 times first the cap has long been reached; the shift stays in range
    int doublings = Math.min(failures, 20);
    ceiling = Math.min(ceiling, first.toMillis() << doublings);
    failures++;
    long half = ceiling / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(ceiling - half + 1));
  }

  /** After a success: the next failure waits {@code first} again. */
  public void reset() {
    failures = 0;
  }

  public Duration max() {
    return max;
  }
}
