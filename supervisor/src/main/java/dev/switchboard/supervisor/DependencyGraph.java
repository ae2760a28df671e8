package dev.switchboard.supervisor;

import dev.switchboard.supervisor.definition.Dependency;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which service depends on which ({@code dependsOn}), as of one moment: what a new or changed
 * definition must pass (every dependency a service, no cycle), and the dependents a stop or a
 * delete deals with first. Built from the definitions when needed and never changed, so it cannot
 * drift from them.
 */
final class DependencyGraph {

  /** Each service's dependencies, by service name in order. */
  private final Map<String, List<String>> dependencies;

  private DependencyGraph(Map<String, List<String>> dependencies) {
    this.dependencies = dependencies;
  }

  static DependencyGraph of(Collection<ServiceDefinition> definitions) {
    Map<String, List<String>> dependencies = new TreeMap<>();
    definitions.forEach(definition -> dependencies.put(definition.name(), names(definition)));
    return new DependencyGraph(dependencies);
  }

  /** The graph with {@code definition} added, or in place of the service's current one. */
  DependencyGraph with(ServiceDefinition definition) {
    Map<String, List<String>> next = new TreeMap<>(dependencies);
    next.put(definition.name(), names(definition));
    return new DependencyGraph(next);
  }

  /** The dependencies of {@code name} that name no service. */
  List<String> undefined(String name) {
    return dependencies.getOrDefault(name, List.of()).stream()
        .filter(dependency -> !dependencies.containsKey(dependency))
        .toList();
  }

  /**
   * A cycle through {@code name}, as the path that closes it ({@code a, b, a}); empty when there is
   * none.
   */
  Optional<List<String>> cycleThrough(String name) {
    return Optional.ofNullable(cycleFrom(name, new ArrayList<>()));
  }

  private List<String> cycleFrom(String node, List<String> path) {
    if (path.contains(node)) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
      cycle.add(node);
      return cycle;
    }
    path.add(node);
    for (String next : dependencies.getOrDefault(node, List.of())) {
      List<String> cycle = cycleFrom(next, path);
      if (cycle != null) {
        return cycle;
      }
    }
    path.remove(path.size() - 1);
    return null;
  }

  /** The services that depend on {@code name} directly, by name. */
  List<String> dependents(String name) {
    return dependencies.entrySet().stream()
        .filter(entry -> entry.getValue().contains(name))
        .map(Map.Entry::getKey)
        .toList();
  }

  private static List<String> names(ServiceDefinition definition) {
    return definition.dependsOn().stream().map(Dependency::name).toList();
  }
}
