package dev.switchboard.supervisor.process;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A managed process: started by us in a session and process group of its own ({@code setsid}, so
 * its pid is its group id and a signal to the group reaches the whole tree), or adopted after a
 * supervisor restart.
 *
 * <p>Its stdout and stderr are FIFOs in the supervisor's run directory that the child opens
 * read-write ({@code 1<>fifo}): the child then never gets SIGPIPE when the supervisor goes away,
 * and a supervisor that comes back opens the same FIFOs and goes on reading where the last one
 * stopped. While nobody reads, a chatty child blocks on a full pipe rather than losing output.
 *
 * <p>Where the supervisor has a cgroup tree ({@link Containment}), the process joins its own cgroup
 * before it becomes the command, and the cgroup, not the group, says what belongs to the service.
 */
public final class ServiceProcess {

  public static final String SERVICE_VAR = "SWITCHBOARD_SERVICE";
  public static final String INSTANCE_VAR = "SWITCHBOARD_INSTANCE";

  /**
   * Opens the output FIFOs read-write in the child, joins the cgroup whose {@code cgroup.procs} is
   * the third argument (none when it is empty), takes its stdin from the FIFO named by the fourth
   * (none: {@code /dev/null}), then becomes the command: everything it starts is born in the
   * cgroup. A failed join ends the start (exit code 125) with the shell's reason on stderr. The
   * stdin FIFO is opened for reading only, after the join: the open waits for the writer (the
   * process's owner), and the command sees the end of its input when the owner is gone.
   */
  private static final String WRAPPER =
      "exec 1<>\"$1\" 2<>\"$2\"; if [ -n \"$3\" ]; then echo $$ > \"$3\" || exit 125; fi; "
          + "if [ -n \"$4\" ]; then exec 0<\"$4\"; fi; shift 4; exec \"$@\"";

  private final int pid;
  private final long startTicks;
  private final String instance;
  private final Instant startedAt;
  private final CompletableFuture<Integer> exit;
  private final Cgroup cgroup;

  private ServiceProcess(
      int pid,
      long startTicks,
      String instance,
      Instant startedAt,
      CompletableFuture<Integer> exit,
      Cgroup cgroup) {
    this.pid = pid;
    this.startTicks = startTicks;
    this.instance = instance;
    this.startedAt = startedAt;
    this.exit = exit;
    this.cgroup = cgroup;
  }

  /**
   * Starts {@code launch} in a new session, in {@code cgroup} when there is one (returning once it
   * has joined), with its output going to the two FIFOs and its input coming from {@code stdin}
   * (null: nothing). Blocking (fork/exec).
   */
  static ServiceProcess spawn(
      Launch launch,
      String label,
      Path stdin,
      Path stdout,
      Path stderr,
      String instance,
      Cgroup cgroup)
      throws LaunchFailure {
    launch.check();
    String procs = cgroup == null ? "" : cgroup.procsFile().toString();
    List<String> command =
        new ArrayList<>(
            List.of(
                "setsid",
                "/bin/sh",
                "-c",
                WRAPPER,
                label,
                stdout.toString(),
                stderr.toString(),
                procs,
                stdin == null ? "" : stdin.toString()));
    command.addAll(launch.argv());
    Process process = launch.start(command, false);
    int pid = (int) process.pid();
    if (cgroup != null) {
      cgroup.awaitJoined(pid, process::isAlive);
    }
    long ticks = ProcTable.stat(pid).map(ProcTable.Proc::startTicks).orElse(-1L);
    CompletableFuture<Integer> exit = process.onExit().thenApply(Process::exitValue);
    return new ServiceProcess(pid, ticks, instance, Instant.now(), exit, cgroup);
  }

  /**
   * The process recorded as {@code pid}, if it is still the same one: same start time, and our
   * instance marker in its environment. A reused PID is somebody else's process and is left alone.
   * {@code cgroup} is the one it was found in, if any.
   */
  static Optional<ServiceProcess> adopt(
      int pid, long startTicks, String instance, Instant startedAt, Optional<Cgroup> cgroup) {
    Optional<ProcTable.Proc> proc = ProcTable.stat(pid);
    if (proc.isEmpty()
        || proc.get().exited()
        || proc.get().startTicks() != startTicks
        || !ProcTable.hasEnv(pid, INSTANCE_VAR, instance)) {
      return Optional.empty();
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty()) {
      return Optional.empty();
    }
    // not our child: its exit code goes to whoever adopted it (init), we only see that it ended
    CompletableFuture<Integer> exit = handle.get().onExit().thenApply(h -> null);
    return Optional.of(
        new ServiceProcess(pid, startTicks, instance, startedAt, exit, cgroup.orElse(null)));
  }

  /**
   * Whether the group of a recorded process still has members even though its leader is gone
   * (grandchildren left behind by a crash): they are ended, not adopted.
   */
  public static boolean groupAlive(int pgid) {
    return !ProcTable.read().group(pgid).isEmpty();
  }

  public int pid() {
    return pid;
  }

  public int pgid() {
    return pid;
  }

  public long startTicks() {
    return startTicks;
  }

  public String instance() {
    return instance;
  }

  public Instant startedAt() {
    return startedAt;
  }

  /**
   * The exit code (128 + n for signal n), or null when the process was adopted and its code is not
   * ours to read.
   */
  public CompletableFuture<Integer> onExit() {
    return exit;
  }

  /** Its cgroup, when it runs in one. */
  public Optional<Cgroup> cgroup() {
    return Optional.ofNullable(cgroup);
  }

  /**
   * Whether the kernel holds it to its {@code maxMemory} ({@code memory.max}), so nobody needs to
   * poll for it.
   */
  public boolean memoryLimited() {
    return cgroup != null && cgroup.memoryLimited();
  }

  /**
   * Ends the whole service: everything in its cgroup, or the process group and the processes that
   * left it but carry the instance marker. Returns how it went, as {@link ProcessGroups#terminate}.
   * Blocking: run it on a worker.
   */
  public String terminate(String signal, Duration timeout) {
    if (cgroup != null) {
      return cgroup.terminate(signal, timeout);
    }
    return ProcessGroups.terminate(pid, signal, timeout, INSTANCE_VAR, instance);
  }

  /**
   * What the service costs now: its cgroup's members and figures, or its process group's, from
   * {@code snapshot}.
   */
  public ProcessUsage usage(ProcTable snapshot) {
    if (cgroup == null) {
      return ProcessUsage.of(snapshot.group(pid), OptionalLong.empty(), OptionalLong.empty());
    }
    Set<Integer> pids = new HashSet<>(cgroup.pids());
    List<ProcTable.Proc> members =
        snapshot.all().stream().filter(p -> pids.contains(p.pid()) && !p.exited()).toList();
    return ProcessUsage.of(members, cgroup.cpuMicros(), cgroup.memoryBytes());
  }
}
