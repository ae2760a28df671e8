package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The hub's meters stay bounded whatever namespace names clients send. */
class HubMetricsTest {

  @Test
  void everyCounterHasAHelpText() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HubMetrics metrics = new HubMetrics(registry);
    metrics.packetIn("/services");
    metrics.packetOut("/services", 3);
    metrics.dropped("slow_consumer");
    metrics.recovered("/services");
    assertThat(registry.getMeters())
        .as("hub.emits, a drop counter per reason and the three others above")
        .hasSize(1 + HubMetrics.DROP_REASONS.size() + 3);
    registry
        .getMeters()
        .forEach(
            meter ->
                assertThat(meter.getId().getDescription())
                    .as("%s's help text (promtool check metrics)", meter.getId().getName())
                    .isNotBlank());
  }

  @Test
  void everyDropReasonIsExportedAtZeroBeforeTheFirstDrop() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new HubMetrics(registry);
    assertThat(registry.find("hub.drops").counters())
        .extracting(counter -> counter.getId().getTag("reason"))
        .containsExactlyInAnyOrder("volatile", "slow_consumer", "rate_limit", "protocol");
    assertThat(registry.find("hub.drops").counters()).allMatch(counter -> counter.count() == 0);
  }

  @Test
  void packetsToMadeUpNamespacesShareOneCounter() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HubMetrics metrics = new HubMetrics(registry);

    for (int i = 0; i < 1_000; i++) {
      metrics.packetIn("/made-up-" + i);
    }
    metrics.packetIn("/services");

    assertThat(registry.find("hub.packets.in").counters()).hasSize(2);
    assertThat(
            registry.get("hub.packets.in").tag("namespace", HubMetrics.UNKNOWN).counter().count())
        .isEqualTo(1_000);
    assertThat(registry.get("hub.packets.in").tag("namespace", "/services").counter().count())
        .isEqualTo(1);
  }
}
