package dev.switchboard.supervisor.process;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Ends process trees: a signal to the whole group, a grace period, then SIGKILL to the group and to
 * anything that left the group but carries the instance marker in its environment (a daemon that
 * called setsid itself). Done means no live process is left. Blocking: run it on a worker.
 */
public final class ProcessGroups {

  private static final long POLL_MS = 50;

  private ProcessGroups() {}

  /** Sends {@code signal} (TERM, KILL, ...) to every process of group {@code pgid}. */
  public static void signal(int pgid, String signal) {
    kill(signal, "-" + pgid);
  }

  /** Sends {@code signal} to each of {@code pids} (one kill for all of them). */
  static void signalEach(List<Integer> pids, String signal) {
    kill(signal, String.join(" ", pids.stream().map(String::valueOf).toList()));
  }

  /**
   * Signals the group, waits up to {@code timeout} for it to empty, then kills what is left; then
   * does the same, with a short grace, for processes that left the group but carry the marker.
   * Returns how it ended: {@code "signal"}, {@code "killed"}, or {@code "stuck"} if even SIGKILL
   * left processes behind after five seconds (uninterruptible sleep in the kernel).
   */
  public static String terminate(
      int pgid, String signal, Duration timeout, String markerName, String markerValue) {
    String outcome = "signal";
    signal(pgid, signal);
    if (!awaitGone(() -> ProcTable.read().group(pgid), timeout)) {
      outcome = "killed";
      signal(pgid, "KILL");
      if (!awaitGone(() -> ProcTable.read().group(pgid), Duration.ofSeconds(5))) {
        return "stuck";
      }
    }
    if (markerName == null) {
      return outcome;
    }
    Supplier<List<ProcTable.Proc>> escaped =
        () -> ProcTable.read().escaped(pgid, markerName, markerValue);
    List<ProcTable.Proc> left = escaped.get();
    if (left.isEmpty()) {
      return outcome;
    }
    left.forEach(p -> kill(signal, String.valueOf(p.pid())));
    if (!awaitGone(escaped, Duration.ofSeconds(2))) {
      outcome = "killed";
      escaped.get().forEach(p -> kill("KILL", String.valueOf(p.pid())));
      if (!awaitGone(escaped, Duration.ofSeconds(5))) {
        return "stuck";
      }
    }
    return outcome;
  }

  private static boolean awaitGone(Supplier<List<ProcTable.Proc>> members, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (members.get().isEmpty()) {
        return true;
      }
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
  }

  /**
   * {@code kill -s SIGNAL -- TARGETS} through the shell's own kill: /bin/sh is on every machine, a
   * kill program is not (on Debian it comes with procps). Both values are checked here, so the
   * command line cannot carry anything else.
   */
  private static void kill(String signal, String target) {
    if (!signal.matches("[A-Z0-9]+") || !target.matches("-?[0-9]+( [0-9]+)*")) {
      throw new IllegalArgumentException("bad signal or target: " + signal + " " + target);
    }
    try {
      Process kill =
          new ProcessBuilder(
                  "/bin/sh", "-c", "kill -s " + signal + " -- " + target + " 2>/dev/null")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      kill.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run /bin/sh: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
