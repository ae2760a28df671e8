package dev.switchboard.hub.socket;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The recovery buffer: what a returning client gets, and when it can no longer be served. */
class RecoveryTest {

  private static final long NOW = 1_000_000;

  private final Recovery recovery = new Recovery(60_000, 3);

  private static String offsetOf(JsonArray eventWithOffset) {
    return eventWithOffset.getString(eventWithOffset.size() - 1);
  }

  private void dropped(String pid, String... rooms) {
    recovery.persist(new Recovery.Session("sid-" + pid, pid, Set.of(rooms), Map.of(), NOW));
  }

  private JsonArray broadcast(String room, int n) {
    return recovery.record(
        Set.of(room),
        Set.of(),
        new JsonArray().add("news").add(new JsonObject().put("n", n)),
        NOW,
        null);
  }

  private JsonArray greeting() {
    return recovery.stamp(new JsonArray().add("connected").add(new JsonObject()));
  }

  @Test
  void greetingsCarryAnOffsetButDoNotCrowdBroadcastsOut() {
    String seen = offsetOf(greeting());
    dropped("p", "sid-p", "room");
    JsonArray missed = broadcast("room", 1);
    for (int i = 0; i < 10; i++) {
      greeting(); // a reconnect storm: every other client greeted while this one was away
    }

    Recovery.Restored restored = recovery.restore("p", seen, NOW + 1_000);
    assertThat(restored).as("recovered from the offset of its own greeting").isNotNull();
    assertThat(restored.missed()).containsExactly(missed);
  }

  @Test
  void aClientCannotRecoverOnceABroadcastItMissedWasEvicted() {
    String seen = offsetOf(broadcast("room", 0));
    dropped("p", "sid-p", "room");
    for (int n = 1; n <= 4; n++) {
      broadcast("elsewhere", n); // the buffer keeps 3: the first one after `seen` is gone
    }
    assertThat(recovery.restore("p", seen, NOW + 1_000)).isNull();
  }

  @Test
  void aClientRecoversWithNothingMissedAndOnlyTheBroadcastsForItsRooms() {
    String seen = offsetOf(broadcast("room", 0));
    dropped("p", "sid-p", "room");
    dropped("q", "sid-q", "room");
    assertThat(recovery.restore("p", seen, NOW + 1_000).missed()).isEmpty();

    JsonArray forQ = broadcast("room", 1);
    broadcast("elsewhere", 2);
    assertThat(recovery.restore("q", seen, NOW + 1_000).missed()).containsExactly(forQ);
  }

  @Test
  void offsetsFromTheFutureOrAnotherServerAndLateReturnsAreRefused() {
    String seen = offsetOf(broadcast("room", 0));
    dropped("p", "sid-p", "room");
    String epoch = seen.substring(0, seen.indexOf('-'));
    assertThat(recovery.restore("p", epoch + "-zz", NOW))
        .as("an offset not given out yet")
        .isNull();

    dropped("p", "sid-p", "room");
    assertThat(recovery.restore("p", "other-1", NOW)).as("another server's offset").isNull();

    dropped("p", "sid-p", "room");
    assertThat(recovery.restore("p", seen, NOW + 60_001)).as("past the window").isNull();
  }
}
