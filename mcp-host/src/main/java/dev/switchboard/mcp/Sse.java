package dev.switchboard.mcp;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/** Server-sent events as the Streamable HTTP transport writes them. */
final class Sse {

  private Sse() {}

  static Buffer event(String id, JsonObject message) {
    return Buffer.buffer("id: " + id + "\nevent: message\ndata: " + message.encode() + "\n\n");
  }

  static Buffer comment(String text) {
    return Buffer.buffer(": " + text + "\n\n");
  }
}
