package dev.switchboard.supervisor;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One stop of one or more services, each after the services that depend on it (the reverse of the
 * start order), in parallel where the graph allows. A service that two stopped services share is
 * stopped once: one instance per stop remembers what it has stopped already.
 */
final class StopOrder {

  private final DependencyGraph graph;
  private final Function<String, ManagedService> services;
  private final boolean remember;
  private final Map<String, Future<Void>> stopping = new HashMap<>();

  /**
   * {@code remember} false: Switchboard itself stops, and the services stay wanted in the database
   * for its next start.
   */
  StopOrder(DependencyGraph graph, Function<String, ManagedService> services, boolean remember) {
    this.graph = graph;
    this.services = services;
    this.remember = remember;
  }

  /**
   * Stops {@code service} for {@code why}, once what depends on it (and is up or about to restart)
   * has stopped.
   */
  Future<Void> stop(ManagedService service, String why) {
    Future<Void> known = stopping.get(service.name());
    if (known != null) {
      return known;
    }
    List<Future<Void>> first = new ArrayList<>();
    for (String dependent : graph.dependents(service.name())) {
      ManagedService other = services.apply(dependent);
      if (other.state().active() || other.state() == ServiceState.BACKOFF) {
        first.add(stop(other, why + " (" + service.name() + " stops)"));
      }
    }
    Future<Void> stopped =
        Future.join(first)
            .otherwiseEmpty()
            .compose(dependentsStopped -> service.stop(why, remember));
    stopping.put(service.name(), stopped);
    return stopped;
  }
}
