package dev.switchboard.hub;

import dev.switchboard.common.auth.Action;
import dev.switchboard.hub.socket.Socket;

/**
 * An event a client may send on a namespace, the action it needs of the token's role, and its
 * handler, which the hub calls only when the role may.
 */
record ClientEvent(String name, Action action, Socket.EventHandler handler) {

  static ClientEvent read(String name, Socket.EventHandler handler) {
    return new ClientEvent(name, Action.READ, handler);
  }

  static ClientEvent operate(String name, Socket.EventHandler handler) {
    return new ClientEvent(name, Action.OPERATE, handler);
  }
}
