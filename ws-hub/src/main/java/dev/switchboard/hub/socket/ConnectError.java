package dev.switchboard.hub.socket;

import io.vertx.core.json.JsonObject;

/**
 * A refused namespace connection: the client sees a {@code connect_error} whose {@code message} is
 * this exception's and whose {@code data} is {@link #data()}.
 */
public final class ConnectError extends RuntimeException {

  private final JsonObject data;

  public ConnectError(String message, JsonObject data) {
    super(message, null, false, false);
    this.data = data;
  }

  public JsonObject data() {
    return data;
  }
}
