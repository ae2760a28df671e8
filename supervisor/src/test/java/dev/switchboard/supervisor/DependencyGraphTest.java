package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.supervisor.definition.ServiceDefinition;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dependsOn graph: names that are no service, cycles (found through the service being defined),
 * direct dependents.
 */
class DependencyGraphTest {

  @Test
  void aChainHasNoCycle() {
    DependencyGraph graph = graph(service("web", "api"), service("api", "db"), service("db"));

    assertThat(graph.cycleThrough("web")).isEmpty();
    assertThat(graph.cycleThrough("db")).isEmpty();
  }

  @Test
  void twoPathsToTheSameServiceAreNoCycle() {
    DependencyGraph graph =
        graph(
            service("web", "api", "worker"),
            service("api", "db"),
            service("worker", "db"),
            service("db"));

    assertThat(graph.cycleThrough("web")).isEmpty();
  }

  @Test
  void aCycleIsReportedAsThePathThatClosesIt() {
    DependencyGraph graph =
        graph(service("web", "api"), service("api", "db"), service("db", "web"));

    assertThat(graph.cycleThrough("api")).contains(List.of("api", "db", "web", "api"));
  }

  @Test
  void aCycleFurtherOnIsFoundFromAServiceThatLeadsIntoIt() {
    DependencyGraph graph =
        graph(service("web", "api"), service("api", "db"), service("db", "api"));

    assertThat(graph.cycleThrough("web")).contains(List.of("api", "db", "api"));
  }

  @Test
  void aChangedDefinitionReplacesTheOldOneWithoutChangingTheGraphItCameFrom() {
    DependencyGraph before = graph(service("web", "db"), service("db"));

    DependencyGraph after = before.with(service("db", "web"));

    assertThat(after.cycleThrough("db")).contains(List.of("db", "web", "db"));
    assertThat(before.cycleThrough("db")).isEmpty();
  }

  @Test
  void dependenciesThatNameNoServiceAreUndefined() {
    DependencyGraph graph = graph(service("db")).with(service("web", "db", "cache", "queue"));

    assertThat(graph.undefined("web")).containsExactly("cache", "queue");
    assertThat(graph.undefined("db")).isEmpty();
  }

  @Test
  void dependentsAreTheServicesThatNameItDirectlyByName() {
    DependencyGraph graph =
        graph(
            service("worker", "db"),
            service("api", "db", "cache"),
            service("web", "api"),
            service("db"),
            service("cache"));

    assertThat(graph.dependents("db")).containsExactly("api", "worker");
    assertThat(graph.dependents("api")).containsExactly("web");
    assertThat(graph.dependents("web")).isEmpty();
  }

  private static DependencyGraph graph(ServiceDefinition... definitions) {
    return DependencyGraph.of(List.of(definitions));
  }

  private static ServiceDefinition service(String name, String... dependsOn) {
    return ServiceDefinition.parse(
        new JsonObject()
            .put("name", name)
            .put("command", new JsonArray().add("true"))
            .put("dependsOn", new JsonArray(List.of((Object[]) dependsOn))));
  }
}
