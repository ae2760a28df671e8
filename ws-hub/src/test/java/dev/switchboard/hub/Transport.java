package dev.switchboard.hub;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** How the npm client reaches the hub: the socket.io-client options of each way. */
enum Transport {
  /** A websocket from the start ({@code transports: ["websocket"]}). */
  WEBSOCKET(new JsonObject().put("transports", new JsonArray().add("websocket"))),
  /** The client's defaults: HTTP long-polling first, then the upgrade to a websocket. */
  POLLING_THEN_UPGRADE(new JsonObject()),
  /** HTTP long-polling only ({@code transports: ["polling"]}). */
  POLLING(new JsonObject().put("transports", new JsonArray().add("polling")));

  private final JsonObject options;

  Transport(JsonObject options) {
    this.options = options;
  }

  /** Fresh socket.io-client options for this transport. */
  JsonObject opts() {
    return options.copy();
  }

  /** The transport the client ends up on. */
  String settled() {
    return this == POLLING ? "polling" : "websocket";
  }
}
