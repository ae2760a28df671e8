package dev.switchboard.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The host gauges as Prometheus reads them: each with its help text (promtool flags none). */
class HostGaugesTest {

  @Test
  void everyGaugeHasAHelpText() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HostGauges gauges = new HostGauges(registry);
    gauges.update(
        new JsonObject()
            .put(
                "cpu",
                new JsonObject()
                    .put("usagePercent", 12.5)
                    .put("cores", new JsonArray().add(10).add(15))
                    .put("load", new JsonObject().put("1m", 0.5)))
            .put(
                "disks",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("mount", "/")
                            .put("usedBytes", 1)
                            .put("totalBytes", 2)))
            .put(
                "gpus",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("index", 0)
                            .put("name", "GPU")
                            .put("utilizationPercent", 50)
                            .put("temperatureCelsius", 60)
                            .put("memoryUsedBytes", 1)
                            .put("memoryTotalBytes", 2)
                            .put("powerWatts", 100))));
    assertThat(registry.getMeters().stream().map(m -> m.getId().getName()).distinct())
        .as("every host gauge, GPU ones included")
        .hasSize(21);
    for (Meter meter : registry.getMeters()) {
      assertThat(meter.getId().getDescription()).as(meter.getId().getName()).isNotBlank();
    }
  }
}
