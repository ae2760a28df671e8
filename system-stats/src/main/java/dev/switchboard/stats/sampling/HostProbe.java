package dev.switchboard.stats.sampling;

import io.vertx.core.json.JsonObject;

/**
 * Reads the host. {@link OshiProbe} reads the real host; tests use fakes so that {@link
 * HostSampler}'s arithmetic can be checked against exact numbers.
 */
public interface HostProbe {

  /**
   * The raw counters and gauges as they are now. Blocking: reads {@code /proc}, {@code /sys} or the
   * OS.
   */
  HostReadings read();

  /**
   * The facts that do not change while the host runs: {@code hostname}, {@code os} ({@code family},
   * {@code version}, {@code codename}, {@code build}, {@code kernel}), {@code arch}, {@code cpu}
   * ({@code model}, {@code physicalCores}, {@code logicalCores}), {@code memory.totalBytes} and
   * {@code swap.totalBytes}. Blocking; safe to call while another thread reads.
   */
  JsonObject info();
}
