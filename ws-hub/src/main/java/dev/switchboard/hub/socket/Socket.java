package dev.switchboard.hub.socket;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A client's connection to one namespace: its id, its rooms, its event handlers, and the
 * acknowledgements it waits for in both directions. Lives on the hub's event loop.
 */
public final class Socket {

  /** Handles a client event; {@code ack} is null when the client asked for no acknowledgement. */
  public interface EventHandler {
    void handle(Socket socket, JsonArray args, Ack ack);
  }

  /** Answers a client's event; only the first call sends anything. */
  public interface Ack {
    void send(Object... args);
  }

  private final String id;
  private final String pid;
  private final Namespace namespace;
  private final Client client;
  private final Handshake handshake;
  private final boolean recovered;

  // Idle sockets are the many, so the collections start small or, when most sockets never need
  // them, absent. The socket's own room (its id) is implicit: it is in no set, here or in the
  // namespace's room index, which finds a socket by id instead.
  /** Rooms joined besides the socket's own; null while none. */
  private Set<String> joined;

  /**
   * The event handlers: a table shared with the namespace's other sockets (see {@link #onAll})
   * until {@link #on} adds one of the socket's own, then the socket's own copy.
   */
  private Map<String, EventHandler> handlers = Map.of();

  private boolean handlersShared = true;

  /**
   * This socket's own disconnect handlers; null while none (the hub's namespaces register theirs
   * once, with {@link Namespace#onDisconnection}).
   */
  private List<Consumer<String>> disconnectHandlers;

  /** Acknowledgements this socket waits for from its client; null while none. */
  private Map<Long, Promise<JsonArray>> pendingAcks;

  /** The application's per-socket state; null until {@link #data} is first asked for. */
  private Map<String, Object> data;

  private long nextAckId;
  private boolean connected = true;
  private double tokens;
  private long refilledAt;

  Socket(
      String id,
      String pid,
      Namespace namespace,
      Client client,
      Handshake handshake,
      boolean recovered) {
    this.id = id;
    this.pid = pid;
    this.namespace = namespace;
    this.client = client;
    this.handshake = handshake;
    this.recovered = recovered;
    this.tokens = namespace.options().eventBurst();
    this.refilledAt = System.nanoTime();
  }

  public String id() {
    return id;
  }

  String pid() {
    return pid;
  }

  public Namespace namespace() {
    return namespace;
  }

  public Handshake handshake() {
    return handshake;
  }

  /** Whether this socket came back through connection-state recovery, with its id and rooms. */
  public boolean recovered() {
    return recovered;
  }

  public boolean connected() {
    return connected;
  }

  /**
   * Per-socket state the application keeps (what it subscribed to, say); made at the first call,
   * since most idle sockets keep none.
   */
  public Map<String, Object> data() {
    if (data == null) {
      data = new HashMap<>(4);
    }
    return data;
  }

  /** The per-socket state as it is, without making it: empty when none was ever asked for. */
  Map<String, Object> dataView() {
    return data == null ? Map.of() : data;
  }

  /**
   * Who the socket speaks for, as the middleware that admitted it said ({@link
   * Handshake#principal(Object)}); null when it said nothing.
   */
  public Object principal() {
    return handshake.principal();
  }

  /** Every room the socket is in, its own (its id) included. */
  public Set<String> rooms() {
    return Set.copyOf(roomsView());
  }

  Client client() {
    return client;
  }

  /** Every room the socket is in, its own included; a new set. */
  Set<String> roomsView() {
    Set<String> all = new LinkedHashSet<>();
    all.add(id);
    if (joined != null) {
      all.addAll(joined);
    }
    return all;
  }

  /** The rooms joined besides the socket's own; the set itself, empty when none. */
  Set<String> joinedRooms() {
    return joined == null ? Set.of() : joined;
  }

  boolean inRoom(String room) {
    return room.equals(id) || joined != null && joined.contains(room);
  }

  public Socket on(String event, EventHandler handler) {
    if (handlersShared) {
      handlers = new HashMap<>(handlers);
      handlersShared = false;
    }
    handlers.put(event, handler);
    return this;
  }

  /**
   * Adds every handler of {@code table}, which must never change afterwards (an immutable map, say)
   * and is the same for many sockets: a socket without handlers yet keeps a reference to it instead
   * of a copy of its own. Idle sockets are the many, and a namespace's handlers are the same for
   * each; a later {@link #on} copies the table first, so no other socket sees that handler.
   */
  public Socket onAll(Map<String, EventHandler> table) {
    if (handlers.isEmpty()) {
      handlers = table;
      handlersShared = true;
    } else {
      table.forEach(this::on);
    }
    return this;
  }

  /**
   * Adds a handler that hears, once, why this socket disconnected; it runs after those of {@link
   * Namespace#onDisconnection}.
   */
  public Socket onDisconnect(Consumer<String> handler) {
    if (disconnectHandlers == null) {
      disconnectHandlers = new ArrayList<>(2);
    }
    disconnectHandlers.add(handler);
    return this;
  }

  // ---- rooms ----

  /**
   * Whether {@link #join} would succeed: the socket is in the room already, or below its cap of
   * rooms (its own room counts towards the cap).
   */
  public boolean mayJoin(String room) {
    return inRoom(room) || joinedRooms().size() + 1 < namespace.options().maxRoomsPerSocket();
  }

  /** Joins a room; false when the socket is already in as many rooms as it may be. */
  public boolean join(String room) {
    if (inRoom(room)) {
      return true;
    }
    if (!mayJoin(room)) {
      return false;
    }
    if (joined == null) {
      joined = new LinkedHashSet<>(4);
    }
    joined.add(room);
    namespace.addToRoom(room, this);
    return true;
  }

  public void leave(String room) {
    if (joined != null && !room.equals(id) && joined.remove(room)) {
      namespace.removeFromRoom(room, this);
    }
  }

  // ---- emitting ----

  /**
   * Emits to this socket. With recovery on it goes, as in socket.io, through a broadcast to the
   * socket's own room, so that it is kept and carries an offset like any other event.
   */
  public void emit(String event, Object... args) {
    if (namespace.recovers()) {
      namespace.broadcast(Set.of(id), Set.of(), false, eventArray(event, args));
    } else {
      send(SocketPacket.event(namespace.name(), eventArray(event, args), null));
    }
  }

  /**
   * Emits what concerns this connection only, such as a greeting: with recovery on it carries an
   * offset (so a client that has seen nothing else can still recover) but is not kept for replay,
   * since a recovered connection gets a greeting of its own.
   */
  public void emitToConnection(String event, Object... args) {
    send(SocketPacket.event(namespace.name(), namespace.stamp(eventArray(event, args)), null));
  }

  /**
   * Emits and waits for the client's acknowledgement; fails with a TimeoutException after {@code
   * timeout}.
   */
  public Future<JsonArray> emitWithAck(Duration timeout, String event, Object... args) {
    if (!connected) {
      return Future.failedFuture(new IllegalStateException("socket disconnected"));
    }
    long ackId = nextAckId++;
    Promise<JsonArray> promise = Promise.promise();
    if (pendingAcks == null) {
      pendingAcks = new HashMap<>(4);
    }
    pendingAcks.put(ackId, promise);
    Vertx vertx = namespace.vertx();
    long timer =
        vertx.setTimer(
            timeout.toMillis(),
            t -> {
              if (pendingAcks != null && pendingAcks.remove(ackId) != null) {
                promise.tryFail(
                    new TimeoutException(
                        "no acknowledgement of '"
                            + event
                            + "' within "
                            + timeout.toMillis()
                            + " ms"));
              }
            });
    send(SocketPacket.event(namespace.name(), eventArray(event, args), ackId));
    return promise.future().onComplete(r -> vertx.cancelTimer(timer));
  }

  static JsonArray eventArray(String event, Object... args) {
    JsonArray array = new JsonArray(new ArrayList<>(args.length + 1)).add(event);
    for (Object arg : args) {
      array.add(arg);
    }
    return array;
  }

  void send(SocketPacket packet) {
    if (connected) {
      client.send(PacketCodec.encode(packet));
    }
  }

  /** Ends this namespace connection from the server side; the Engine.IO session stays open. */
  public void disconnect() {
    if (connected) {
      send(new SocketPacket(SocketPacket.DISCONNECT, namespace.name(), null, null));
      client.forget(this);
      onClose("server namespace disconnect");
    }
  }

  // ---- receiving ----

  void onPacket(SocketPacket packet) {
    switch (packet.type()) {
      case SocketPacket.EVENT -> onEvent(packet);
      case SocketPacket.ACK -> {
        Promise<JsonArray> promise = pendingAcks == null ? null : pendingAcks.remove(packet.id());
        if (promise != null) {
          promise.tryComplete(packet.array());
        }
      }
      case SocketPacket.DISCONNECT -> {
        client.forget(this);
        onClose("client namespace disconnect");
      }
      default ->
          client.protocolError(
              "unexpected packet type " + packet.type() + " on " + namespace.name());
    }
  }

  private void onEvent(SocketPacket packet) {
    JsonArray array = packet.array();
    Ack ack = packet.id() == null ? null : acknowledger(packet.id());
    if (!takeToken()) {
      namespace.metrics().dropped("rate_limit");
      if (tokens < -namespace.options().eventBurst()) {
        disconnect();
        return;
      }
      if (ack != null) {
        ack.send(error("rate_limited", "too many events; slow down"));
      }
      return;
    }
    EventHandler handler = handlers.get(String.valueOf(array.getValue(0)));
    if (handler == null) {
      if (ack != null) {
        ack.send(
            error(
                "unknown_event",
                "no handler for '" + array.getValue(0) + "' on " + namespace.name()));
      }
      return;
    }
    JsonArray args = new JsonArray(new ArrayList<>(array.getList().subList(1, array.size())));
    handler.handle(this, args, ack);
  }

  /** {@code {ok:false, error:{code, message}}}, the hub's negative acknowledgement. */
  public static JsonObject error(String code, String message) {
    return new JsonObject()
        .put("ok", false)
        .put("error", new JsonObject().put("code", code).put("message", message));
  }

  private Ack acknowledger(long ackId) {
    boolean[] sent = {false};
    return args -> {
      if (!sent[0] && connected) {
        sent[0] = true;
        JsonArray array = new JsonArray(new ArrayList<>(args.length));
        for (Object arg : args) {
          array.add(arg);
        }
        client.send(
            PacketCodec.encode(new SocketPacket(SocketPacket.ACK, namespace.name(), ackId, array)));
      }
    };
  }

  /**
   * Token bucket: {@code eventsPerSecond} sustained, {@code eventBurst} at once; goes negative
   * while refused.
   */
  private boolean takeToken() {
    SocketOptions options = namespace.options();
    long now = System.nanoTime();
    tokens =
        Math.min(
            options.eventBurst(), tokens + (now - refilledAt) / 1e9 * options.eventsPerSecond());
    refilledAt = now;
    tokens -= 1;
    return tokens >= 0;
  }

  /**
   * The socket is gone (any cause): leave every room, fail pending acks, tell the handlers once.
   */
  void onClose(String reason) {
    if (!connected) {
      return;
    }
    connected = false;
    namespace.remove(this, reason);
    if (pendingAcks != null) {
      for (Promise<JsonArray> promise : pendingAcks.values()) {
        promise.tryFail(new IllegalStateException("socket disconnected: " + reason));
      }
      pendingAcks = null;
    }
    namespace.disconnected(this, reason);
    if (disconnectHandlers != null) {
      for (Consumer<String> handler : disconnectHandlers) {
        handler.accept(reason);
      }
    }
  }
}
