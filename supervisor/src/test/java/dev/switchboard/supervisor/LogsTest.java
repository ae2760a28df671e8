package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.supervisor.logs.LogStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Output: stored, queried, streamed live, bounded when it floods, trimmed by retention. */
class LogsTest {

  @Test
  void aFloodIsStoredOrCountedAsDroppedAndTheSupervisorStaysResponsive() throws IOException {
    int total = 300_000;
    try (SupervisorFixture sup =
        new SupervisorFixture(
            new JsonObject().put("logs", new JsonObject().put("bufferLines", 5_000)))) {
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject()
              .put("name", "flood")
              .put("shell", true)
              .put(
                  "command",
                  "yes 'a line of output that is about sixty bytes long, give or take' | head -n "
                      + total)
              .put("restart", "no"));
      sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "flood"));
      // the event loop answers while the flood goes on
      for (int i = 0; i < 5; i++) {
        assertThat(
                sup.request(Addresses.SUPERVISOR_SERVICES_STATUS, new JsonObject())
                    .getJsonArray("services"))
            .hasSize(1);
      }
      sup.awaitState("flood", "stopped", Duration.ofSeconds(30));
      Pool pool = Database.pool(sup.vertx, sup.databaseUrl, 1, "test");
      try {
        LogStore store = new LogStore(pool);
        Eventually.within(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .untilAsserted(
                () -> {
                  LogStore.Accounting counted = store.accounting("service:flood").await();
                  assertThat(counted.stored() + counted.dropped())
                      .as("%s", counted)
                      .isEqualTo(total);
                });
      } finally {
        pool.close().await();
      }
    }
  }

  @Test
  void linesAreQueriedByStreamTextAndSeqAndFollowedLive() throws IOException {
    try (SupervisorFixture sup = new SupervisorFixture()) {
      List<JsonObject> live = new CopyOnWriteArrayList<>();
      sup.vertx
          .eventBus()
          .<JsonObject>consumer(Addresses.serviceLogs("talker"), m -> live.add(m.body()))
          .completion()
          .await();
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject()
              .put("name", "talker")
              .put("shell", true)
              .put(
                  "command",
                  "for i in 1 2 3 4 5; do echo out $i; echo err $i >&2; done; printf 'no newline at the end'")
              .put("restart", "no"));
      sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "talker"));
      sup.awaitState("talker", "stopped", Duration.ofSeconds(5));
      sup.awaitLines(
          "talker",
          new JsonObject(),
          l -> l.contains("no newline at the end") && l.contains("err 5"),
          "the last lines");

      JsonArray errs = logs(sup, new JsonObject().put("stream", "stderr"));
      assertThat(errs.stream().map(l -> ((JsonObject) l).getString("line")))
          .containsExactly("err 1", "err 2", "err 3", "err 4", "err 5");
      JsonArray threes = logs(sup, new JsonObject().put("q", "3"));
      assertThat(
              threes.stream()
                  .map(l -> ((JsonObject) l).getString("line"))
                  .filter(l -> !l.startsWith("[switchboard]")))
          .as("two streams, read apart: their order between them is not kept")
          .containsExactlyInAnyOrder("out 3", "err 3");
      JsonArray all = logs(sup, new JsonObject().put("stream", "stdout"));
      assertThat(all.getJsonObject(all.size() - 1).getString("line"))
          .isEqualTo("no newline at the end");
      long third = all.getJsonObject(2).getLong("seq");
      JsonArray after =
          logs(sup, new JsonObject().put("stream", "stdout").put("after", third).put("limit", 2));
      assertThat(after.stream().map(l -> ((JsonObject) l).getString("line")))
          .containsExactly("out 4", "out 5");
      JsonArray last2 = logs(sup, new JsonObject().put("stream", "stdout").put("limit", 2));
      assertThat(last2.stream().map(l -> ((JsonObject) l).getString("line")))
          .containsExactly("out 5", "no newline at the end");

      List<String> streamed =
          live.stream()
              .flatMap(batch -> batch.getJsonArray("lines").stream())
              .map(l -> ((JsonObject) l).getString("line"))
              .toList();
      assertThat(streamed)
          .containsSubsequence("out 1", "out 2", "out 5", "no newline at the end")
          .contains("err 4");
      assertThat(live.get(0).getString("serviceId")).isEqualTo("talker");

      var bad =
          sup.failure(
              Addresses.SUPERVISOR_SERVICES_LOGS,
              new JsonObject().put("name", "talker").put("since", "yesterday"));
      assertThat(bad.field()).isEqualTo("since");
      var badStream =
          sup.failure(
              Addresses.SUPERVISOR_SERVICES_LOGS,
              new JsonObject().put("name", "talker").put("stream", "both"));
      assertThat(badStream.field()).isEqualTo("stream");
    }
  }

  @Test
  void theTailHasTheLastLinesInOrderWithTheirSeq() throws IOException {
    try (SupervisorFixture sup = new SupervisorFixture()) {
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject()
              .put("name", "counter")
              .put("shell", true)
              .put("command", "seq 1 1000")
              .put("restart", "no"));
      sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "counter"));
      sup.awaitState("counter", "stopped", Duration.ofSeconds(5));
      // the process has ended; its last output may still be on its way from the pipe
      JsonArray tail =
          Eventually.within(Duration.ofSeconds(10))
              .alias("the tail reaches the last line")
              .until(
                  () ->
                      sup.request(
                              Addresses.SUPERVISOR_SERVICES_LOGS,
                              new JsonObject()
                                  .put("name", "counter")
                                  .put("tail", true)
                                  .put("limit", 10)
                                  .put("stream", "stdout"))
                          .getJsonArray("lines"),
                  lines ->
                      lines.stream()
                          .map(line -> ((JsonObject) line).getString("line"))
                          .anyMatch("1000"::equals));
      List<String> lines =
          tail.stream()
              .map(l -> ((JsonObject) l).getString("line"))
              .filter(l -> l.matches("\\d+"))
              .toList();
      assertThat(lines).endsWith("1000");
      assertThat(tail).hasSize(10);
      for (int i = 1; i < tail.size(); i++) {
        assertThat(tail.getJsonObject(i).getLong("seq"))
            .isGreaterThan(tail.getJsonObject(i - 1).getLong("seq"));
      }
    }
  }

  private static JsonArray logs(SupervisorFixture sup, JsonObject query) {
    return sup.request(Addresses.SUPERVISOR_SERVICES_LOGS, query.put("name", "talker"))
        .getJsonArray("lines");
  }
}
