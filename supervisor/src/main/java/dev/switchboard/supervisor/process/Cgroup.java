package dev.switchboard.supervisor.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;

/**
 * The cgroup (v2) of one launch of a service. Its members are every process the service started,
 * whatever they did to their session, group or environment: only a write to another cgroup's {@code
 * cgroup.procs} takes a process out, and that needs the rights the supervisor has. So a stop that
 * empties it ends the whole tree, and its {@code cpu.stat} and {@code memory.current} count exactly
 * the service. Blocking: run it on a worker.
 */
public final class Cgroup {

  private static final long POLL_MS = 50;

  /**
   * How long a new process gets to join (its shell starts and writes its pid): milliseconds, as a
   * rule.
   */
  private static final Duration JOIN_LIMIT = Duration.ofSeconds(5);

  private static final long JOIN_POLL_MS = 2;

  private final Path dir;
  private final boolean memoryLimited;

  Cgroup(Path dir, boolean memoryLimited) {
    this.dir = dir;
    this.memoryLimited = memoryLimited;
  }

  public Path dir() {
    return dir;
  }

  /** The file a process writes its pid to in order to join. */
  Path procsFile() {
    return dir.resolve("cgroup.procs");
  }

  /** Whether the kernel enforces the service's {@code maxMemory} here ({@code memory.max}). */
  public boolean memoryLimited() {
    return memoryLimited;
  }

  /** The pids in the cgroup now; none once it is gone. */
  public List<Integer> pids() {
    List<Integer> pids = new ArrayList<>();
    for (String line : lines(procsFile())) {
      if (!line.isBlank()) {
        pids.add(Integer.parseInt(line.trim()));
      }
    }
    return pids;
  }

  /**
   * Waits until {@code pid} is a member, or {@code alive} says it is gone (a failed join ends it),
   * for up to five seconds. Until then the cgroup looks empty: a stop would find nothing to end,
   * and the process would join a cgroup that is being removed.
   */
  void awaitJoined(int pid, BooleanSupplier alive) {
    long deadline = System.nanoTime() + JOIN_LIMIT.toNanos();
    while (!pids().contains(pid) && alive.getAsBoolean() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(JOIN_POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Whether any process (in it or in a child cgroup) is alive: {@code populated} of {@code
   * cgroup.events}.
   */
  public boolean populated() {
    for (String line : lines(dir.resolve("cgroup.events"))) {
      if (line.startsWith("populated ")) {
        return !line.endsWith(" 0");
      }
    }
    return false;
  }

  /**
   * CPU time used by every process that ever ran in it, in microseconds ({@code usage_usec} of
   * {@code cpu.stat}).
   */
  public OptionalLong cpuMicros() {
    for (String line : lines(dir.resolve("cpu.stat"))) {
      if (line.startsWith("usage_usec ")) {
        return OptionalLong.of(Long.parseLong(line.substring("usage_usec ".length()).trim()));
      }
    }
    return OptionalLong.empty();
  }

  /**
   * The memory charged to it ({@code memory.current}), when the memory controller is enabled for
   * it.
   */
  public OptionalLong memoryBytes() {
    List<String> current = lines(dir.resolve("memory.current"));
    return current.isEmpty()
        ? OptionalLong.empty()
        : OptionalLong.of(Long.parseLong(current.get(0).trim()));
  }

  /**
   * Ends everything in it: {@code signal} to every member, up to {@code timeout} for them to go,
   * then {@code cgroup.kill} (SIGKILL to all of them, with no window for a fork to slip through).
   * Done means {@code populated 0}; the directory is then removed. Returns {@code "signal"}, {@code
   * "killed"}, or {@code "stuck"} when even the kill left processes behind after five seconds.
   */
  public String terminate(String signal, Duration timeout) {
    String outcome = "signal";
    List<Integer> members = pids();
    if (!members.isEmpty()) {
      ProcessGroups.signalEach(members, signal);
    }
    if (!awaitEmpty(timeout)) {
      outcome = "killed";
      write(dir.resolve("cgroup.kill"), "1");
      if (!awaitEmpty(Duration.ofSeconds(5))) {
        return "stuck";
      }
    }
    remove();
    return outcome;
  }

  /** Removes the (empty) directory; a cgroup that is already gone is fine. */
  void remove() {
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot remove cgroup " + dir + ": " + e.getMessage(), e);
    }
  }

  private boolean awaitEmpty(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (populated()) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** The lines of a cgroup file; none when it (or the cgroup) does not exist. */
  static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes one value to a cgroup interface file (which takes a whole value per write). */
  static void write(Path file, String value) {
    try {
      Files.writeString(file, value, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot write " + value + " to " + file + ": " + e.getMessage(), e);
    }
  }
}
