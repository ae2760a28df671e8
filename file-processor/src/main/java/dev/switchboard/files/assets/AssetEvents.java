package dev.switchboard.files.assets;

import io.vertx.core.json.JsonObject;

/**
 * What {@code files.assets} carries for a state change (the hub's {@code asset:state}): enough for
 * a list to update its row, not the whole metadata.
 */
public final class AssetEvents {

  private AssetEvents() {}

  public static JsonObject of(JsonObject asset) {
    JsonObject event =
        new JsonObject()
            .put("id", asset.getString("id"))
            .put("name", asset.getString("name"))
            .put("state", asset.getString("state"))
            .put("mediaType", asset.getString("mediaType"))
            .put("size", asset.getLong("size"))
            .put("updatedAt", asset.getString("updatedAt"));
    if (asset.getString("reason") != null) {
      event.put("reason", asset.getString("reason"));
    }
    return event;
  }
}
