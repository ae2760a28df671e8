package dev.switchboard.hub.socket;

import dev.switchboard.hub.engine.EngineSocket;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * What a namespace's middleware sees of a connection attempt: the CONNECT packet's payload ({@code
 * auth} of the client, never null) and the request that opened the Engine.IO session. The request's
 * headers and query are read from the session when asked for, not copied per socket: most sockets
 * never need them after the middleware ran.
 */
public final class Handshake {

  private final JsonObject auth;
  private final EngineSocket engine;

  Handshake(JsonObject auth, EngineSocket engine) {
    this.auth = auth;
    this.engine = engine;
  }

  public JsonObject auth() {
    return auth;
  }

  /** The headers of the request that opened the Engine.IO session, lower-case names. */
  public Map<String, String> headers() {
    return engine.handshakeHeaders();
  }

  /** The client's IP address; null when unknown. */
  public String remoteAddress() {
    return engine.remoteAddress();
  }

  /** Its query parameters. */
  public Map<String, String> query() {
    return engine.handshakeQuery();
  }
}
