package dev.switchboard.files.upload;

import java.util.concurrent.atomic.AtomicInteger;

/** A bound on uploads receiving bytes at once. */
final class Slots {

  private final int max;
  private final AtomicInteger taken = new AtomicInteger();

  Slots(int max) {
    this.max = max;
  }

  boolean tryTake() {
    if (taken.incrementAndGet() > max) {
      taken.decrementAndGet();
      return false;
    }
    return true;
  }

  void release() {
    taken.decrementAndGet();
  }
}
