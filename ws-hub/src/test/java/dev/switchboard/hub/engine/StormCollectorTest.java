package dev.switchboard.hub.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.vertx.core.Handler;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The collector after a reconnect storm: one collection when a burst of at least 256 new sessions
 * has been followed by 5 s without one, none while sessions keep opening, none for bursts too small
 * or a trickle of connects, at most one per burst and never two within the minimum spacing. The
 * clock and the timers are driven by hand, the collection counted.
 */
class StormCollectorTest {

  private static final long MS = 1_000_000;

  private final SimulatedTime time = new SimulatedTime();
  private int collected;

  private final StormCollector collector =
      new StormCollector(
          time,
          () -> time.now,
          () -> collected++,
          256,
          Duration.ofSeconds(5),
          StormCollector.MIN_SPACING);

  @Test
  void aStormIsCollectedOnceWhenItIsOverAndNotBefore() {
    openSessions(1_000, 1); // 1,000 sessions in one second

    assertThat(collected).as("during the storm").isZero();
    time.advance(4_999);
    assertThat(collected).as("less than 5 s after the last connect").isZero();
    time.advance(1);
    assertThat(collected).as("5 s after the last connect").isEqualTo(1);
    time.advance(600_000);
    assertThat(collected).as("ten minutes later: once per burst").isEqualTo(1);
    assertThat(collector.collections()).isEqualTo(1);
  }

  @Test
  void theCollectionRunsWithTheSmallFreeMarginAndPutsTheRatiosBack() {
    HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    String min = vm.getVMOption("MinHeapFreeRatio").getValue();
    String max = vm.getVMOption("MaxHeapFreeRatio").getValue();
    List<String> during = new ArrayList<>();

    StormCollector.collectTightly(
        () -> {
          during.add(vm.getVMOption("MinHeapFreeRatio").getValue());
          during.add(vm.getVMOption("MaxHeapFreeRatio").getValue());
        });

    String tight = Integer.toString(StormCollector.FREE_RATIO_AFTER_STORM);
    assertThat(during)
        .as("min and max free ratio during the collection")
        .containsExactly(tight, tight);
    assertThat(vm.getVMOption("MinHeapFreeRatio").getValue()).isEqualTo(min);
    assertThat(vm.getVMOption("MaxHeapFreeRatio").getValue()).isEqualTo(max);

    assertThatThrownBy(
            () ->
                StormCollector.collectTightly(
                    () -> {
                      throw new IllegalStateException("collection failed");
                    }))
        .hasMessage("collection failed");
    assertThat(vm.getVMOption("MinHeapFreeRatio").getValue()).as("after a failure").isEqualTo(min);
    assertThat(vm.getVMOption("MaxHeapFreeRatio").getValue()).as("after a failure").isEqualTo(max);
  }

  @Test
  void aBurstTooSmallIsNotCollected() {
    openSessions(255, 1);
    time.advance(600_000);

    assertThat(collected).isZero();
  }

  @Test
  void aTrickleOfConnectsIsNoBurstHoweverManyItOpens() {
    // one session every 5 s: each gap ends the previous "burst" of one
    openSessions(2_000, 5_000);
    time.advance(600_000);

    assertThat(collected).isZero();
  }

  @Test
  void nothingIsCollectedWhileSessionsKeepOpening() {
    openSessions(300, 1);
    openSessions(1_000, 4_000); // steady connects, never 5 s apart, for more than an hour

    assertThat(collected).as("while they keep coming").isZero();
    time.advance(5_000);
    assertThat(collected).as("once they stopped").isEqualTo(1);
  }

  @Test
  void aSecondStormSoonAfterWaitsForTheMinimumSpacing() {
    long start = time.now;
    openSessions(500, 1);
    time.advance(5_000);
    assertThat(collected).isEqualTo(1);
    long firstCollection = time.now;

    time.advance(5_000);
    openSessions(500, 1);
    time.advance(5_000);
    assertThat(collected).as("5 s after the second storm, within 20 s of the first").isEqualTo(1);

    time.advanceTo(firstCollection + 20_000 * MS - MS);
    assertThat(collected).isEqualTo(1);
    time.advance(1);
    assertThat(collected).as("20 s after the first collection").isEqualTo(2);
    time.advance(600_000);
    assertThat(collected).isEqualTo(2);
    assertThat(time.now - start).isPositive();
  }

  @Test
  void aSmallBurstAfterALargeOneWaitingForItsSpacingDoesNotCancelIt() {
    openSessions(500, 1);
    time.advance(5_000);
    assertThat(collected).isEqualTo(1);
    openSessions(500, 1);
    time.advance(10_000); // the burst is over; its collection waits for the spacing
    openSessions(10, 1); // a few more, after a gap: the pending collection still comes

    time.advance(120_000);
    assertThat(collected).isEqualTo(2);
  }

  @Test
  void stopCancelsAPendingCollection() {
    openSessions(500, 1);
    collector.stop();
    time.advance(600_000);

    assertThat(collected).isZero();
    assertThat(time.waiting()).as("no timer left").isZero();
  }

  /** Opens {@code count} sessions, one every {@code gapMillis}. */
  private void openSessions(int count, long gapMillis) {
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        time.advance(gapMillis);
      }
      collector.opened();
    }
  }

  /** A clock and one-shot timers that fire, in order, as the clock is advanced by hand. */
  private static final class SimulatedTime implements Heartbeat.Timers {

    private record Timer(long id, long due, Handler<Long> handler) {}

    /** Any origin: nanoTime's is arbitrary, and wraps. */
    long now = Long.MAX_VALUE - 1_000 * MS;

    private final List<Timer> timers = new ArrayList<>();
    private long nextId;

    @Override
    public long setTimer(long delayMillis, Handler<Long> handler) {
      assertThat(delayMillis).isPositive();
      long id = nextId++;
      timers.add(new Timer(id, now + delayMillis * MS, handler));
      return id;
    }

    @Override
    public void cancelTimer(long id) {
      timers.removeIf(timer -> timer.id == id);
    }

    int waiting() {
      return timers.size();
    }

    void advance(long millis) {
      advanceTo(now + millis * MS);
    }

    void advanceTo(long target) {
      while (true) {
        Timer next = null;
        for (Timer timer : timers) {
          if (timer.due - target <= 0 && (next == null || timer.due - next.due < 0)) {
            next = timer;
          }
        }
        if (next == null) {
          break;
        }
        timers.remove(next);
        now = next.due;
        next.handler.handle(next.id);
      }
      now = target;
    }
  }
}
