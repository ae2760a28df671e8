package dev.switchboard.supervisor;

import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.logs.LogSource;
import dev.switchboard.supervisor.process.OutputPipes;
import dev.switchboard.supervisor.process.ProcessUsage;
import dev.switchboard.supervisor.process.ServiceProcess;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The process a service runs now, with the definition it was started with and its figures; and the
 * output of the last process, whose readers outlive it: they read what it wrote last, and the next
 * fork waits for them. It does what happens to the process (fork, attach, end, stop, measure) and
 * says so in the service's log; which of those the service's state calls for is {@link
 * ServiceLifecycle}'s decision.
 */
final class CurrentProcess {

  private final ServiceContext context;
  private final String name;
  private final ServiceLauncher launcher;
  private final ServiceWrites writes;
  private final ProcessStats stats = new ProcessStats();
  private ServiceJson.Running running;
  private ProcessOutput output;
  private LogSource logs;

  CurrentProcess(
      ServiceContext context, String name, ServiceLauncher launcher, ServiceWrites writes) {
    this.context = context;
    this.name = name;
    this.launcher = launcher;
    this.writes = writes;
  }

  /** The process and the definition it was started with; null when none runs. */
  ServiceJson.Running running() {
    return running;
  }

  ServiceProcess process() {
    return running == null ? null : running.process();
  }

  ProcessStats stats() {
    return stats;
  }

  /**
   * Forks a process of {@code launching} once the readers of the last process are done and attaches
   * it, logging into {@code logs}. When {@code wanted} says the start was called off meanwhile, the
   * new process is ended at once and the answer is null.
   */
  Future<ServiceProcess> fork(ServiceDefinition launching, LogSource logs, BooleanSupplier wanted) {
    ProcessOutput previous = output;
    output = null;
    Future<Void> drained = previous == null ? Future.succeededFuture() : previous.drained(context);
    return drained
        .compose(done -> launcher.fork(launching))
        .compose(
            forked -> {
              if (!wanted.getAsBoolean()) {
                forked.pipes().close();
                return launcher
                    .end(forked.process(), launching, "stopped before it was up")
                    .map((ServiceProcess) null);
              }
              attach(forked.process(), launching, forked.pipes(), logs);
              logs.note(
                  "[switchboard] started pid "
                      + forked.process().pid()
                      + ": "
                      + String.join(" ", launching.argv()));
              return Future.succeededFuture(forked.process());
            });
  }

  /**
   * Takes a process on: reads its output into {@code logs} and records it for a supervisor that
   * starts again.
   */
  void attach(
      ServiceProcess process, ServiceDefinition launched, OutputPipes pipes, LogSource logs) {
    this.logs = logs;
    running = new ServiceJson.Running(process, launched);
    stats.reset();
    output = ProcessOutput.read(name, pipes, logs, context.logs().options().maxLineBytes());
    writes.process(process);
  }

  /**
   * The main process exited ({@code how}, in words): what it left behind (in its cgroup or its
   * group) is ended as {@code definition} says. The process stays attached until {@link #detach}.
   */
  Future<String> endLeftovers(String how, ServiceDefinition definition) {
    ServiceProcess ended = process();
    logs.note("[switchboard] process " + ended.pid() + " " + how);
    return launcher.endAll(ended, definition);
  }

  /**
   * A stop of everything the process started, as its definition says; answers what the stop says
   * about itself.
   */
  Future<String> stop(String why) {
    ServiceProcess process = process();
    logs.note("[switchboard] stopping pid " + process.pid() + " (" + why + ")");
    return launcher
        .stop(process, running.definition(), why)
        .map(
            text -> {
              detach();
              logs.note("[switchboard] stopped: " + text);
              return text;
            });
  }

  /** The process is gone (with everything it started): its readers finish on their own. */
  void detach() {
    if (output != null) {
      output.processEnded();
    }
    running = null;
    stats.reset();
    writes.noProcess();
  }

  /** Supervisor shutdown with services left running: stop reading, the process goes on. */
  void release() {
    if (output != null) {
      output.release();
      output = null;
    }
  }

  /**
   * Takes {@code usage}, the figures of {@code measured}, unless that is no longer the process that
   * runs (the measurement took a while on a worker); answers whether there are new figures.
   */
  boolean sample(
      ServiceProcess measured, ProcessUsage usage, long nanos, Instant now, int restarts) {
    if (running == null) {
      stats.reset();
      return false;
    }
    ServiceProcess process = running.process();
    if (process != measured) {
      return false;
    }
    return stats.sample(usage, nanos, Duration.between(process.startedAt(), now), restarts);
  }

  /**
   * How the last sample is over the {@code maxMemory} the process was started with, in words; empty
   * when it is not, or when the kernel holds the service to it ({@code memory.max} of its cgroup).
   */
  Optional<String> overMaxMemory() {
    Long limit = running == null ? null : running.definition().maxMemory();
    if (limit == null || running.process().memoryLimited() || stats.rssBytes() <= limit) {
      return Optional.empty();
    }
    return Optional.of("memory " + stats.rssBytes() + " bytes is over maxMemory " + limit);
  }
}
