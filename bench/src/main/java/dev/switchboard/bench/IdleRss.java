package dev.switchboard.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The resident memory of an idle Switchboard, for {@code bench/idle.sh}: that script starts the jar
 * the way {@code ./switchboard} does and, once the banner says it is ready, hands over its pid and
 * DATA_DIR. This waits until the process has been left alone for the idle time (the stats sampler
 * has run a few times, the JVM has trimmed what it gives back), takes its RSS once it holds still
 * (three samples 0.5 s apart within 512 KB, as {@link FanoutBench}'s idle baseline) and adds that
 * of the embedded PostgreSQL, whose processes are not the JVM's descendants (pg_ctl detaches them).
 *
 * <pre>java -cp switchboard-bench.jar dev.switchboard.bench.IdleRss PID DATA_DIR IDLE_SECONDS</pre>
 */
public final class IdleRss {

  private static final long SETTLE_PERIOD_MS = 500;
  private static final long SETTLE_MAX_MS = 10_000;
  private static final long SETTLE_TOLERANCE_KB = 512;

  private IdleRss() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 3) {
      System.err.println("usage: IdleRss PID DATA_DIR IDLE_SECONDS");
      System.exit(64);
    }
    long pid = Long.parseLong(args[0]);
    String dataDir = args[1];
    long idleSeconds = Long.parseLong(args[2]);

    Thread.sleep(idleSeconds * 1000);
    long jvmKb =
        ProcStats.settledRssKb(
            () -> ProcStats.rssKb(pid), SETTLE_PERIOD_MS, SETTLE_MAX_MS, SETTLE_TOLERANCE_KB);
    if (jvmKb < 0) {
      System.err.println("IdleRss: no process " + pid + " (it exited?)");
      System.exit(1);
    }
    List<Long> postgres =
        withDescendants(processesMentioning(dataDir, List.of(pid, ProcessHandle.current().pid())));
    long postgresKb = postgres.stream().mapToLong(ProcStats::rssKb).filter(kb -> kb > 0).sum();
    System.out.printf(
        "idle RSS after %d s idle, settled: the Switchboard JVM (pid %d) %d KiB = %.1f MiB; "
            + "its embedded PostgreSQL besides: %d processes, VmRSS summed %.1f MiB (shared memory counted in each)%n",
        idleSeconds, pid, jvmKb, jvmKb / 1024.0, postgres.size(), postgresKb / 1024.0);
  }

  /**
   * Pids of the processes, but those {@code excluded}, whose command line contains {@code text}:
   * the postmaster names its data directory (inside DATA_DIR) there; its children do not.
   */
  static List<Long> processesMentioning(String text, List<Long> excluded) {
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      return entries
          .map(entry -> entry.getFileName().toString())
          .filter(name -> name.matches("\\d+"))
          .map(Long::parseLong)
          .filter(pid -> !excluded.contains(pid) && commandLine(pid).contains(text))
          .sorted()
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** The processes given and all their live descendants, each once. */
  static List<Long> withDescendants(List<Long> pids) {
    return pids.stream()
        .flatMap(
            pid ->
                Stream.concat(
                    Stream.of(pid),
                    ProcessHandle.of(pid).stream()
                        .flatMap(ProcessHandle::descendants)
                        .map(ProcessHandle::pid)))
        .distinct()
        .toList();
  }

  private static String commandLine(long pid) {
    try {
      return new String(
              Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
              StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException e) {
      return ""; // gone meanwhile, or not ours to read
    }
  }
}
