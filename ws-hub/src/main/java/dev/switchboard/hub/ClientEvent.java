package dev.switchboard.hub;

import dev.switchboard.common.auth.Action;
import dev.switchboard.hub.socket.Socket;
import io.vertx.core.json.JsonArray;
import java.util.function.Function;

/**
 * An event a client may send on a namespace, the action it needs of the token's role, and its
 * handler, which the hub calls only when the role may. A control event also names its audit log
 * action ({@code service.start}) and what it is done to, read from its arguments; the hub then
 * sends the gateway's audit log every attempt and its outcome (see {@link HubNamespaces}).
 */
record ClientEvent(
    String name,
    Action action,
    Socket.EventHandler handler,
    String audited,
    Function<JsonArray, String> target) {

  static ClientEvent read(String name, Socket.EventHandler handler) {
    return new ClientEvent(name, Action.READ, handler, null, null);
  }

  static ClientEvent operate(String name, Socket.EventHandler handler) {
    return new ClientEvent(name, Action.OPERATE, handler, null, null);
  }

  /** A control event that operates, recorded in the audit log as {@code audited}. */
  static ClientEvent operate(
      String name,
      Socket.EventHandler handler,
      String audited,
      Function<JsonArray, String> target) {
    return new ClientEvent(name, Action.OPERATE, handler, audited, target);
  }
}
