package dev.switchboard.supervisor.process;

import java.util.List;
import java.util.OptionalLong;

/**
 * What the processes of a service cost at one moment: CPU time so far, resident memory and threads
 * summed over its live processes, and, in a cgroup, the memory the kernel charges to it (page cache
 * included: what {@code memory.max} limits).
 *
 * @param cpuMicros CPU time in microseconds: of every process that ever ran in the cgroup, or of
 *     the live members of the process group
 */
public record ProcessUsage(
    long cpuMicros, long rssBytes, int threads, int processes, OptionalLong memoryBytes) {

  private static final long MICROS_PER_TICK = 1_000_000 / ProcTable.TICKS_PER_SECOND;

  /** The sums over {@code members}; {@code cpuMicros}, when given, replaces their CPU ticks. */
  static ProcessUsage of(
      List<ProcTable.Proc> members, OptionalLong cpuMicros, OptionalLong memoryBytes) {
    long ticks = 0;
    long rss = 0;
    int threads = 0;
    for (ProcTable.Proc p : members) {
      ticks += p.cpuTicks();
      rss += p.rssBytes();
      threads += p.threads();
    }
    return new ProcessUsage(
        cpuMicros.orElse(ticks * MICROS_PER_TICK), rss, threads, members.size(), memoryBytes);
  }
}
