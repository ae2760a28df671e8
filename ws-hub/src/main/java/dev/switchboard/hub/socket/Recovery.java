package dev.switchboard.hub.socket;

import io.vertx.core.json.JsonArray;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Connection-state recovery of one namespace, as socket.io 4.6+ does it: every broadcast event gets
 * an offset appended as its last argument; a socket that drops keeps its session (id, rooms) for
 * {@code maxDisconnection}; a client that reconnects with its {@code pid} and the last offset it
 * saw gets the same id and rooms back, then every broadcast it missed. The broadcasts are kept for
 * the same duration, and at most {@code maxPackets} of them, so memory stays bounded.
 */
final class Recovery {

  /** A dropped socket's session. */
  record Session(
      String sid, String pid, Set<String> rooms, Map<String, Object> data, long droppedAt) {}

  /**
   * A recorded broadcast: where it went and its data, offset included; {@code emitId} names an emit
   * every hub of a cluster delivers (null for the hub's own events).
   */
  private record Sent(
      long offset, long at, Set<String> rooms, Set<String> except, JsonArray data, String emitId) {}

  /** What a recovered socket gets back. */
  record Restored(Session session, List<JsonArray> missed) {}

  private final long maxDisconnectionMillis;
  private final int maxPackets;

  /**
   * Offsets are "epoch-counter": a client coming back to another server start or node never
   * matches.
   */
  private final String epoch;

  private long counter;

  /** The offset of the newest broadcast no longer kept (0: none evicted yet). */
  private long evictedThrough;

  private final ArrayDeque<Sent> sent = new ArrayDeque<>();
  private final Map<String, Session> sessions = new HashMap<>();

  Recovery(long maxDisconnectionMillis, int maxPackets) {
    this(maxDisconnectionMillis, maxPackets, Long.toString(System.nanoTime() & 0xffffffL, 36));
  }

  /**
   * @param epoch the first part of every offset: another hub's, or this hub's after a restart,
   *     never matches
   */
  Recovery(long maxDisconnectionMillis, int maxPackets, String epoch) {
    this.maxDisconnectionMillis = maxDisconnectionMillis;
    this.maxPackets = maxPackets;
    this.epoch = epoch;
  }

  /** Records a broadcast and returns its data with the offset appended. */
  JsonArray record(
      Set<String> rooms, Set<String> except, JsonArray eventAndArgs, long now, String emitId) {
    long offset = ++counter;
    JsonArray data = eventAndArgs.copy().add(offsetString(offset));
    sent.addLast(new Sent(offset, now, rooms, except, data, emitId));
    expirePackets(now);
    return data;
  }

  String epoch() {
    return epoch;
  }

  /** The offset of the newest broadcast recorded or stamped. */
  long lastOffset() {
    return counter;
  }

  /**
   * The emits every hub delivers (those with an id) recorded here since {@code since} whose id is
   * not in {@code seen} and that reach {@code rooms}: what a client of another hub missed after
   * that hub stopped recording.
   */
  List<JsonArray> emitsNotIn(Set<String> seen, long since, Set<String> rooms) {
    List<JsonArray> missed = new ArrayList<>();
    for (Sent packet : sent) {
      if (packet.emitId != null
          && packet.at >= since
          && !seen.contains(packet.emitId)
          && reaches(packet.rooms, packet.except, rooms)) {
        missed.add(packet.data);
      }
    }
    return missed;
  }

  /**
   * Appends an offset to an event meant for one connection only (its greeting), without keeping it:
   * a connection that recovers gets a greeting of its own rather than the old one. The offset still
   * lets a client that has seen nothing else recover; kept, ten thousand greetings of a reconnect
   * storm would push the broadcasts out of the buffer.
   */
  JsonArray stamp(JsonArray eventAndArgs) {
    return eventAndArgs.add(offsetString(++counter));
  }

  private String offsetString(long offset) {
    return epoch + "-" + Long.toString(offset, 36);
  }

  void persist(Session session) {
    sessions.put(session.pid(), session);
  }

  /**
   * The session of {@code pid} with what it missed after {@code offset}, or null when it cannot be
   * recovered.
   */
  Restored restore(String pid, String offset, long now) {
    expirePackets(now);
    Session session = sessions.remove(pid);
    if (session != null && session.droppedAt() < now - maxDisconnectionMillis) {
      session = null;
    }
    long last = parse(offset);
    if (session == null || last < 0 || !covers(last)) {
      return null;
    }
    List<JsonArray> missed = new ArrayList<>();
    for (Sent packet : sent) {
      if (packet.offset > last && reaches(packet.rooms, packet.except, session.rooms())) {
        missed.add(packet.data);
      }
    }
    return new Restored(session, missed);
  }

  /** Whether every broadcast after {@code last} is still kept (none has been evicted past it). */
  private boolean covers(long last) {
    return last >= evictedThrough && last <= counter;
  }

  /** Whether a broadcast to {@code to} except {@code except} reaches a socket in {@code rooms}. */
  static boolean reaches(Set<String> to, Set<String> except, Set<String> rooms) {
    for (String excluded : except) {
      if (rooms.contains(excluded)) {
        return false;
      }
    }
    if (to.isEmpty()) {
      return true;
    }
    for (String room : to) {
      if (rooms.contains(room)) {
        return true;
      }
    }
    return false;
  }

  private long parse(String offset) {
    if (offset == null || !offset.startsWith(epoch + "-")) {
      return -1;
    }
    return counterOf(offset);
  }

  /** The epoch of an offset, this hub's or another's; null when it is not an offset. */
  static String epochOf(String offset) {
    int dash = offset.lastIndexOf('-');
    return dash <= 0 ? null : offset.substring(0, dash);
  }

  /** The counter of an offset, this hub's or another's; -1 when it is not an offset. */
  static long counterOf(String offset) {
    int dash = offset.lastIndexOf('-');
    try {
      return dash < 0 ? -1 : Long.parseLong(offset.substring(dash + 1), 36);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void expirePackets(long now) {
    long horizon = now - maxDisconnectionMillis;
    while (!sent.isEmpty() && (sent.size() > maxPackets || sent.peekFirst().at < horizon)) {
      evictedThrough = sent.removeFirst().offset;
    }
  }

  /** Forgets sessions and broadcasts past the horizon; called now and then, not per packet. */
  void purge(long now) {
    expirePackets(now);
    long horizon = now - maxDisconnectionMillis;
    sessions.values().removeIf(session -> session.droppedAt() < horizon);
  }

  int sessionCount() {
    return sessions.size();
  }
}
