package dev.switchboard.hub.socket;

import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * What a namespace's middleware sees of a connection attempt.
 *
 * @param auth    the CONNECT packet's payload ({@code auth} of the client), never null
 * @param headers the headers of the request that opened the Engine.IO session, lower-case names
 * @param query   its query parameters
 */
public record Handshake(JsonObject auth, Map<String, String> headers, Map<String, String> query) {
}
