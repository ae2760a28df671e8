package dev.switchboard.supervisor;

import dev.switchboard.supervisor.process.ProcTable;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;

/**
 * The figures of one service's process group, from the supervisor's periodic /proc snapshots. CPU
 * is the share of one core since the previous sample, so the first sample of a process has none.
 * Only figures: what they call for (a restart over {@code maxMemory}) is the state machine's call.
 */
final class ProcessStats {

  private long lastCpuTicks = -1;
  private long lastSampleNanos;
  private long rssBytes;
  private JsonObject latest;

  /** A new process (or none): no figures, and the next CPU share starts from scratch. */
  void reset() {
    lastCpuTicks = -1;
    latest = null;
  }

  /**
   * Takes the figures of {@code members}, the processes of the group at {@code nanos}. With no
   * members (the snapshot was taken before the process existed, or after it ended) there is nothing
   * to say yet and the last figures stay; answers whether there are new ones.
   */
  boolean sample(List<ProcTable.Proc> members, long nanos, Duration uptime, int restarts) {
    if (members.isEmpty()) {
      return false;
    }
    long cpuTicks = 0;
    long rss = 0;
    int threads = 0;
    for (ProcTable.Proc member : members) {
      cpuTicks += member.cpuTicks();
      rss += member.rssBytes();
      threads += member.threads();
    }
    Double cpuPercent = null;
    if (lastCpuTicks >= 0 && nanos > lastSampleNanos) {
      double seconds = (nanos - lastSampleNanos) / 1e9;
      cpuPercent = Math.max(0, (cpuTicks - lastCpuTicks) / (double) ProcTable.TICKS_PER_SECOND / seconds * 100.0);
    }
    lastCpuTicks = cpuTicks;
    lastSampleNanos = nanos;
    rssBytes = rss;
    latest = new JsonObject()
      .put("cpuPercent", cpuPercent == null ? null : Math.round(cpuPercent * 10) / 10.0)
      .put("rssBytes", rss)
      .put("threads", threads)
      .put("processes", members.size())
      .put("uptimeSeconds", uptime.toSeconds())
      .put("restarts", restarts);
    return true;
  }

  /** The resident memory of the group in the last sample. */
  long rssBytes() {
    return rssBytes;
  }

  /** {@code {cpuPercent, rssBytes, threads, processes, uptimeSeconds, restarts}}, or null before the first sample. */
  JsonObject toJson() {
    return latest;
  }
}
