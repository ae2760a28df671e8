package dev.switchboard.stats.sampling;

import io.vertx.core.json.JsonObject;

/**
 * One GPU as nvidia-smi reports it. A null figure is one the driver does not give for this card
 * ({@code [N/A]}, {@code [Not Supported]}).
 */
public record Gpu(
    int index,
    String name,
    Integer utilizationPercent,
    Integer temperatureCelsius,
    Long memoryUsedBytes,
    Long memoryTotalBytes,
    Double powerWatts) {

  /** The sample's shape; a figure the card does not report is left out. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("index", index).put("name", name);
    putPresent(json, "utilizationPercent", utilizationPercent);
    putPresent(json, "temperatureCelsius", temperatureCelsius);
    putPresent(json, "memoryUsedBytes", memoryUsedBytes);
    putPresent(json, "memoryTotalBytes", memoryTotalBytes);
    putPresent(json, "powerWatts", powerWatts);
    return json;
  }

  static void putPresent(JsonObject json, String key, Number value) {
    if (value != null) {
      json.put(key, value);
    }
  }
}
