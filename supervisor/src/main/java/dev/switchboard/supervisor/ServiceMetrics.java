package dev.switchboard.supervisor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The managed services' meters: {@code switchboard_supervisor_services{state}}, how many services
 * are in each {@link ServiceState} (every state always present, 0 included, so that an alert on one
 * is not "no data"), and {@code switchboard_supervisor_service_restarts_total{name,trigger}}, the
 * restarts of each service, {@code trigger} {@code exit} (its restart policy brought it back after
 * it ended) or {@code request} (a restart asked for through the API).
 *
 * <p>{@code name} is the only per-service label Switchboard exports: its values are the names of
 * the services an admin defined (no client, session or file name reaches it), and a deleted
 * service's series go with it, so there are as many as there are defined services. The counts are
 * taken on the supervisor's event loop and read by the scrape from any thread.
 */
final class ServiceMetrics {

  static final String SERVICES = "supervisor.services";
  static final String RESTARTS = "supervisor.service.restarts";

  /** The values of the restarts' {@code trigger} label. */
  static final List<String> TRIGGERS = List.of("exit", "request");

  private final MeterRegistry registry;
  private final AtomicIntegerArray byState = new AtomicIntegerArray(ServiceState.values().length);
  private final List<Meter> gauges = new ArrayList<>();
  private final Map<String, Map<String, Counter>> restarts = new HashMap<>();

  ServiceMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (ServiceState state : ServiceState.values()) {
      int index = state.ordinal();
      gauges.add(
          Gauge.builder(SERVICES, byState, counts -> counts.get(index))
              .description("managed services in this state")
              .tag("state", state.wire())
              .strongReference(true)
              .register(registry));
    }
  }

  /**
   * Counts the services by state again (after a transition, a creation or a deletion), and gives a
   * service new to it its restart series at 0, so that {@code increase()} sees its first restart.
   */
  void count(Collection<ManagedService> services) {
    int[] counts = new int[ServiceState.values().length];
    for (ManagedService service : services) {
      counts[service.state().ordinal()]++;
      for (String trigger : TRIGGERS) {
        restarts(service.name(), trigger);
      }
    }
    for (int i = 0; i < counts.length; i++) {
      byState.set(i, counts[i]);
    }
  }

  /** {@code service} restarted: {@code trigger} is {@code exit} or {@code request}. */
  void restarted(String service, String trigger) {
    restarts(service, trigger).increment();
  }

  private Counter restarts(String service, String trigger) {
    return restarts
        .computeIfAbsent(service, s -> new HashMap<>())
        .computeIfAbsent(
            trigger,
            t ->
                Counter.builder(RESTARTS)
                    .description(
                        "restarts of a managed service, by its policy after an exit or by request")
                    .tag("name", service)
                    .tag("trigger", t)
                    .register(registry));
  }

  /** A deleted service's counters leave the registry with it. */
  void deleted(String service) {
    Map<String, Counter> counters = restarts.remove(service);
    if (counters != null) {
      counters.values().forEach(registry::remove);
    }
  }

  /** The supervisor stops: its meters leave the registry (a new one registers its own). */
  void close() {
    gauges.forEach(registry::remove);
    restarts.values().forEach(counters -> counters.values().forEach(registry::remove));
    gauges.clear();
    restarts.clear();
  }
}
