package dev.switchboard.supervisor.process;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A short-lived command (a deployment step): its own session and process group like a service, so a
 * cancel ends everything it started, but plain pipes for its output, since nothing needs to outlive
 * the supervisor here.
 */
public final class StepProcess {

  private final Process process;

  private StepProcess(Process process) {
    this.process = process;
  }

  /** Blocking (fork/exec). */
  public static StepProcess start(Launch launch) throws LaunchFailure {
    launch.check();
    List<String> command = new ArrayList<>();
    command.add("setsid");
    command.addAll(launch.argv());
    return new StepProcess(launch.start(command, true));
  }

  public int pgid() {
    return (int) process.pid();
  }

  public InputStream stdout() {
    return process.getInputStream();
  }

  public InputStream stderr() {
    return process.getErrorStream();
  }

  public CompletableFuture<Integer> onExit() {
    return process.onExit().thenApply(Process::exitValue);
  }
}
