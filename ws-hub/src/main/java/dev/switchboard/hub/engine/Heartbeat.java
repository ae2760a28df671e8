package dev.switchboard.hub.engine;

import io.vertx.core.Vertx;

/**
 * The Engine.IO heartbeat of every session of a server, on one periodic timer instead of two
 * timers per session.
 *
 * <p>Why: a Vert.x timer costs a few hundred bytes while it waits (its handler, the context it
 * runs on, Netty's scheduled task, an entry in Vert.x's timer map), and every session always has
 * one waiting, re-created at each pong; with ten thousand idle sessions that is megabytes and four
 * hundred timer creations a second for nothing.
 *
 * <p>How: every session waits the same {@code pingInterval} after its open or its last pong, and
 * the same {@code pingTimeout} after a ping, so sessions fall due in the order they were queued.
 * Two intrusive FIFO lists (the links are fields of {@link EngineSocket}) hold them: sessions
 * waiting to be pinged and sessions waiting for a pong; a periodic sweep takes the due ones from
 * the heads. Rescheduling and closing unlink a session in constant time. The sweep runs every
 * twentieth of the shorter of the two durations (between 10 ms and 1 s), so a ping or a timeout
 * is at most that late.
 */
final class Heartbeat {

  private final Vertx vertx;
  private final long intervalNanos;
  private final long timeoutNanos;
  private final long timer;
  private final Queue waitingForPing = new Queue();
  private final Queue waitingForPong = new Queue();

  Heartbeat(Vertx vertx, EngineOptions options) {
    this.vertx = vertx;
    long intervalMillis = options.pingInterval().toMillis();
    long timeoutMillis = options.pingTimeout().toMillis();
    this.intervalNanos = intervalMillis * 1_000_000L;
    this.timeoutNanos = timeoutMillis * 1_000_000L;
    long tick = Math.max(10, Math.min(1_000, Math.min(intervalMillis, timeoutMillis) / 20));
    this.timer = vertx.setPeriodic(tick, id -> sweep(System.nanoTime()));
  }

  /** The session opened or answered a ping: its next ping is due one interval from now. */
  void schedulePing(EngineSocket session) {
    unlink(session);
    session.heartbeatDue = System.nanoTime() + intervalNanos;
    waitingForPing.append(session);
  }

  /** The session is gone: it leaves the heartbeat. */
  void remove(EngineSocket session) {
    unlink(session);
  }

  /** Stops the sweep (the server is closing). */
  void stop() {
    vertx.cancelTimer(timer);
  }

  void sweep(long now) {
    EngineSocket session;
    while ((session = waitingForPing.head) != null && session.heartbeatDue - now <= 0) {
      waitingForPing.unlink(session);
      session.heartbeatDue = now + timeoutNanos;
      waitingForPong.append(session);
      session.sendPing();
    }
    while ((session = waitingForPong.head) != null && session.heartbeatDue - now <= 0) {
      waitingForPong.unlink(session);
      session.close("ping timeout");
    }
  }

  private void unlink(EngineSocket session) {
    if (session.heartbeatQueue != null) {
      session.heartbeatQueue.unlink(session);
    }
  }

  /** A doubly linked FIFO list through {@link EngineSocket}'s heartbeat fields. */
  static final class Queue {
    private EngineSocket head;
    private EngineSocket tail;

    void append(EngineSocket session) {
      session.heartbeatQueue = this;
      session.heartbeatPrev = tail;
      session.heartbeatNext = null;
      if (tail == null) {
        head = session;
      } else {
        tail.heartbeatNext = session;
      }
      tail = session;
    }

    void unlink(EngineSocket session) {
      EngineSocket prev = session.heartbeatPrev;
      EngineSocket next = session.heartbeatNext;
      if (prev == null) {
        head = next;
      } else {
        prev.heartbeatNext = next;
      }
      if (next == null) {
        tail = prev;
      } else {
        next.heartbeatPrev = prev;
      }
      session.heartbeatPrev = null;
      session.heartbeatNext = null;
      session.heartbeatQueue = null;
    }
  }
}
