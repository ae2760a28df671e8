package dev.switchboard.pg;

import java.io.IOException;
import java.util.List;

/**
 * A small shell process that ends the postmaster when the JVM that started it is gone, however it
 * went ({@code kill -9} included): pg_ctl detaches the postmaster, so it is no child of the JVM and
 * would otherwise run on, holding its port and data directory. The shell waits on its stdin, a pipe
 * only the JVM holds (Java closes it in every other child it starts); when the JVM dies the pipe
 * ends, and the shell asks the postmaster for a fast shutdown ({@code SIGINT}), then kills it after
 * 10 s. It ignores {@code SIGINT} itself, so a Ctrl-C in the terminal leaves the stop to the JVM.
 *
 * <p>{@code setpriv --pdeathsig} cannot do this: the parent-death signal is cleared in the child of
 * a fork, and the postmaster is pg_ctl's grandchild.
 */
final class Watchdog implements AutoCloseable {

  private static final String SCRIPT =
      "trap '' INT; read -r ignored; kill -INT \"$1\" 2>/dev/null; n=0; "
          + "while kill -0 \"$1\" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done; kill -KILL \"$1\" 2>/dev/null";

  private final Process process;

  private Watchdog(Process process) {
    this.process = process;
  }

  /** Watches over {@code postmasterPid} until {@link #close()} or the end of this JVM. */
  static Watchdog guard(long postmasterPid) throws IOException {
    Process process =
        new ProcessBuilder(
                List.of(
                    "/bin/sh",
                    "-c",
                    SCRIPT,
                    "switchboard-pg-watchdog",
                    Long.toString(postmasterPid)))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    return new Watchdog(process);
  }

  /** The watchdog's own process, for tests that play the JVM's death by closing its stdin. */
  Process process() {
    return process;
  }

  /** Ends the watchdog without touching the postmaster (whose stop is the caller's). */
  @Override
  public void close() {
    process.destroyForcibly();
  }
}
