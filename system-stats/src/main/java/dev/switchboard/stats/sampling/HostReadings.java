package dev.switchboard.stats.sampling;

import java.util.List;
import java.util.Map;

/**
 * One raw reading of the host: cumulative counters and current gauges, nothing derived. {@link
 * HostSampler} turns two consecutive readings into usage percentages and rates.
 *
 * @param cores ticks per logical CPU, in the OS's order
 * @param loadAverages the 1, 5 and 15 minute load averages; a negative value means the OS has none
 * @param disks cumulative bytes read ({@code in}) and written ({@code out}) per physical disk, by
 *     name
 * @param networks cumulative bytes received ({@code in}) and sent ({@code out}) per physical
 *     interface, by name
 */
public record HostReadings(
    String hostname,
    CpuTicks cpu,
    List<CpuTicks> cores,
    List<Double> loadAverages,
    long memoryTotalBytes,
    long memoryAvailableBytes,
    long swapTotalBytes,
    long swapUsedBytes,
    List<Filesystem> filesystems,
    Map<String, Traffic> disks,
    Map<String, Traffic> networks,
    int processes,
    long uptimeSeconds) {

  /** CPU time since boot, in ticks: idle (waiting for I/O included) and in total. */
  public record CpuTicks(long idle, long total) {

    static final CpuTicks BOOT = new CpuTicks(0, 0);
  }

  /**
   * A mounted filesystem. {@code freeBytes} counts the blocks reserved for root, {@code
   * availableBytes} only those an ordinary user can fill: the two figures {@code df} works from.
   */
  public record Filesystem(
      String mount,
      String device,
      String type,
      long totalBytes,
      long freeBytes,
      long availableBytes) {}

  /** Cumulative bytes through a device, each way. */
  public record Traffic(long inBytes, long outBytes) {}
}
