package dev.switchboard.supervisor;

import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.logs.LogSource;
import dev.switchboard.supervisor.process.OutputPipes;
import dev.switchboard.supervisor.process.ProcessUsage;
import dev.switchboard.supervisor.process.ServiceProcess;
import io.vertx.core.Future;

import java.time.Duration;
import java.time.Instant;

/**
 * The process a service runs now, with the definition it was started with and its figures; and the
 * output of the last process, whose readers outlive it: they read what it wrote last, and the next
 * fork waits for them.
 */
final class CurrentProcess {

  private final ServiceContext context;
  private final String name;
  private final ServiceWrites writes;
  private final ProcessStats stats = new ProcessStats();
  private ServiceJson.Running running;
  private ProcessOutput output;

  CurrentProcess(ServiceContext context, String name, ServiceWrites writes) {
    this.context = context;
    this.name = name;
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

  /** Forks with {@code launcher} once the readers of the last process are done. */
  Future<ServiceLauncher.Forked> fork(ServiceLauncher launcher, ServiceDefinition launching) {
    ProcessOutput previous = output;
    output = null;
    Future<Void> drained = previous == null ? Future.succeededFuture() : previous.drained(context);
    return drained.compose(done -> launcher.fork(launching));
  }

  /** Takes a process on: reads its output into {@code logs} and records it for a supervisor that starts again. */
  void attach(ServiceProcess process, ServiceDefinition launched, OutputPipes pipes, LogSource logs) {
    running = new ServiceJson.Running(process, launched);
    stats.reset();
    output = ProcessOutput.read(name, pipes, logs, context.logs().options().maxLineBytes());
    writes.process(process);
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
  boolean sample(ServiceProcess measured, ProcessUsage usage, long nanos, Instant now, int restarts) {
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
}
