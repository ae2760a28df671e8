package dev.switchboard.supervisor;

import dev.switchboard.supervisor.process.ProcTable;
import dev.switchboard.supervisor.process.ProcessUsage;
import dev.switchboard.supervisor.process.ServiceProcess;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Measures the running services and hosted processes every {@code statsInterval}: it picks the
 * processes on the event loop, reads /proc and the cgroup files on a worker (they block, and a
 * measurement takes a while), and hands each service its figures back on the event loop, which
 * publishes them. A service whose process changed meanwhile ignores the figures of the old one.
 */
final class StatsSampler {

  /** What is measured: a managed service, or a process hosted for another service. */
  interface Measured {

    /** The process to measure now: one runs, and no stop is under way. */
    Optional<ServiceProcess> measurable();

    /** Takes the figures of {@code measured} (if it is still the one), on the event loop. */
    void sample(ServiceProcess measured, ProcessUsage usage, long nanos);
  }

  private final ServiceContext context;
  private final Supplier<Iterable<? extends Measured>> measured;
  private long timer = -1;

  /** {@code measured}: the supervisor's services and hosted processes, read at every tick. */
  StatsSampler(ServiceContext context, Supplier<Iterable<? extends Measured>> measured) {
    this.context = context;
    this.measured = measured;
  }

  void start() {
    timer =
        context.vertx().setPeriodic(context.options().statsInterval().toMillis(), id -> sample());
  }

  void stop() {
    context.cancelTimer(timer);
    timer = -1;
  }

  private void sample() {
    Map<Measured, ServiceProcess> processes = new LinkedHashMap<>();
    for (Measured each : measured.get()) {
      each.measurable().ifPresent(process -> processes.put(each, process));
    }
    if (processes.isEmpty()) {
      return;
    }
    context
        .blocking(
            () -> {
              ProcTable snapshot = ProcTable.read();
              Map<Measured, ProcessUsage> usage = new LinkedHashMap<>();
              processes.forEach((each, process) -> usage.put(each, process.usage(snapshot)));
              return usage;
            })
        .onSuccess(
            usage -> {
              long now = System.nanoTime();
              usage.forEach(
                  (each, figures) -> {
                    if (each.measurable().isPresent()) {
                      each.sample(processes.get(each), figures, now);
                    }
                  });
            });
  }
}
