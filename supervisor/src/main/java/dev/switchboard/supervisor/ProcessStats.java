package dev.switchboard.supervisor;

import dev.switchboard.supervisor.process.ProcessUsage;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The figures of one service's processes, from the supervisor's periodic measurements (its cgroup's
 * files, or its process group's members in /proc). CPU is the share of one core since the previous
 * sample, so the first sample of a process has none. Only figures: the restart they may call for
 * (over {@code maxMemory}) is asked for by {@link ManagedService}, as a restart by hand would be.
 */
final class ProcessStats {

  private long lastCpuMicros = -1;
  private long lastSampleNanos;
  private long rssBytes;
  private JsonObject latest;

  /** A new process (or none): no figures, and the next CPU share starts from scratch. */
  void reset() {
    lastCpuMicros = -1;
    latest = null;
  }

  /**
   * Takes {@code usage}, measured at {@code nanos}. With no processes (measured before the process
   * existed, or after it ended) there is nothing to say yet and the last figures stay; answers
   * whether there are new ones.
   */
  boolean sample(ProcessUsage usage, long nanos, Duration uptime, int restarts) {
    if (usage.processes() == 0) {
      return false;
    }
    long cpuMicros = usage.cpuMicros();
    Double cpuPercent = null;
    if (lastCpuMicros >= 0 && nanos > lastSampleNanos) {
      double seconds = (nanos - lastSampleNanos) / 1e9;
      cpuPercent = Math.max(0, (cpuMicros - lastCpuMicros) / 1e6 / seconds * 100.0);
    }
    lastCpuMicros = cpuMicros;
    lastSampleNanos = nanos;
    rssBytes = usage.rssBytes();
    latest =
        new JsonObject()
            .put("cpuPercent", cpuPercent == null ? null : Math.round(cpuPercent * 10) / 10.0)
            .put("rssBytes", rssBytes)
            .put("threads", usage.threads())
            .put("processes", usage.processes())
            .put("uptimeSeconds", uptime.toSeconds())
            .put("restarts", restarts);
    usage.memoryBytes().ifPresent(bytes -> latest.put("memoryBytes", bytes));
    return true;
  }

  /** The resident memory of the service's processes in the last sample. */
  long rssBytes() {
    return rssBytes;
  }

  /**
   * {@code {cpuPercent, rssBytes, threads, processes, uptimeSeconds, restarts}}, with {@code
   * memoryBytes} where the cgroup's memory controller says it, or null before the first sample.
   */
  JsonObject toJson() {
    return latest;
  }
}
