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

  /** The auth of every socket whose auth is empty once it is connected: read-only. */
  private static final JsonObject NO_AUTH = new JsonObject(Map.of());

  private JsonObject auth;
  private final EngineSocket engine;
  private Object principal;

  Handshake(JsonObject auth, EngineSocket engine) {
    this.auth = auth;
    this.engine = engine;
  }

  /**
   * The CONNECT payload. Middleware and connection handlers may change it (the hub takes the token
   * out once it has admitted the socket); once they have run, an auth left empty is replaced by one
   * shared read-only object, since idle sockets are the many.
   */
  public JsonObject auth() {
    return auth;
  }

  /**
   * Who the connection speaks for, as a middleware found it; the socket keeps it for its life
   * ({@link Socket#principal()}). Kept here rather than in the socket's data: one reference per
   * socket, to an object the middleware may share among many.
   */
  public void principal(Object principal) {
    this.principal = principal;
  }

  /** What {@link #principal(Object)} set; null when nothing did. */
  public Object principal() {
    return principal;
  }

  /**
   * The socket is connected and its connection handlers have run: what it no longer needs goes (an
   * empty auth, the session's headers).
   */
  void settle() {
    if (auth.isEmpty()) {
      auth = NO_AUTH;
    }
    engine.forgetHandshakeHeaders();
  }

  /**
   * The headers of the request that opened the Engine.IO session, lower-case names: for the
   * middleware and connection handlers of the first namespace the client joins, empty afterwards (a
   * browser's headers take half a kilobyte and more, and nothing in the hub reads them later).
   */
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
