package dev.switchboard.hub.engine;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.function.LongSupplier;

/**
 * The Engine.IO heartbeat of every session of a server, on one timer instead of two timers per
 * session.
 *
 * <p>Why: a Vert.x timer costs a few hundred bytes while it waits (its handler, the context it runs
 * on, Netty's scheduled task, an entry in Vert.x's timer map), and every session always has one
 * waiting, re-created at each pong; with ten thousand idle sessions that is megabytes for nothing.
 * Here one timer waits, whatever the number of sessions.
 *
 * <p>How: every session waits the same {@code pingInterval} after its open or its last pong, and
 * the same {@code pingTimeout} after its ping, so sessions fall due in the order they were queued.
 * Two intrusive FIFO lists (the links are fields of {@link EngineSocket}) hold them: sessions
 * waiting to be pinged and sessions waiting for a pong. Rescheduling and closing unlink a session
 * in constant time. The one timer is armed for the earlier of the two heads' deadlines; when it
 * fires, the due sessions are pinged or closed and it is armed for the next deadline. A new
 * deadline nearer than the armed one (a ping queued while only later timeouts wait) re-arms it; a
 * head that leaves (its pong came) costs one early firing, which finds nothing due and re-arms.
 *
 * <p>On time: a pong is due {@code pingTimeout} after its ping was due, however late the ping left,
 * so lateness never adds up (a client gives up about then too: {@code pingInterval + pingTimeout}
 * after the previous ping, or the open, if no ping came). The timer has millisecond resolution (it
 * fires in the millisecond after a deadline, which also lets deadlines a few microseconds apart
 * share a firing), and Netty reads a turn's I/O before it runs its timers; so that a request
 * arriving in between does not find the session as it was before its deadline, the server calls
 * {@link #catchUp()} before it looks a session up. A poll that comes at exactly {@code pingInterval
 * + pingTimeout} after the open therefore always finds the session closed.
 */
final class Heartbeat {

  /** The one timer: Vert.x's in the server, a hand-driven one in tests. */
  interface Timers {
    /** Runs {@code handler} once after {@code delayMillis}; answers the timer's id. */
    long setTimer(long delayMillis, Handler<Long> handler);

    void cancelTimer(long id);
  }

  private static final long NO_TIMER = -1;

  private final Timers timers;
  private final LongSupplier nanoClock;
  private final long intervalNanos;
  private final long timeoutNanos;
  private final Queue waitingForPing = new Queue();
  private final Queue waitingForPong = new Queue();
  private final Handler<Long> onTimer =
      id -> {
        timer = NO_TIMER;
        catchUp();
      };
  private long timer = NO_TIMER;

  /** The deadline the timer is armed for, while there is one. */
  private long armedFor;

  Heartbeat(Vertx vertx, EngineOptions options) {
    this(
        new Timers() {
          @Override
          public long setTimer(long delayMillis, Handler<Long> handler) {
            return vertx.setTimer(delayMillis, handler);
          }

          @Override
          public void cancelTimer(long id) {
            vertx.cancelTimer(id);
          }
        },
        System::nanoTime,
        options);
  }

  /**
   * @param nanoClock what {@link System#nanoTime()} is to the server
   */
  Heartbeat(Timers timers, LongSupplier nanoClock, EngineOptions options) {
    this.timers = timers;
    this.nanoClock = nanoClock;
    this.intervalNanos = options.pingInterval().toNanos();
    this.timeoutNanos = options.pingTimeout().toNanos();
  }

  /** The session opened or answered a ping: its next ping is due one interval from now. */
  void schedulePing(EngineSocket session) {
    unlink(session);
    session.heartbeatDue = nanoClock.getAsLong() + intervalNanos;
    waitingForPing.append(session);
    arm();
  }

  /** The session is gone: it leaves the heartbeat. */
  void remove(EngineSocket session) {
    unlink(session);
  }

  /** Stops the timer (the server is closing). */
  void stop() {
    if (timer != NO_TIMER) {
      timers.cancelTimer(timer);
      timer = NO_TIMER;
    }
  }

  /**
   * Pings the sessions whose ping is due and closes those whose pong is overdue, as of now; then
   * makes sure the timer is armed for the next deadline. The timer runs it, and the server before
   * it looks a session up.
   */
  void catchUp() {
    long now = nanoClock.getAsLong();
    EngineSocket session;
    while ((session = waitingForPing.head) != null && session.heartbeatDue - now <= 0) {
      waitingForPing.unlink(session);
      session.heartbeatDue += timeoutNanos;
      waitingForPong.append(session);
      session.sendPing();
    }
    while ((session = waitingForPong.head) != null && session.heartbeatDue - now <= 0) {
      waitingForPong.unlink(session);
      session.close("ping timeout");
    }
    arm();
  }

  /**
   * Arms the timer for the earliest deadline, unless it is armed for that one or an earlier one.
   */
  private void arm() {
    EngineSocket nextPing = waitingForPing.head;
    EngineSocket nextTimeout = waitingForPong.head;
    if (nextPing == null && nextTimeout == null) {
      return;
    }
    long earliest;
    if (nextPing == null) {
      earliest = nextTimeout.heartbeatDue;
    } else if (nextTimeout == null || nextPing.heartbeatDue - nextTimeout.heartbeatDue <= 0) {
      earliest = nextPing.heartbeatDue;
    } else {
      earliest = nextTimeout.heartbeatDue;
    }
    if (timer != NO_TIMER) {
      if (armedFor - earliest <= 0) {
        return;
      }
      timers.cancelTimer(timer);
    }
    armedFor = earliest;
    // rounded up: a timer never fires before its delay, so the deadline has passed when it does
    long delayMillis = Math.max(1, (earliest - nanoClock.getAsLong() + 999_999) / 1_000_000);
    timer = timers.setTimer(delayMillis, onTimer);
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
