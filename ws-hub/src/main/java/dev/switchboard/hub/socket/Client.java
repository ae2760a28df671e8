package dev.switchboard.hub.socket;

import dev.switchboard.hub.engine.EnginePacket;
import dev.switchboard.hub.engine.EngineProtocolException;
import dev.switchboard.hub.engine.EngineSocket;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Engine.IO connection seen from Socket.IO: it decodes packets, routes them to the socket of
 * their namespace, connects and refuses namespaces, and closes the connection on a protocol error
 * or when no namespace is joined within the connect timeout.
 */
final class Client implements EngineSocket.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(Client.class);

  private final SocketServer server;
  private final EngineSocket engine;

  /**
   * The packet decoder while a binary packet waits for its attachments; null otherwise (nearly
   * always): a text packet with none is decoded by a decoder made for it and dropped.
   */
  private PacketCodec.Decoder decoder;

  // Idle connections are the many, and the usual client is in one namespace: its socket is kept in
  // a field, and a map is made only for a second namespace.
  /** The socket of the first namespace joined; null while none. */
  private Socket first;

  /** The sockets of every other namespace, by name; null while none. */
  private Map<String, Socket> others;

  /**
   * Namespaces whose CONNECT is being checked by middleware; null while none (most of a
   * connection's life), rather than an empty set kept by every idle connection.
   */
  private Set<String> connecting;

  private long connectTimer;

  Client(SocketServer server, EngineSocket engine) {
    this.server = server;
    this.engine = engine;
    engine.listener(this);
    connectTimer =
        server
            .vertx()
            .setTimer(
                server.options().connectTimeout().toMillis(),
                t -> {
                  connectTimer = -1;
                  if (first == null && others == null) {
                    engine.close("connect timeout");
                  }
                });
  }

  EngineSocket engine() {
    return engine;
  }

  boolean isOpen() {
    return engine.isOpen();
  }

  boolean writable() {
    return engine.writable();
  }

  void send(List<EnginePacket> packets) {
    for (EnginePacket packet : packets) {
      engine.send(packet);
    }
  }

  @Override
  public void onMessage(EngineSocket socket, Object data) {
    SocketPacket packet;
    PacketCodec.Decoder current = decoder == null ? new PacketCodec.Decoder() : decoder;
    try {
      packet = data instanceof Buffer binary ? current.binary(binary) : current.text((String) data);
    } catch (EngineProtocolException e) {
      protocolError(e.getMessage());
      return;
    }
    decoder = current.waiting() ? current : null;
    if (packet != null) {
      onPacket(packet);
    }
  }

  private void onPacket(SocketPacket packet) {
    server.metrics().packetIn(packet.nsp());
    Socket socket = socket(packet.nsp());
    if (packet.type() == SocketPacket.CONNECT) {
      // socket.io-client sends a second CONNECT when connect() is called again before the first
      // is answered (an app that calls it with autoConnect on); the reference server takes it,
      // so it is answered, not fatal: once the first is answered, with the same socket
      if (socket != null) {
        connected(socket);
      } else if (!isConnecting(packet.nsp())) {
        connect(packet.nsp(), (JsonObject) packet.data());
      }
    } else if (socket != null) {
      socket.onPacket(packet);
    } else if (!isConnecting(packet.nsp())) {
      // a packet for a namespace this connection never joined: the reference server closes too
      protocolError("packet for unconnected namespace " + packet.nsp());
    }
  }

  private void connect(String name, JsonObject auth) {
    Namespace namespace = server.namespace(name);
    if (namespace == null) {
      sendConnectError(name, "Invalid namespace", null);
      return;
    }
    if (socketCount() + (connecting == null ? 0 : connecting.size())
        >= server.options().maxNamespacesPerClient()) {
      sendConnectError(
          name, "Too many namespaces", new JsonObject().put("code", "too_many_namespaces"));
      return;
    }
    if (connecting == null) {
      connecting = new HashSet<>(2);
    }
    connecting.add(name);
    namespace.connect(this, auth);
  }

  private boolean isConnecting(String name) {
    return connecting != null && connecting.contains(name);
  }

  private void connectingDone(String name) {
    if (connecting != null && connecting.remove(name) && connecting.isEmpty()) {
      connecting = null;
    }
  }

  /** The namespace accepted the socket: answer the CONNECT. */
  void connected(Socket socket) {
    String name = socket.namespace().name();
    connectingDone(name);
    put(name, socket);
    if (connectTimer >= 0) {
      server.vertx().cancelTimer(connectTimer);
      connectTimer = -1;
    }
    engine.established();
    JsonObject reply = new JsonObject().put("sid", socket.id());
    if (socket.pid() != null) {
      reply.put("pid", socket.pid());
    }
    send(PacketCodec.encode(new SocketPacket(SocketPacket.CONNECT, name, null, reply)));
  }

  /** The middleware refused: a CONNECT_ERROR with its message and data. */
  void refuse(String name, Throwable cause) {
    connectingDone(name);
    if (cause instanceof ConnectError error) {
      sendConnectError(name, error.getMessage(), error.data());
    } else {
      sendConnectError(name, "Internal error", null);
    }
  }

  private void sendConnectError(String name, String message, JsonObject data) {
    JsonObject payload = new JsonObject().put("message", message);
    if (data != null) {
      payload.put("data", data);
    }
    send(PacketCodec.encode(new SocketPacket(SocketPacket.CONNECT_ERROR, name, null, payload)));
  }

  void forget(Socket socket) {
    if (first == socket) {
      first = null;
    } else if (others != null
        && others.remove(socket.namespace().name(), socket)
        && others.isEmpty()) {
      others = null;
    }
  }

  private Socket socket(String name) {
    if (first != null && first.namespace().name().equals(name)) {
      return first;
    }
    return others == null ? null : others.get(name);
  }

  private void put(String name, Socket socket) {
    Socket previous = socket(name);
    if (previous == first && previous != null) {
      first = socket;
    } else if (previous == null && first == null) {
      first = socket;
    } else {
      if (others == null) {
        others = new HashMap<>(2);
      }
      others.put(name, socket);
    }
  }

  private int socketCount() {
    return (first == null ? 0 : 1) + (others == null ? 0 : others.size());
  }

  void protocolError(String reason) {
    LOG.debug("closing connection {}: {}", engine.id(), reason);
    server.metrics().dropped("protocol");
    engine.close("parse error");
  }

  @Override
  public void onClose(EngineSocket socket, String reason) {
    if (reason.equals("slow consumer")) {
      server.metrics().dropped("slow_consumer");
    }
    if (connectTimer >= 0) {
      server.vertx().cancelTimer(connectTimer);
    }
    List<Socket> all = new ArrayList<>(socketCount());
    if (first != null) {
      all.add(first);
    }
    if (others != null) {
      all.addAll(others.values());
    }
    first = null;
    others = null;
    for (Socket each : all) {
      each.onClose(reason);
    }
  }
}
