package dev.switchboard.stats.sampling;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/** The flat numeric series of a sample, as history and rollups store them. */
public final class SampleMetrics {

  private SampleMetrics() {}

  /**
   * One entry per figure, keyed like {@code cpu.load1} or, for a figure of one of several things,
   * {@code disk.usedBytes:/home}, {@code cpu.core.usagePercent:3} (a core by its position in {@code
   * cpu.cores}) and {@code gpu.powerWatts:0}. Figures missing from the sample are left out.
   */
  public static Map<String, Double> flatten(JsonObject sample) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    put(metrics, "cpu.usagePercent", sample, "cpu", "usagePercent");
    put(metrics, "cpu.load1", sample, "cpu", "load", "1m");
    put(metrics, "cpu.load5", sample, "cpu", "load", "5m");
    put(metrics, "cpu.load15", sample, "cpu", "load", "15m");
    JsonObject cpu = sample.getJsonObject("cpu");
    JsonArray cores = cpu == null ? new JsonArray() : cpu.getJsonArray("cores", new JsonArray());
    for (int i = 0; i < cores.size(); i++) {
      if (cores.getValue(i) instanceof Number usage) {
        metrics.put("cpu.core.usagePercent:" + i, usage.doubleValue());
      }
    }
    put(metrics, "memory.usedBytes", sample, "memory", "usedBytes");
    put(metrics, "memory.usagePercent", sample, "memory", "usagePercent");
    put(metrics, "swap.usedBytes", sample, "swap", "usedBytes");
    put(metrics, "diskIo.readBytesPerSec", sample, "diskIo", "readBytesPerSec");
    put(metrics, "diskIo.writeBytesPerSec", sample, "diskIo", "writeBytesPerSec");
    put(metrics, "network.rxBytesPerSec", sample, "network", "rxBytesPerSec");
    put(metrics, "network.txBytesPerSec", sample, "network", "txBytesPerSec");
    put(metrics, "processes", sample, "processes");
    put(metrics, "uptimeSeconds", sample, "uptimeSeconds");
    JsonArray disks = sample.getJsonArray("disks", new JsonArray());
    for (int i = 0; i < disks.size(); i++) {
      JsonObject disk = disks.getJsonObject(i);
      String mount = ":" + disk.getString("mount");
      put(metrics, "disk.usedBytes" + mount, disk, "usedBytes");
      put(metrics, "disk.usagePercent" + mount, disk, "usagePercent");
    }
    JsonArray gpus = sample.getJsonArray("gpus", new JsonArray());
    for (int i = 0; i < gpus.size(); i++) {
      JsonObject gpu = gpus.getJsonObject(i);
      String index = ":" + gpu.getValue("index");
      put(metrics, "gpu.utilizationPercent" + index, gpu, "utilizationPercent");
      put(metrics, "gpu.temperatureCelsius" + index, gpu, "temperatureCelsius");
      put(metrics, "gpu.memoryUsedBytes" + index, gpu, "memoryUsedBytes");
      put(metrics, "gpu.powerWatts" + index, gpu, "powerWatts");
    }
    return metrics;
  }

  /** Puts the number found by following {@code path} from {@code json}, if there is one. */
  private static void put(
      Map<String, Double> metrics, String key, JsonObject json, String... path) {
    for (int i = 0; i < path.length - 1 && json != null; i++) {
      json = json.getJsonObject(path[i]);
    }
    Number value = json == null ? null : json.getNumber(path[path.length - 1]);
    if (value != null) {
      metrics.put(key, value.doubleValue());
    }
  }
}
