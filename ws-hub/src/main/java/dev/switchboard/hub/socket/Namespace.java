package dev.switchboard.hub.socket;

import dev.switchboard.hub.engine.EnginePacket;
import dev.switchboard.hub.engine.EngineServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A Socket.IO namespace: its middleware (run on every CONNECT), its sockets and rooms, and
 * broadcasts, which encode each packet once for all recipients.
 */
public final class Namespace {

  private final String name;
  private final SocketServer server;
  private final List<Function<Handshake, Future<Void>>> middleware = new ArrayList<>();
  private final Map<String, Socket> sockets = new LinkedHashMap<>();
  private final Map<String, Set<Socket>> rooms = new HashMap<>();
  private final Recovery recovery;

  /**
   * The cluster's copy of {@link #recovery}; null when recovery is off or kept on this hub only.
   */
  private final ClusterRecovery cluster;

  private final List<Consumer<Socket>> connectionHandlers = new ArrayList<>();
  private final List<BiConsumer<Socket, String>> disconnectionHandlers = new ArrayList<>();

  Namespace(String name, SocketServer server) {
    this.name = name;
    this.server = server;
    SocketOptions options = server.options();
    long window = options.maxDisconnectionDuration().toMillis();
    if (!options.recovery()) {
      this.recovery = null;
      this.cluster = null;
    } else if (options.recoveryInCluster()) {
      this.recovery = new Recovery(window, options.recoveryBufferPackets(), server.engine().node());
      this.cluster =
          new ClusterRecovery(
              server.vertx(),
              server.metrics(),
              name,
              recovery,
              window,
              options.recoveryBufferPackets());
    } else {
      this.recovery = new Recovery(window, options.recoveryBufferPackets());
      this.cluster = null;
    }
  }

  public String name() {
    return name;
  }

  /** Adds a check every connection must pass; fail it with a {@link ConnectError} to refuse. */
  public Namespace use(Function<Handshake, Future<Void>> check) {
    middleware.add(check);
    return this;
  }

  /** Adds a handler for each new socket; handlers run in the order they were added. */
  public Namespace onConnection(Consumer<Socket> handler) {
    connectionHandlers.add(handler);
    return this;
  }

  /**
   * Adds a handler that hears, once per socket, that a socket of this namespace disconnected and
   * why: one handler for every socket, where {@link Socket#onDisconnect} keeps one per socket (idle
   * sockets are the many). Handlers run in the order they were added, before the socket's own.
   */
  public Namespace onDisconnection(BiConsumer<Socket, String> handler) {
    disconnectionHandlers.add(handler);
    return this;
  }

  void disconnected(Socket socket, String reason) {
    for (BiConsumer<Socket, String> handler : disconnectionHandlers) {
      handler.accept(socket, reason);
    }
  }

  public int size() {
    return sockets.size();
  }

  /** The sockets connected now, in a copy the caller may disconnect them from. */
  public List<Socket> sockets() {
    return List.copyOf(sockets.values());
  }

  /** How many sockets are in a room now. */
  public int roomSize(String room) {
    return members(room).size();
  }

  /**
   * The sockets in a room: those that joined it, and the socket whose own room it is (a socket's
   * own room is not indexed, see {@link Socket}).
   */
  private Collection<Socket> members(String room) {
    Set<Socket> members = rooms.get(room);
    Socket owner = sockets.get(room);
    if (owner == null) {
      return members == null ? Set.of() : members;
    }
    if (members == null) {
      return List.of(owner);
    }
    Set<Socket> all = new LinkedHashSet<>(members);
    all.add(owner);
    return all;
  }

  // ---- broadcasting ----

  /** Emits to every socket of the namespace; answers how many sockets it went to. */
  public int emit(String event, Object... args) {
    return broadcast(Set.of(), Set.of(), false, Socket.eventArray(event, args));
  }

  /** Emits to the sockets in {@code room}. */
  public int emitTo(String room, String event, Object... args) {
    return broadcast(Set.of(room), Set.of(), false, Socket.eventArray(event, args));
  }

  /**
   * Sends an event to the sockets in any of {@code toRooms} (every socket when empty) and in none
   * of {@code except}. A volatile event skips sockets whose transport is backed up, and is not kept
   * for recovery.
   */
  public int broadcast(
      Set<String> toRooms, Set<String> except, boolean isVolatile, JsonArray eventAndArgs) {
    return broadcast(toRooms, except, isVolatile, eventAndArgs, null);
  }

  /**
   * As {@link #broadcast(Set, Set, boolean, JsonArray)}, for an emit every hub of a cluster
   * delivers, named by {@code emitId} (the same on every hub), so that a client recovering on
   * another hub gets it once.
   */
  public int broadcast(
      Set<String> toRooms,
      Set<String> except,
      boolean isVolatile,
      JsonArray eventAndArgs,
      String emitId) {
    JsonArray data;
    if (recovery != null && !isVolatile) {
      long now = System.currentTimeMillis();
      data = recovery.record(toRooms, except, eventAndArgs, now, emitId);
      if (cluster != null) {
        cluster.recorded(toRooms, except, data, emitId, now);
      }
    } else {
      data = eventAndArgs;
    }
    List<EnginePacket> encoded = PacketCodec.encode(SocketPacket.event(name, data, null));
    int recipients = 0;
    for (Socket socket : targets(toRooms, except)) {
      if (isVolatile && !socket.client().writable()) {
        server.metrics().dropped("volatile");
        continue;
      }
      socket.client().send(encoded);
      recipients++;
    }
    server.metrics().packetOut(name, recipients);
    return recipients;
  }

  private Collection<Socket> targets(Set<String> toRooms, Set<String> except) {
    Collection<Socket> targets;
    if (toRooms.isEmpty()) {
      targets = sockets.values();
    } else if (toRooms.size() == 1) {
      targets = members(toRooms.iterator().next());
    } else {
      Set<Socket> union = new LinkedHashSet<>();
      toRooms.forEach(room -> union.addAll(members(room)));
      targets = union;
    }
    if (except.isEmpty()) {
      // a copy: sending may close a slow consumer, which leaves its rooms
      return new ArrayList<>(targets);
    }
    List<Socket> kept = new ArrayList<>();
    for (Socket socket : targets) {
      if (except.stream().noneMatch(socket::inRoom)) {
        kept.add(socket);
      }
    }
    return kept;
  }

  // ---- connecting ----

  /**
   * Runs the middleware and connects, restoring a recovered session when the client brings one. The
   * middleware runs for a recovering client too (unlike socket.io's default, {@code
   * skipMiddlewares}): the credential it connects with again is checked again, so a token revoked
   * while the client was away does not come back with its session. The session is looked up once
   * the middleware has passed, so that it holds every broadcast sent until then.
   */
  void connect(Client client, JsonObject auth) {
    JsonObject payload = auth == null ? new JsonObject() : auth;
    Handshake handshake = handshake(client, payload);
    Future<Void> checks = Future.succeededFuture();
    for (Function<Handshake, Future<Void>> check : middleware) {
      checks = checks.compose(v -> check.apply(handshake));
    }
    checks.onComplete(
        result -> {
          if (!client.isOpen()) {
            return;
          }
          if (result.failed()) {
            client.refuse(name, result.cause());
          } else {
            admitted(client, payload, handshake);
          }
        });
  }

  /** The middleware passed: the client's session restored if it brings one that is kept. */
  private void admitted(Client client, JsonObject payload, Handshake handshake) {
    Recovery.Restored restored = recovery == null ? null : restore(payload);
    if (restored != null) {
      resume(client, handshake, restored);
      return;
    }
    if (cluster != null
        && payload.getValue("pid") instanceof String pid
        && payload.getValue("offset") instanceof String offset) {
      // left on another hub, maybe: the cluster has its session and what it missed
      cluster
          .restore(pid, offset)
          .onComplete(
              fromCluster -> {
                if (!client.isOpen()) {
                  return;
                }
                if (fromCluster.succeeded() && fromCluster.result() != null) {
                  resume(client, handshake, fromCluster.result());
                } else {
                  fresh(client, handshake);
                }
              });
      return;
    }
    fresh(client, handshake);
  }

  private void resume(Client client, Handshake handshake, Recovery.Restored restored) {
    server.metrics().recovered(name);
    Recovery.Session session = restored.session();
    Socket socket = new Socket(session.sid(), session.pid(), this, client, handshake, true);
    if (!session.data().isEmpty()) {
      socket.data().putAll(session.data());
    }
    accept(client, socket, session.rooms());
    restored.missed().forEach(missed -> socket.send(SocketPacket.event(name, missed, null)));
  }

  private void fresh(Client client, Handshake handshake) {
    String pid = recovery == null ? null : SocketServer.newId();
    accept(client, new Socket(SocketServer.newId(), pid, this, client, handshake, false), Set.of());
  }

  private Recovery.Restored restore(JsonObject auth) {
    Object pid = auth.getValue("pid");
    Object offset = auth.getValue("offset");
    if (!(pid instanceof String p) || !(offset instanceof String o)) {
      return null;
    }
    return recovery.restore(p, o, System.currentTimeMillis());
  }

  private Handshake handshake(Client client, JsonObject auth) {
    JsonObject clean = auth.copy();
    clean.remove("pid");
    clean.remove("offset");
    return new Handshake(clean, client.engine());
  }

  private void accept(Client client, Socket socket, Set<String> restoredRooms) {
    sockets.put(socket.id(), socket);
    restoredRooms.forEach(socket::join);
    if (cluster != null) {
      cluster.changed(socket);
    }
    client.connected(socket);
    connectionHandlers.forEach(handler -> handler.accept(socket));
    socket.handshake().settle();
  }

  /** Makes every socket leave {@code room} (its stream ended, say). */
  public void clearRoom(String room) {
    Set<Socket> members = rooms.get(room);
    if (members != null) {
      new ArrayList<>(members).forEach(socket -> socket.leave(room));
    }
  }

  /** Whether broadcasts are kept for recovery, so that direct emits must go through them too. */
  boolean recovers() {
    return recovery != null;
  }

  /** An event for one connection only, with a recovery offset when recovery is on; not kept. */
  JsonArray stamp(JsonArray eventAndArgs) {
    return recovery == null ? eventAndArgs : recovery.stamp(eventAndArgs);
  }

  void addToRoom(String room, Socket socket) {
    rooms.computeIfAbsent(room, r -> new LinkedHashSet<>()).add(socket);
    if (cluster != null) {
      cluster.changed(socket);
    }
  }

  void removeFromRoom(String room, Socket socket) {
    Set<Socket> members = rooms.get(room);
    if (members != null && members.remove(socket) && members.isEmpty()) {
      rooms.remove(room);
    }
    if (cluster != null) {
      cluster.changed(socket);
    }
  }

  /**
   * Called once a socket is gone: it leaves every room; a dropped one keeps its session for
   * recovery.
   */
  void remove(Socket socket, String reason) {
    sockets.remove(socket.id());
    for (String room : socket.joinedRooms()) {
      removeFromRoom(room, socket);
    }
    if (recovery != null && recoverable(reason)) {
      recovery.persist(
          new Recovery.Session(
              socket.id(),
              socket.pid(),
              Set.copyOf(socket.roomsView()),
              socket.dataView().isEmpty()
                  ? Map.of()
                  : Collections.unmodifiableMap(new HashMap<>(socket.dataView())),
              System.currentTimeMillis()));
    }
    if (cluster != null) {
      // a hub that stops hands its sockets over: they may come back on another hub
      cluster.removed(socket, recoverable(reason) || reason.equals(EngineServer.SHUTTING_DOWN));
    }
  }

  /** A transport that failed may come back; a deliberate disconnect, from either side, may not. */
  private static boolean recoverable(String reason) {
    return switch (reason) {
      case "transport close", "transport error", "ping timeout" -> true;
      default -> false;
    };
  }

  void purge(long now) {
    if (recovery != null) {
      recovery.purge(now);
    }
    if (cluster != null) {
      cluster.refresh(now);
    }
  }

  SocketOptions options() {
    return server.options();
  }

  SocketMetrics metrics() {
    return server.metrics();
  }

  Vertx vertx() {
    return server.vertx();
  }
}
