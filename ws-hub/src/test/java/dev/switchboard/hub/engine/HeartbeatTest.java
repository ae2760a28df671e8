package dev.switchboard.hub.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The heartbeat's one timer: armed for the earliest deadline, re-armed when it fires or when a
 * nearer deadline appears, never firing before a deadline; pong deadlines counted from when the
 * ping was due; and a catch-up that closes an overdue session before the timer gets to it. The
 * clock and the timer are driven by hand; the sessions are real (polling, so a ping waits in them).
 */
class HeartbeatTest {

  private static final long MS = 1_000_000;
  private static final EngineOptions OPTIONS =
      EngineOptions.defaults("/engine.io/")
          .withHeartbeat(Duration.ofMillis(300), Duration.ofMillis(200));

  private static Vertx vertx;
  private static EngineServer server;

  /** Any origin: nanoTime's is arbitrary, and wraps. */
  private long now = Long.MAX_VALUE - 400 * MS;

  private final HandTimers timers = new HandTimers();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = new EngineServer(vertx, OPTIONS, socket -> {});
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  void theTimerIsArmedForTheFirstDeadlineAndLaterSessionsDoNotTouchIt() {
    Heartbeat heartbeat = heartbeat(OPTIONS);
    heartbeat.schedulePing(session());
    now += 5 * MS;
    heartbeat.schedulePing(session());

    assertThat(timers.armed).hasSize(1);
    assertThat(timers.waiting().delayMillis).isEqualTo(300);
  }

  @Test
  void aFiringPingsTheDueSessionsAndArmsForTheNextDeadline() {
    Heartbeat heartbeat = heartbeat(OPTIONS);
    long opened = now;
    EngineSocket first = session();
    heartbeat.schedulePing(first);
    now += 50 * MS;
    EngineSocket second = session();
    heartbeat.schedulePing(second);

    now = opened + 300 * MS;
    timers.fire();

    assertThat(first.heartbeatDue).as("pinged: its pong is awaited").isEqualTo(opened + 500 * MS);
    assertThat(second.heartbeatDue).as("not due yet").isEqualTo(opened + 350 * MS);
    assertThat(timers.waiting().delayMillis)
        .as("armed for the second session's ping")
        .isEqualTo(50);
  }

  @Test
  void thePongDeadlineCountsFromWhenThePingWasDueNotFromWhenTheTimerFired() {
    Heartbeat heartbeat = heartbeat(OPTIONS);
    long opened = now;
    EngineSocket session = session();
    heartbeat.schedulePing(session);

    now = opened + 307 * MS;
    timers.fire();
    assertThat(timers.waiting().delayMillis).as("armed for open + 500 ms").isEqualTo(193);

    now = opened + 500 * MS - 1;
    heartbeat.catchUp();
    assertThat(session.isOpen()).as("a nanosecond before the deadline").isTrue();

    now = opened + 500 * MS;
    timers.fire();
    assertThat(session.isOpen()).as("at the deadline").isFalse();
  }

  @Test
  void aDeadlineNearerThanTheArmedOneReArmsTheTimer() {
    Heartbeat heartbeat =
        heartbeat(
            EngineOptions.defaults("/engine.io/")
                .withHeartbeat(Duration.ofMillis(100), Duration.ofMillis(1_000)));
    long opened = now;
    heartbeat.schedulePing(session());
    now = opened + 100 * MS;
    timers.fire();
    HandTimers.Armed timeout = timers.waiting();
    assertThat(timeout.delayMillis)
        .as("armed for the first session's pong deadline")
        .isEqualTo(1_000);

    now = opened + 200 * MS;
    heartbeat.schedulePing(session());

    assertThat(timeout.cancelled).isTrue();
    assertThat(timers.waiting().delayMillis).as("armed for the new session's ping").isEqualTo(100);
  }

  @Test
  void aHeadThatLeavesCostsOneEarlyFiringWhichReArmsForTheNextDeadline() {
    Heartbeat heartbeat = heartbeat(OPTIONS);
    long opened = now;
    EngineSocket first = session();
    heartbeat.schedulePing(first);
    now = opened + 50 * MS;
    EngineSocket second = session();
    heartbeat.schedulePing(second);
    now = opened + 100 * MS;
    heartbeat.schedulePing(first);
    assertThat(timers.armed).as("a later deadline leaves the timer alone").hasSize(1);

    now = opened + 300 * MS;
    timers.fire();

    assertThat(first.heartbeatDue).isEqualTo(opened + 400 * MS);
    assertThat(second.heartbeatDue).isEqualTo(opened + 350 * MS);
    assertThat(timers.waiting().delayMillis).isEqualTo(50);
  }

  @Test
  void aCatchUpClosesASessionAtItsDeadlineBeforeTheTimerFires() {
    Heartbeat heartbeat = heartbeat(OPTIONS);
    long opened = now;
    EngineSocket session = session();
    heartbeat.schedulePing(session);
    now = opened + 300 * MS;
    timers.fire();

    now = opened + 500 * MS;
    heartbeat.catchUp();

    assertThat(session.isOpen()).isFalse();
    assertThat(timers.waiting().fired).as("the timer had not fired").isFalse();
  }

  @Test
  void aDelayIsRoundedUpToTheMillisecondSoTheTimerNeverFiresBeforeTheDeadline() {
    Heartbeat heartbeat =
        heartbeat(
            EngineOptions.defaults("/engine.io/")
                .withHeartbeat(Duration.ofNanos(300 * MS + 1), Duration.ofMillis(200)));
    heartbeat.schedulePing(session());

    assertThat(timers.waiting().delayMillis).isEqualTo(301);
  }

  @Test
  void stoppingCancelsTheTimer() {
    Heartbeat heartbeat = heartbeat(OPTIONS);
    heartbeat.schedulePing(session());

    heartbeat.stop();

    assertThat(timers.armed.get(0).cancelled).isTrue();
  }

  private Heartbeat heartbeat(EngineOptions options) {
    return new Heartbeat(timers, () -> now, options);
  }

  private static EngineSocket session() {
    return new EngineSocket(EngineServer.newId(), server, "", "");
  }

  /** Timers that fire when the test says so. */
  private static final class HandTimers implements Heartbeat.Timers {

    static final class Armed {
      final long delayMillis;
      final Handler<Long> handler;
      boolean cancelled;
      boolean fired;

      Armed(long delayMillis, Handler<Long> handler) {
        this.delayMillis = delayMillis;
        this.handler = handler;
      }
    }

    final List<Armed> armed = new ArrayList<>();

    @Override
    public long setTimer(long delayMillis, Handler<Long> handler) {
      armed.add(new Armed(delayMillis, handler));
      return armed.size() - 1;
    }

    @Override
    public void cancelTimer(long id) {
      armed.get((int) id).cancelled = true;
    }

    /** The last timer armed, which must be the only one still waiting. */
    Armed waiting() {
      Armed last = armed.get(armed.size() - 1);
      assertThat(armed.stream().filter(timer -> !timer.cancelled && !timer.fired))
          .as("timers waiting")
          .containsExactly(last);
      return last;
    }

    void fire() {
      Armed timer = waiting();
      timer.fired = true;
      timer.handler.handle((long) armed.indexOf(timer));
    }
  }
}
