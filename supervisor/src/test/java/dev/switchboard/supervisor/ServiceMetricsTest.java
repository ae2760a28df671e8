package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.Eventually;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The managed services' meters with real processes: {@code switchboard_supervisor_services{state}}
 * follows the transitions, {@code switchboard_supervisor_service_restarts_total{name,trigger}}
 * counts the restarts of the policy and the ones asked for, and a deleted service's series go with
 * it.
 */
class ServiceMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private SupervisorFixture sup;

  @BeforeEach
  void start() throws IOException {
    sup = new SupervisorFixture(new JsonObject(), registry);
  }

  @AfterEach
  void stop() {
    sup.close();
  }

  @Test
  void servicesByStateFollowTheTransitions() {
    assertThat(byState()).as("every state, at 0").hasSize(ServiceState.values().length);
    assertThat(byState().values()).containsOnly(0.0);

    create("idle", new JsonArray().add("sleep").add("300"), "no");
    awaitCounts(Map.of("stopped", 1.0));

    create("sleeper", new JsonArray().add("sleep").add("300"), "no");
    command(Addresses.SUPERVISOR_SERVICES_START, "sleeper");
    sup.awaitState("sleeper", "running", Duration.ofSeconds(5));
    awaitCounts(Map.of("stopped", 1.0, "running", 1.0));

    create("broken", new JsonArray().add("sh").add("-c").add("exit 3"), "no");
    command(Addresses.SUPERVISOR_SERVICES_START, "broken");
    sup.awaitState("broken", "failed", Duration.ofSeconds(5));
    awaitCounts(Map.of("stopped", 1.0, "running", 1.0, "failed", 1.0));

    command(Addresses.SUPERVISOR_SERVICES_STOP, "sleeper");
    sup.request(Addresses.SUPERVISOR_SERVICES_DELETE, new JsonObject().put("name", "idle"));
    awaitCounts(Map.of("stopped", 1.0, "failed", 1.0));
  }

  @Test
  void restartsAreCountedPerServiceByTrigger() {
    create("crasher", new JsonArray().add("sh").add("-c").add("sleep 0.2; exit 3"), "always");
    assertThat(registry.find(ServiceMetrics.RESTARTS).tag("name", "crasher").counters())
        .as("both series at 0 from the definition, before any restart")
        .hasSize(2)
        .allMatch(counter -> counter.count() == 0);
    command(Addresses.SUPERVISOR_SERVICES_START, "crasher");
    Eventually.within(Duration.ofSeconds(10))
        .alias("two restarts after exits")
        .until(() -> restarts("crasher", "exit") >= 2);
    assertThat(restarts("crasher", "request")).isZero();

    create("sleeper", new JsonArray().add("sleep").add("300"), "no");
    command(Addresses.SUPERVISOR_SERVICES_START, "sleeper");
    sup.awaitState("sleeper", "running", Duration.ofSeconds(5));
    command(Addresses.SUPERVISOR_SERVICES_RESTART, "sleeper");
    assertThat(restarts("sleeper", "request")).isEqualTo(1.0);
    assertThat(restarts("sleeper", "exit")).isZero();

    command(Addresses.SUPERVISOR_SERVICES_STOP, "crasher");
    sup.request(Addresses.SUPERVISOR_SERVICES_DELETE, new JsonObject().put("name", "crasher"));
    assertThat(registry.find(ServiceMetrics.RESTARTS).tag("name", "crasher").counters())
        .as("a deleted service's restart series")
        .isEmpty();
    assertThat(registry.find(ServiceMetrics.RESTARTS).tag("name", "sleeper").counters()).hasSize(2);
  }

  private void create(String name, JsonArray command, String restart) {
    sup.request(
        Addresses.SUPERVISOR_SERVICES_CREATE,
        new JsonObject()
            .put("name", name)
            .put("command", command)
            .put(
                "restart",
                new JsonObject()
                    .put("policy", restart)
                    .put("initialDelay", "50ms")
                    .put("limit", 100)
                    .put("window", "1m")));
  }

  private void command(String address, String name) {
    sup.request(address, new JsonObject().put("name", name));
  }

  private double restarts(String name, String trigger) {
    Counter counter =
        registry.find(ServiceMetrics.RESTARTS).tag("name", name).tag("trigger", trigger).counter();
    return counter == null ? 0 : counter.count();
  }

  private Map<String, Double> byState() {
    Map<String, Double> counts = new TreeMap<>();
    registry
        .find(ServiceMetrics.SERVICES)
        .gauges()
        .forEach(gauge -> counts.put(gauge.getId().getTag("state"), gauge.value()));
    return counts;
  }

  /** Waits until the states in {@code expected} have those counts and every other state 0. */
  private void awaitCounts(Map<String, Double> expected) {
    Map<String, Double> wanted = new TreeMap<>();
    for (ServiceState state : ServiceState.values()) {
      wanted.put(state.wire(), expected.getOrDefault(state.wire(), 0.0));
    }
    Eventually.within(Duration.ofSeconds(5))
        .alias("services by state " + wanted)
        .until(this::byState, wanted::equals);
  }
}
