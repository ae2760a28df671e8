package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Dependencies in order, stops in reverse order, and processes that outlive a supervisor restart.
 */
class OrchestrationTest {

  @Test
  void aDependentStartsOnlyOnceWhatItNeedsIsHealthyAndStopsFirst() throws IOException {
    try (SupervisorFixture sup = new SupervisorFixture()) {
      Path ready = sup.dataDir.resolve("db-ready");
      // "db" takes a second to become healthy; "api" needs it healthy
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject()
              .put("name", "db")
              .put("shell", true)
              .put("command", "sleep 1; touch " + ready + "; exec sleep 300")
              .put(
                  "health",
                  new JsonObject()
                      .put("command", new JsonArray().add("test").add("-f").add(ready.toString()))
                      .put("interval", "200ms")));
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject()
              .put("name", "api")
              .put("shell", true)
              .put(
                  "command",
                  "date +%s%N; test -f " + ready + " && echo db-was-ready; exec sleep 300")
              .put("dependsOn", new JsonObject().put("db", "healthy")));

      JsonObject waiting =
          sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "api"));
      assertThat(waiting.getString("state")).isEqualTo("starting");
      assertThat(waiting.getString("reason")).isEqualTo("waiting for db (healthy)");
      assertThat(sup.service("db").getString("state")).isEqualTo("starting");

      JsonObject db = sup.awaitState("db", "running", Duration.ofSeconds(10));
      sup.awaitState("api", "running", Duration.ofSeconds(10));
      sup.awaitLines(
          "api",
          new JsonObject().put("stream", "stdout"),
          l -> l.contains("db-was-ready"),
          "db-was-ready");
      assertThat(Instant.parse(sup.service("api").getString("startedAt")))
          .isAfterOrEqualTo(Instant.parse(db.getString("since")));

      // stopping db stops api first
      sup.request(Addresses.SUPERVISOR_SERVICES_STOP, new JsonObject().put("name", "db"));
      JsonArray dbEvents = events(sup, "db");
      JsonArray apiEvents = events(sup, "api");
      Instant apiStopped = Instant.parse(apiEvents.getJsonObject(0).getString("at"));
      Instant dbStopping = Instant.parse(first(dbEvents, "stopping").getString("at"));
      assertThat(apiEvents.getJsonObject(0).getString("state")).isEqualTo("stopped");
      assertThat(apiStopped).isBeforeOrEqualTo(dbStopping);
    }
  }

  @Test
  void aFailedDependencyFailsTheDependentWithTheReason() throws IOException {
    try (SupervisorFixture sup = new SupervisorFixture()) {
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject()
              .put("name", "broken")
              .put("command", new JsonArray().add("no-such-binary-anywhere")));
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject()
              .put("name", "app")
              .put("command", new JsonArray().add("sleep").add("60"))
              .put("dependsOn", new JsonArray().add("broken")));
      sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "app"));
      JsonObject failed = sup.awaitState("app", "failed", Duration.ofSeconds(5));
      assertThat(failed.getString("reason"))
          .contains("dependency broken did not become started")
          .contains("command not found: no-such-binary-anywhere");
    }
  }

  @Test
  void aCycleIsRefused() throws IOException {
    try (SupervisorFixture sup = new SupervisorFixture()) {
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject().put("name", "a").put("command", new JsonArray().add("true")));
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject()
              .put("name", "b")
              .put("command", new JsonArray().add("true"))
              .put("dependsOn", new JsonArray().add("a")));
      var e =
          sup.failure(
              Addresses.SUPERVISOR_SERVICES_UPDATE,
              new JsonObject()
                  .put("name", "a")
                  .put(
                      "definition",
                      new JsonObject()
                          .put("command", new JsonArray().add("true"))
                          .put("dependsOn", new JsonArray().add("b"))));
      assertThat(e.field()).isEqualTo("dependsOn");
      assertThat(e.getMessage()).contains("a -> b -> a");
    }
  }

  @Test
  void aRestartedSupervisorAdoptsWhatStillRunsAndKeepsReadingItsOutput() throws IOException {
    try (SupervisorFixture sup =
        new SupervisorFixture(new JsonObject().put("onShutdown", "leave"))) {
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject()
              .put("name", "ticker")
              .put("shell", true)
              .put("command", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done"));
      int pid =
          sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "ticker"))
              .getInteger("pid");
      SupervisorFixture.sleep(500);
      sup.undeploy();
      // the supervisor is gone; the service is not, and it blocks at worst on a full pipe
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isTrue();
      SupervisorFixture.sleep(500);
      sup.deploy();

      JsonObject adopted = sup.awaitState("ticker", "running", Duration.ofSeconds(5));
      assertThat(adopted.getInteger("pid")).isEqualTo(pid);
      List<String> lines =
          sup.awaitLines(
              "ticker",
              new JsonObject().put("limit", 5000),
              l ->
                  l.stream().anyMatch(line -> line.contains("adopted pid " + pid))
                      && l.stream().filter(x -> x.startsWith("tick ")).count() > 12,
              "the adoption and more than 12 ticks");
      // nothing lost while nobody read: the ticks run on without a gap
      List<Integer> ticks =
          lines.stream()
              .filter(l -> l.startsWith("tick "))
              .map(l -> Integer.parseInt(l.substring(5)))
              .toList();
      assertThat(ticks).hasSizeGreaterThan(12);
      for (int i = 1; i < ticks.size(); i++) {
        assertThat(ticks.get(i)).isEqualTo(ticks.get(i - 1) + 1);
      }
      sup.request(Addresses.SUPERVISOR_SERVICES_STOP, new JsonObject().put("name", "ticker"));
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
  }

  @Test
  void withOrphansStopARestartedSupervisorEndsWhatItFinds() throws IOException {
    try (SupervisorFixture sup =
        new SupervisorFixture(new JsonObject().put("onShutdown", "leave").put("orphans", "stop"))) {
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject()
              .put("name", "orphan")
              .put("command", new JsonArray().add("sleep").add("300")));
      int pid =
          sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "orphan"))
              .getInteger("pid");
      sup.undeploy();
      sup.deploy();
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      // it was wanted running, so it is started again, as a new process
      JsonObject again = sup.awaitState("orphan", "running", Duration.ofSeconds(5));
      assertThat(again.getInteger("pid")).isNotEqualTo(pid);
      sup.request(Addresses.SUPERVISOR_SERVICES_STOP, new JsonObject().put("name", "orphan"));
    }
  }

  @Test
  void servicesOfTheConfigFileAreAppliedAndAutostarted() throws IOException {
    JsonArray declared =
        new JsonArray()
            .add(
                new JsonObject()
                    .put("name", "from-file")
                    .put("command", new JsonArray().add("sleep").add("300"))
                    .put("autostart", true));
    try (SupervisorFixture sup =
        new SupervisorFixture(
            new JsonObject().put("services", declared).put("onShutdown", "leave"))) {
      JsonObject running = sup.awaitState("from-file", "running", Duration.ofSeconds(5));
      assertThat(running.getString("source")).isEqualTo("file");
      int pid = running.getInteger("pid");

      // the file no longer names it: reported, kept, and not stopped
      sup.redeploy(new JsonObject().put("services", new JsonArray()));
      JsonObject kept = sup.awaitState("from-file", "running", Duration.ofSeconds(5));
      assertThat(kept.getBoolean("declared")).isFalse();
      assertThat(kept.getInteger("pid")).isEqualTo(pid);
      sup.request(Addresses.SUPERVISOR_SERVICES_STOP, new JsonObject().put("name", "from-file"));
    }
  }

  private static JsonArray events(SupervisorFixture sup, String name) {
    return sup.request(Addresses.SUPERVISOR_SERVICES_EVENTS, new JsonObject().put("name", name))
        .getJsonArray("events");
  }

  private static JsonObject first(JsonArray events, String state) {
    return events.stream()
        .map(e -> (JsonObject) e)
        .filter(e -> state.equals(e.getString("state")))
        .findFirst()
        .orElseThrow();
  }
}
