package dev.switchboard.stats;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The latest host sample as Prometheus gauges with conventional names and base units, such as
 * {@code switchboard_host_cpu_usage_ratio}, {@code switchboard_host_memory_used_bytes} and {@code
 * switchboard_host_gpu_utilization_ratio{gpu="0"}}. Series per core, filesystem and GPU follow what
 * the host has at each sample.
 */
final class HostGauges implements AutoCloseable {

  private static final double PERCENT = 100.0;

  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final List<MultiGauge> multi = new ArrayList<>();
  private final MultiGauge cores;
  private final MultiGauge load;
  private final MultiGauge filesystemUsed;
  private final MultiGauge filesystemSize;
  private final MultiGauge gpuUtilization;
  private final MultiGauge gpuTemperature;
  private final MultiGauge gpuMemoryUsed;
  private final MultiGauge gpuMemoryTotal;
  private final MultiGauge gpuPower;
  private volatile JsonObject latest = new JsonObject();

  HostGauges(MeterRegistry registry) {
    this.registry = registry;
    gauge(
        "host.cpu.usage",
        "ratio",
        "CPU in use, all cores, 0 to 1",
        s -> path(s, "cpu", "usagePercent") / PERCENT);
    gauge("host.memory.used", "bytes", "memory in use", s -> path(s, "memory", "usedBytes"));
    gauge(
        "host.memory.available",
        "bytes",
        "memory available to new processes",
        s -> path(s, "memory", "availableBytes"));
    gauge("host.memory.total", "bytes", "physical memory", s -> path(s, "memory", "totalBytes"));
    gauge("host.swap.used", "bytes", "swap in use", s -> path(s, "swap", "usedBytes"));
    gauge("host.swap.total", "bytes", "swap space", s -> path(s, "swap", "totalBytes"));
    gauge(
        "host.disk.read.bytes.per.second",
        null,
        "bytes read from disks per second, over the last sample",
        s -> path(s, "diskIo", "readBytesPerSec"));
    gauge(
        "host.disk.write.bytes.per.second",
        null,
        "bytes written to disks per second, over the last sample",
        s -> path(s, "diskIo", "writeBytesPerSec"));
    gauge(
        "host.network.receive.bytes.per.second",
        null,
        "bytes received per second, all interfaces, over the last sample",
        s -> path(s, "network", "rxBytesPerSec"));
    gauge(
        "host.network.transmit.bytes.per.second",
        null,
        "bytes sent per second, all interfaces, over the last sample",
        s -> path(s, "network", "txBytesPerSec"));
    gauge(
        "host.processes",
        null,
        "processes running on the host",
        s -> number(s.getValue("processes")));
    gauge(
        "host.uptime",
        "seconds",
        "time since the host booted",
        s -> number(s.getValue("uptimeSeconds")));
    cores = multiGauge("host.cpu.core.usage", "ratio", "CPU in use per core, 0 to 1");
    load = multiGauge("host.load.average", null, "load average over 1, 5 and 15 minutes");
    filesystemUsed =
        multiGauge("host.filesystem.used", "bytes", "space used per mounted filesystem");
    filesystemSize = multiGauge("host.filesystem.size", "bytes", "size per mounted filesystem");
    gpuUtilization = multiGauge("host.gpu.utilization", "ratio", "GPU busy, 0 to 1");
    gpuTemperature = multiGauge("host.gpu.temperature", "celsius", "GPU temperature");
    gpuMemoryUsed = multiGauge("host.gpu.memory.used", "bytes", "GPU memory in use");
    gpuMemoryTotal = multiGauge("host.gpu.memory.total", "bytes", "GPU memory");
    gpuPower = multiGauge("host.gpu.power", "watts", "GPU power draw");
  }

  void update(JsonObject sample) {
    latest = sample;
    JsonObject cpu = sample.getJsonObject("cpu", new JsonObject());
    JsonArray perCore = cpu.getJsonArray("cores", new JsonArray());
    List<MultiGauge.Row<?>> coreRows = new ArrayList<>();
    for (int i = 0; i < perCore.size(); i++) {
      coreRows.add(
          MultiGauge.Row.of(
              Tags.of("core", Integer.toString(i)), number(perCore.getValue(i)) / PERCENT));
    }
    cores.register(coreRows, true);
    JsonObject averages = cpu.getJsonObject("load", new JsonObject());
    load.register(
        averages.fieldNames().stream()
            .<MultiGauge.Row<?>>map(
                period ->
                    MultiGauge.Row.of(Tags.of("period", period), number(averages.getValue(period))))
            .toList(),
        true);
    JsonArray disks = sample.getJsonArray("disks", new JsonArray());
    filesystemUsed.register(
        rows(
            disks,
            d -> Tags.of("mount", d.getString("mount")),
            d -> number(d.getValue("usedBytes"))),
        true);
    filesystemSize.register(
        rows(
            disks,
            d -> Tags.of("mount", d.getString("mount")),
            d -> number(d.getValue("totalBytes"))),
        true);
    JsonArray gpus = sample.getJsonArray("gpus", new JsonArray());
    Function<JsonObject, Tags> gpuTags =
        g ->
            Tags.of(
                "gpu",
                String.valueOf(g.getValue("index")),
                "name",
                String.valueOf(g.getValue("name")));
    gpuUtilization.register(
        rows(gpus, gpuTags, g -> number(g.getValue("utilizationPercent")) / PERCENT), true);
    gpuTemperature.register(
        rows(gpus, gpuTags, g -> number(g.getValue("temperatureCelsius"))), true);
    gpuMemoryUsed.register(rows(gpus, gpuTags, g -> number(g.getValue("memoryUsedBytes"))), true);
    gpuMemoryTotal.register(rows(gpus, gpuTags, g -> number(g.getValue("memoryTotalBytes"))), true);
    gpuPower.register(rows(gpus, gpuTags, g -> number(g.getValue("powerWatts"))), true);
  }

  @Override
  public void close() {
    multi.forEach(gauge -> gauge.register(List.of(), true));
    meters.forEach(registry::remove);
  }

  private void gauge(
      String name, String unit, String description, ToDoubleFunction<JsonObject> value) {
    meters.add(
        Gauge.builder(name, this, gauges -> value.applyAsDouble(gauges.latest))
            .description(description)
            .baseUnit(unit)
            .register(registry));
  }

  private MultiGauge multiGauge(String name, String unit, String description) {
    MultiGauge gauge =
        MultiGauge.builder(name).description(description).baseUnit(unit).register(registry);
    multi.add(gauge);
    return gauge;
  }

  /** One row per element that has the value; a GPU that reports no power gets no power series. */
  private static List<MultiGauge.Row<?>> rows(
      JsonArray items, Function<JsonObject, Tags> tags, ToDoubleFunction<JsonObject> value) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      double v = value.applyAsDouble(item);
      if (!Double.isNaN(v)) {
        rows.add(MultiGauge.Row.of(tags.apply(item), v));
      }
    }
    return rows;
  }

  private static double path(JsonObject sample, String section, String key) {
    JsonObject object = sample.getJsonObject(section);
    return object == null ? Double.NaN : number(object.getValue(key));
  }

  private static double number(Object value) {
    return value instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
