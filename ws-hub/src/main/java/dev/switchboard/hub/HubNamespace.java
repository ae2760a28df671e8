package dev.switchboard.hub;

import dev.switchboard.hub.socket.Socket;
import java.util.List;

/**
 * One of the hub's namespaces: the events it takes from clients and sends them, its rooms, and what
 * it follows again for a socket that came back through connection-state recovery. {@link
 * HubNamespaces} registers them, checks the role, and greets every socket with {@value
 * HubNamespaces#GREETING}.
 */
interface HubNamespace {

  /** The namespace, {@code /services} say. */
  String name();

  /** The events a client may send, each with the action it needs. */
  List<ClientEvent> clientEvents();

  /** The events this namespace sends to clients ({@code /emit} may send any other). */
  List<String> serverEvents();

  /**
   * Prefixes of event names this namespace keeps for itself ({@code services:} on {@code
   * /services}): {@code /emit} may send none of them there, including names the hub does not send
   * yet.
   */
  default List<String> reservedPrefixes() {
    return List.of();
  }

  /** What a new or recovered socket gets after the greeting: a first status, say. */
  default void connected(Socket socket) {}

  /** A socket of this namespace disconnected (any cause): what it held is released. */
  default void disconnected(Socket socket) {}

  /**
   * A recovered socket is back in its rooms, but the streams behind them may have been released
   * while it was away: follow them again.
   */
  default void resume(Socket socket) {}
}
