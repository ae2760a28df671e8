package dev.switchboard.hub.socket;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Connection-state recovery of one namespace kept in the cluster as well as in the hub's own {@link
 * Recovery}, so that a client whose hub died (or stopped) recovers on another hub.
 *
 * <p>Two Vert.x shared-data maps (Hazelcast maps when clustered) per namespace:
 *
 * <ul>
 *   <li>{@code hub.recovery.packets.<namespace>.<epoch>}: each hub's recorded broadcasts by offset,
 *       written as they are recorded (no one waits for the write), each kept for the recovery
 *       window and at most {@code maxPackets} offsets back;
 *   <li>{@code hub.recovery.sessions.<namespace>}: every recoverable socket's session by pid (id,
 *       rooms, data, the epoch of its hub), written when it connects and when its rooms change
 *       (once per event-loop turn), rewritten every half window while it lives, removed when it
 *       disconnects for good, and kept for 1.5 windows at most, so that the session of a hub killed
 *       with {@code kill -9} is still there for the window.
 * </ul>
 *
 * <p>A client that comes back to another hub with its pid and an offset of the hub it was on gets
 * its session and, in order, the broadcasts that hub recorded after the offset, then the emits that
 * every hub delivers ({@code /emit}) which this hub recorded since then and that hub did not (those
 * sent after it died).
 */
final class ClusterRecovery {

  private static final String PACKETS = "hub.recovery.packets.";
  private static final String SESSIONS = "hub.recovery.sessions.";

  /**
   * How far back, before the last event the client saw, this hub's emits are compared with the
   * other hub's: emits reach hubs at slightly different times.
   */
  private static final long SKEW_MILLIS = 5_000;

  /**
   * Broadcast writes sent to the cluster and not answered yet, at most: past it a broadcast is not
   * written (and counted), so that a hub emitting faster than the cluster takes cannot pile up
   * writes without bound.
   */
  static final int MAX_WRITES_IN_FLIGHT = 10_000;

  private final Vertx vertx;
  private final SocketMetrics metrics;
  private final String namespace;
  private final Recovery local;
  private final long windowMillis;
  private final int maxPackets;
  private final Future<AsyncMap<Long, JsonObject>> packets;
  private final Future<AsyncMap<String, JsonObject>> sessions;
  private final Set<Socket> dirty = new LinkedHashSet<>();

  /** Live sockets: when each connected here and when its session was last written. */
  private final Map<Socket, long[]> written = new HashMap<>();

  private long writes;
  private int inFlight;

  ClusterRecovery(
      Vertx vertx,
      SocketMetrics metrics,
      String namespace,
      Recovery local,
      long windowMillis,
      int maxPackets) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.namespace = namespace;
    this.local = local;
    this.windowMillis = windowMillis;
    this.maxPackets = maxPackets;
    this.packets = vertx.sharedData().getAsyncMap(PACKETS + namespace + "." + local.epoch());
    this.sessions = vertx.sharedData().getAsyncMap(SESSIONS + namespace);
  }

  /** Writes to the cluster so far (broadcasts and sessions). */
  long writes() {
    return writes;
  }

  // ---- broadcasts ----

  /** A broadcast the local recovery just recorded with its newest offset. */
  void recorded(Set<String> rooms, Set<String> except, JsonArray data, String emitId, long now) {
    if (inFlight >= MAX_WRITES_IN_FLIGHT) {
      metrics.dropped("recovery_cluster");
      return;
    }
    long offset = local.lastOffset();
    JsonObject record =
        new JsonObject()
            .put("at", now)
            .put("rooms", new JsonArray(new ArrayList<>(rooms)))
            .put("except", new JsonArray(new ArrayList<>(except)))
            .put("data", data);
    if (emitId != null) {
      record.put("emit", emitId);
    }
    writes++;
    inFlight++;
    packets.onSuccess(
        map -> {
          map.put(offset, record, windowMillis).onComplete(done -> inFlight--);
          if (offset > maxPackets) {
            inFlight++;
            map.remove(offset - maxPackets).onComplete(done -> inFlight--);
          }
        });
  }

  // ---- sessions ----

  /** A socket connected or changed rooms: its session is written at the end of this turn. */
  void changed(Socket socket) {
    if (dirty.isEmpty()) {
      vertx.runOnContext(v -> flush());
    }
    dirty.add(socket);
  }

  private void flush() {
    long now = System.currentTimeMillis();
    for (Socket socket : dirty) {
      if (socket.connected()) {
        write(socket, now);
      }
    }
    dirty.clear();
  }

  private void write(Socket socket, long now) {
    long[] times = written.computeIfAbsent(socket, s -> new long[] {now, now});
    times[1] = now;
    put(socket.pid(), session(socket, times[0]), windowMillis + windowMillis / 2);
  }

  private JsonObject session(Socket socket, long since) {
    return new JsonObject()
        .put("sid", socket.id())
        .put("epoch", local.epoch())
        .put("rooms", new JsonArray(new ArrayList<>(socket.roomsView())))
        .put("data", SessionData.encode(socket.dataView()))
        .put("since", since);
  }

  private void put(String pid, JsonObject session, long ttl) {
    writes++;
    sessions.onSuccess(map -> map.put(pid, session, ttl));
  }

  /** A socket left: kept for the window when it may come back, else forgotten. */
  void removed(Socket socket, boolean recoverable) {
    dirty.remove(socket);
    long[] times = written.remove(socket);
    if (recoverable) {
      long now = System.currentTimeMillis();
      put(socket.pid(), session(socket, times == null ? now : times[0]), windowMillis);
    } else {
      writes++;
      sessions.onSuccess(map -> map.remove(socket.pid()));
    }
  }

  /** Rewrites the sessions of live sockets written more than half a window ago. */
  void refresh(long now) {
    for (Map.Entry<Socket, long[]> entry : new ArrayList<>(written.entrySet())) {
      if (entry.getValue()[1] < now - windowMillis / 2 && entry.getKey().connected()) {
        write(entry.getKey(), now);
      }
    }
  }

  // ---- restoring ----

  /**
   * The session of {@code pid}, left on another hub, with what the client missed after {@code
   * offset}; null when the cluster cannot recover it. The emits this hub recorded are read when the
   * answer arrives, so that the caller, which connects the socket on that turn, misses nothing in
   * between.
   */
  Future<Recovery.Restored> restore(String pid, String offset) {
    String epoch = Recovery.epochOf(offset);
    long last = Recovery.counterOf(offset);
    if (epoch == null || last < 0 || epoch.equals(local.epoch())) {
      return Future.succeededFuture();
    }
    return sessions
        .compose(map -> map.get(pid))
        .compose(
            session -> {
              if (session == null || !epoch.equals(session.getString("epoch"))) {
                return Future.succeededFuture();
              }
              return vertx
                  .sharedData()
                  .<Long, JsonObject>getAsyncMap(PACKETS + namespace + "." + epoch)
                  .compose(AsyncMap::entries)
                  .compose(
                      entries ->
                          sessions
                              .compose(map -> map.remove(pid))
                              .map(
                                  removed ->
                                      removed == null
                                          ? null
                                          : missed(pid, session, last, entries)));
            });
  }

  private Recovery.Restored missed(
      String pid, JsonObject session, long last, Map<Long, JsonObject> entries) {
    TreeMap<Long, JsonObject> sent = new TreeMap<>(entries);
    if (!sent.isEmpty() && last < sent.lastKey() - maxPackets) {
      // broadcasts after the client's offset may have been dropped: recovery cannot be complete
      return null;
    }
    Set<String> rooms = new LinkedHashSet<>();
    session.getJsonArray("rooms", new JsonArray()).forEach(room -> rooms.add((String) room));
    List<JsonArray> missed = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    long lastSeenAt = session.getLong("since", 0L);
    for (Map.Entry<Long, JsonObject> entry : sent.entrySet()) {
      JsonObject record = entry.getValue();
      if (record.getString("emit") != null) {
        seen.add(record.getString("emit"));
      }
      if (entry.getKey() <= last) {
        lastSeenAt = Math.max(lastSeenAt, record.getLong("at", 0L));
      } else if (Recovery.reaches(set(record, "rooms"), set(record, "except"), rooms)) {
        missed.add(record.getJsonArray("data"));
      }
    }
    missed.addAll(local.emitsNotIn(seen, lastSeenAt - SKEW_MILLIS, rooms));
    Recovery.Session restored =
        new Recovery.Session(
            session.getString("sid"),
            pid,
            rooms,
            SessionData.decode(session.getJsonObject("data", new JsonObject())),
            System.currentTimeMillis());
    return new Recovery.Restored(restored, missed);
  }

  private static Set<String> set(JsonObject record, String key) {
    Collection<Object> values = record.getJsonArray(key, new JsonArray()).getList();
    Set<String> set = new HashSet<>();
    values.forEach(value -> set.add((String) value));
    return set;
  }

  /** The application's per-socket data as JSON, and back; values of other types are left out. */
  static final class SessionData {

    private SessionData() {}

    static JsonObject encode(Map<String, Object> data) {
      JsonObject json = new JsonObject();
      data.forEach(
          (key, value) -> {
            Object encoded = encodeValue(value);
            if (encoded != null) {
              json.put(key, encoded);
            }
          });
      return json;
    }

    private static Object encodeValue(Object value) {
      if (value instanceof String
          || value instanceof Number
          || value instanceof Boolean
          || value instanceof JsonObject
          || value instanceof JsonArray) {
        return value;
      }
      if (value instanceof Enum<?> e) {
        return new JsonObject()
            .put("$enum", new JsonArray().add(e.getDeclaringClass().getName()).add(e.name()));
      }
      if (value instanceof Map<?, ?> map) {
        JsonObject entries = new JsonObject();
        map.forEach(
            (key, item) -> {
              Object encoded = encodeValue(item);
              if (key instanceof String name && encoded != null) {
                entries.put(name, encoded);
              }
            });
        return new JsonObject().put("$map", entries);
      }
      return null;
    }

    static Map<String, Object> decode(JsonObject json) {
      Map<String, Object> data = new HashMap<>();
      json.forEach(
          entry -> {
            Object decoded = decodeValue(entry.getValue());
            if (decoded != null) {
              data.put(entry.getKey(), decoded);
            }
          });
      return data;
    }

    private static Object decodeValue(Object value) {
      if (!(value instanceof JsonObject object)) {
        return value;
      }
      if (object.getValue("$enum") instanceof JsonArray named && object.size() == 1) {
        return enumValue(named.getString(0), named.getString(1));
      }
      if (object.getValue("$map") instanceof JsonObject entries && object.size() == 1) {
        Map<String, Object> map = new LinkedHashMap<>();
        entries.forEach(entry -> map.put(entry.getKey(), decodeValue(entry.getValue())));
        return map;
      }
      return object;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumValue(String className, String name) {
      try {
        Class<?> type = Class.forName(className, false, ClusterRecovery.class.getClassLoader());
        return type.isEnum() ? Enum.valueOf((Class<? extends Enum>) type, name) : null;
      } catch (ClassNotFoundException | IllegalArgumentException e) {
        return null;
      }
    }
  }
}
