package dev.switchboard.supervisor;

import dev.switchboard.supervisor.process.ProcTable;
import dev.switchboard.supervisor.process.ProcessUsage;
import dev.switchboard.supervisor.process.ServiceProcess;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Measures the running services every {@code statsInterval}: it picks the processes on the event
 * loop, reads /proc and the cgroup files on a worker (they block, and a measurement takes a while),
 * and hands each service its figures back on the event loop, which publishes them. A service whose
 * process changed meanwhile ignores the figures of the old one.
 */
final class StatsSampler {

  private final ServiceContext context;
  private final Collection<ManagedService> services;
  private long timer = -1;

  /** {@code services}: the supervisor's own, read at every tick. */
  StatsSampler(ServiceContext context, Collection<ManagedService> services) {
    this.context = context;
    this.services = services;
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
    Map<ManagedService, ServiceProcess> measured = new LinkedHashMap<>();
    for (ManagedService service : services) {
      if (measurable(service)) {
        service.process().ifPresent(process -> measured.put(service, process));
      }
    }
    if (measured.isEmpty()) {
      return;
    }
    context
        .blocking(
            () -> {
              ProcTable snapshot = ProcTable.read();
              Map<ManagedService, ProcessUsage> usage = new LinkedHashMap<>();
              measured.forEach((service, process) -> usage.put(service, process.usage(snapshot)));
              return usage;
            })
        .onSuccess(
            usage -> {
              long now = System.nanoTime();
              usage.forEach(
                  (service, figures) -> {
                    if (measurable(service)) {
                      service.sample(measured.get(service), figures, now);
                    }
                  });
            });
  }

  /** A process runs, and no stop is under way. */
  private static boolean measurable(ManagedService service) {
    return service.state().active() && service.state() != ServiceState.STOPPING;
  }
}
