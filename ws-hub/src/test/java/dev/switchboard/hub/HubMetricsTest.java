package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    // a simple registry shows each histogram bucket as a gauge of its own; Prometheus does not
    List<Meter> meters =
        registry.getMeters().stream()
            .filter(meter -> !meter.getId().getName().endsWith(".histogram"))
            .toList();
    assertThat(meters)
        .as("hub.emits, a drop counter per reason, two latency timers and the three above")
        .hasSize(1 + HubMetrics.DROP_REASONS.size() + 2 + 3);
    meters.forEach(
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
        .containsExactlyInAnyOrder(
            "volatile", "slow_consumer", "rate_limit", "protocol", "recovery_cluster");
    assertThat(registry.find("hub.drops").counters()).allMatch(counter -> counter.count() == 0);
  }

  @Test
  void aDeliveryIsOneSampleOfItsSource() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HubMetrics metrics = new HubMetrics(registry);
    metrics.delivered(true, 2_000_000);
    metrics.delivered(false, 500_000);
    metrics.delivered(false, 700_000);
    assertThat(registry.get("hub.delivery.latency").tag("source", "emit").timer().count())
        .isEqualTo(1);
    assertThat(
            registry
                .get("hub.delivery.latency")
                .tag("source", "emit")
                .timer()
                .totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(2.0);
    assertThat(registry.get("hub.delivery.latency").tag("source", "bus").timer().count())
        .isEqualTo(2);
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
