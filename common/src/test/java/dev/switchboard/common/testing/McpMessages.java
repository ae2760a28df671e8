package dev.switchboard.common.testing;

import io.vertx.core.json.JsonObject;

/** MCP messages the tests of several modules send as a client would. */
public final class McpMessages {

  private McpMessages() {}

  /** A client's {@code initialize} (protocol 2025-06-18, no capabilities), with id 1. */
  public static JsonObject initialize(String clientName) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", 1)
        .put("method", "initialize")
        .put(
            "params",
            new JsonObject()
                .put("protocolVersion", "2025-06-18")
                .put("capabilities", new JsonObject())
                .put("clientInfo", new JsonObject().put("name", clientName).put("version", "1")));
  }
}
