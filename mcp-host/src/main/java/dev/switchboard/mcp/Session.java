package dev.switchboard.mcp;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * One client's MCP session ({@code Mcp-Session-Id}): bound to an instance key, not to an instance,
 * so a session outlives its instance's idle stop (the next request starts a new instance, which the
 * host initializes as it did the first). Its standalone stream (GET) receives what concerns every
 * session (list changes, logging) and the progress of requests answered as plain JSON.
 */
final class Session {

  final String id;
  final InstanceKey key;
  final String protocolVersion;

  /** The capabilities its client's {@code initialize} declared (sampling, elicitation, roots). */
  final JsonObject capabilities;

  long lastSeen = System.currentTimeMillis();

  /** The client's request ids in flight (encoded) → the ids they carry to the server. */
  final Map<String, Long> inFlight = new HashMap<>();

  /**
   * The requests of the server passed on to this session's client, by the id the client got
   * (encoded): where its answer goes back.
   */
  final Map<String, Host.Asked> asked = new HashMap<>();

  /** The resource URIs its client subscribed to ({@code resources/subscribe}). */
  final java.util.Set<String> subscriptions = new java.util.HashSet<>();

  private HttpServerResponse stream;
  private long eventId;
  private Outlet outlet;

  /**
   * Where a session of another transport (a hub socket, a WebSocket) gets what the standalone
   * stream would carry.
   */
  interface Outlet {
    /** False when it could not be delivered (the client does not keep up, or is gone). */
    boolean deliver(JsonObject message);

    /** Whether the client is connected in a way that keeps the instance from idling. */
    boolean open();

    /** The session ended (its definition was deleted, or the host stops). */
    void close();
  }

  Session(String id, InstanceKey key, String protocolVersion, JsonObject capabilities) {
    this.id = id;
    this.key = key;
    this.protocolVersion = protocolVersion;
    this.capabilities = capabilities == null ? new JsonObject() : capabilities;
  }

  /** Whether its client declared {@code capability} (say {@code sampling}) in its initialize. */
  boolean declared(String capability) {
    return capabilities.getValue(capability) instanceof JsonObject;
  }

  boolean hasStream() {
    return (stream != null && !stream.closed()) || (outlet != null && outlet.open());
  }

  /** Sends what concerns this session to {@code outlet} rather than to an SSE stream. */
  void outlet(Outlet outlet) {
    this.outlet = outlet;
  }

  void stream(HttpServerResponse response) {
    stream = response;
  }

  void closeStream() {
    if (stream != null && !stream.closed()) {
      stream.end();
    }
    stream = null;
    if (outlet != null) {
      outlet.close();
    }
  }

  /**
   * Sends {@code message} on the standalone stream; false when there is none, or when the client
   * does not keep up (its write queue is full): a slow client loses its notifications, it never
   * holds up the others.
   */
  boolean deliver(JsonObject message) {
    if (outlet != null) {
      return outlet.deliver(message);
    }
    if (!hasStream() || stream.writeQueueFull()) {
      return false;
    }
    stream.write(Sse.event(++eventId, message));
    return true;
  }
}
