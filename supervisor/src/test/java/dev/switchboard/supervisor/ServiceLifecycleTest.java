package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.common.testing.FreePorts;
import dev.switchboard.supervisor.process.ProcTable;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Managed services as real processes: start, stop, crash and restart with backoff, give up, trees,
 * bad starts.
 */
class ServiceLifecycleTest {

  private SupervisorFixture sup;

  @BeforeEach
  void start() throws IOException {
    sup = new SupervisorFixture();
  }

  @AfterEach
  void stop() {
    sup.close();
  }

  private JsonObject create(JsonObject definition) {
    return sup.request(Addresses.SUPERVISOR_SERVICES_CREATE, definition);
  }

  private JsonObject command(String address, String name) {
    return sup.request(address, new JsonObject().put("name", name));
  }

  @Test
  void startsWaitsForHealthThenStopsTheWholeGroup() {
    int port = FreePorts.freePort();
    JsonObject created =
        create(
            new JsonObject()
                .put("name", "llama")
                .put("command", SupervisorFixture.java(FakeLlamaServer.class, port, 1500))
                .put("port", port)
                .put(
                    "health",
                    new JsonObject()
                        .put("http", "http://127.0.0.1:" + port + "/health")
                        .put("interval", "200ms")
                        .put("startPeriod", "30s"))
                .put("restart", "always"));
    assertThat(created.getString("state")).isEqualTo("stopped");
    assertThat(created.getJsonObject("restart").getString("policy")).isEqualTo("always");

    JsonObject started = command(Addresses.SUPERVISOR_SERVICES_START, "llama");
    assertThat(started.getString("state")).isEqualTo("starting");
    int pid = started.getInteger("pid");
    assertThat(started.getInteger("pgid")).isEqualTo(pid);

    // 503 while "loading the model" is starting, not failed
    JsonObject loading =
        sup.await(
            "llama",
            s ->
                s.getJsonObject("healthStatus", new JsonObject())
                    .getString("message", "")
                    .contains("503"),
            Duration.ofSeconds(10),
            "probed with 503");
    assertThat(loading.getString("state")).isEqualTo("starting");
    JsonObject running = sup.awaitState("llama", "running", Duration.ofSeconds(15));
    assertThat(running.getJsonObject("healthStatus").getString("status")).isEqualTo("healthy");
    JsonObject withStats =
        sup.await(
            "llama",
            s ->
                s.getJsonObject("stats") != null
                    && s.getJsonObject("stats").getValue("cpuPercent") != null,
            Duration.ofSeconds(5),
            "measured");
    assertThat(withStats.getJsonObject("stats").getLong("rssBytes")).isPositive();
    assertThat(withStats.getJsonObject("stats").getInteger("threads")).isPositive();

    JsonObject stopped = command(Addresses.SUPERVISOR_SERVICES_STOP, "llama");
    assertThat(stopped.getString("state")).isEqualTo("stopped");
    assertThat(stopped.containsKey("pid")).isFalse();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

    JsonArray events =
        sup.request(Addresses.SUPERVISOR_SERVICES_EVENTS, new JsonObject().put("name", "llama"))
            .getJsonArray("events");
    List<String> states = events.stream().map(e -> ((JsonObject) e).getString("state")).toList();
    assertThat(states).containsSubsequence("stopped", "stopping", "running", "starting");
  }

  @Test
  void aKilledProcessComesBackAfterItsBackoffAndTheRestartsAreCounted() {
    create(
        new JsonObject()
            .put("name", "sleeper")
            .put("command", new JsonArray().add("sleep").add("300"))
            .put(
                "restart",
                new JsonObject().put("policy", "on-failure").put("initialDelay", "300ms")));
    int first = command(Addresses.SUPERVISOR_SERVICES_START, "sleeper").getInteger("pid");
    sup.awaitState("sleeper", "running", Duration.ofSeconds(5));

    ProcessHandle.of(first).orElseThrow().destroyForcibly();
    JsonObject backoff = sup.awaitState("sleeper", "backoff", Duration.ofSeconds(5));
    assertThat(backoff.getString("reason")).contains("signal 9").contains("restart 1 in 300ms");
    assertThat(backoff.getInteger("lastExit")).isEqualTo(137);

    JsonObject again =
        sup.await(
            "sleeper",
            s ->
                "running".equals(s.getString("state"))
                    && s.getInteger("pid") != null
                    && s.getInteger("pid") != first,
            Duration.ofSeconds(5),
            "running again");
    assertThat(again.getInteger("restarts")).isEqualTo(1);

    // the second crash waits twice as long
    ProcessHandle.of(again.getInteger("pid")).orElseThrow().destroyForcibly();
    assertThat(sup.awaitState("sleeper", "backoff", Duration.ofSeconds(5)).getString("reason"))
        .contains("restart 2 in 600ms");
    sup.awaitState("sleeper", "running", Duration.ofSeconds(5));
    command(Addresses.SUPERVISOR_SERVICES_STOP, "sleeper");
  }

  @Test
  void aServiceOverItsMaxMemoryIsRestartedWhereTheKernelDoesNotHoldIt() {
    // process groups only: the resident memory is checked at every sample, whatever this host's
    // cgroups
    sup.redeploy(new JsonObject().put("cgroups", "off"));
    create(
        new JsonObject()
            .put("name", "hog")
            .put("command", new JsonArray().add("sleep").add("300"))
            .put("maxMemory", "64K"));
    int first = command(Addresses.SUPERVISOR_SERVICES_START, "hog").getInteger("pid");

    JsonObject again =
        sup.await(
            "hog",
            s -> s.getInteger("restarts") >= 1 && "running".equals(s.getString("state")),
            Duration.ofSeconds(10),
            "restarted over maxMemory");
    assertThat(again.getInteger("pid")).isNotEqualTo(first);
    sup.awaitLines(
        "hog",
        new JsonObject(),
        lines ->
            lines.stream()
                .anyMatch(
                    line ->
                        line.matches(
                            "\\[switchboard] memory \\d+ bytes is over maxMemory 65536: restarting")),
        "the reason");
    command(Addresses.SUPERVISOR_SERVICES_STOP, "hog");
  }

  @Test
  void givesUpAfterTheLimitOfFailuresInTheWindow() {
    create(
        new JsonObject()
            .put("name", "crasher")
            .put("shell", true)
            .put("command", "echo going down; exit 3")
            .put(
                "restart",
                new JsonObject()
                    .put("policy", "always")
                    .put("initialDelay", "50ms")
                    .put("limit", 3)
                    .put("window", "1m")));
    command(Addresses.SUPERVISOR_SERVICES_START, "crasher");
    JsonObject errored = sup.awaitState("crasher", "errored", Duration.ofSeconds(10));
    assertThat(errored.getString("reason"))
        .contains("gave up after 3 exits within 1m")
        .contains("exited with code 3");
    assertThat(errored.getInteger("restarts")).isEqualTo(2);

    List<String> lines =
        sup.awaitLines(
            "crasher", new JsonObject().put("stream", "stdout"), l -> l.size() >= 3, "three runs");
    assertThat(lines).containsExactly("going down", "going down", "going down");
  }

  @Test
  void aStopEndsEveryGrandchildIncludingOnesThatLeftTheGroup() {
    // two children in the group, and one that starts a session of its own (as a daemon would)
    create(
        new JsonObject()
            .put("name", "tree")
            .put("shell", true)
            .put("command", "sleep 300 & sleep 300 & setsid sleep 300 & echo forked; wait")
            .put("stopTimeout", "2s"));
    JsonObject started = command(Addresses.SUPERVISOR_SERVICES_START, "tree");
    int pgid = started.getInteger("pgid");
    sup.awaitState("tree", "running", Duration.ofSeconds(5));
    Eventually.within(Duration.ofSeconds(5))
        .alias("the shell and its three sleeps")
        .until(
            () -> SupervisorFixture.processesWith("SWITCHBOARD_SERVICE", "tree"),
            family -> family.size() >= 4);

    command(Addresses.SUPERVISOR_SERVICES_STOP, "tree");
    assertThat(SupervisorFixture.processesWith("SWITCHBOARD_SERVICE", "tree")).isEmpty();
    assertThat(ProcTable.read().group(pgid)).isEmpty();
  }

  @Test
  void aTakenPortIsNamedWithItsOwner() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      create(
          new JsonObject()
              .put("name", "web")
              .put("command", new JsonArray().add("sleep").add("60"))
              .put("port", port));
      ApiException e =
          sup.failure(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "web"));
      assertThat(e.status()).isEqualTo(409);
      assertThat(e.getMessage())
          .contains("port " + port + " is already in use by pid " + ProcessHandle.current().pid());
      JsonObject failed = sup.service("web");
      assertThat(failed.getString("state")).isEqualTo("failed");
      assertThat(failed.getString("reason")).contains("already in use");
    }
  }

  @Test
  void aMissingCommandFailsWithTheReason() {
    create(
        new JsonObject()
            .put("name", "ghost")
            .put("command", new JsonArray().add("no-such-program-here")));
    ApiException e =
        sup.failure(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "ghost"));
    assertThat(e.getMessage()).contains("command not found: no-such-program-here");
    assertThat(sup.service("ghost").getString("state")).isEqualTo("failed");
    // and the supervisor goes on
    assertThat(
            sup.request(Addresses.SUPERVISOR_SERVICES_STATUS, new JsonObject())
                .getJsonArray("services"))
        .hasSize(1);
  }

  @Test
  void aServiceThatFailedToStartIsNotStartedAgainAtTheNextLaunchUnlessItAutostarts() {
    create(
        new JsonObject()
            .put("name", "ghost")
            .put("command", new JsonArray().add("no-such-program-here")));
    create(
        new JsonObject()
            .put("name", "eager-ghost")
            .put("command", new JsonArray().add("no-such-program-here"))
            .put("autostart", true));
    sup.failure(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "ghost"));
    sup.awaitState("eager-ghost", "failed", Duration.ofSeconds(10));
    // every transition stored before the supervisor goes away
    command(Addresses.SUPERVISOR_SERVICES_EVENTS, "ghost");
    command(Addresses.SUPERVISOR_SERVICES_EVENTS, "eager-ghost");

    sup.redeploy(new JsonObject());

    // a start at load is under way (starting) or over (failed) by the time the supervisor is
    // deployed
    assertThat(sup.service("ghost").getString("state"))
        .as("the failed service at the next launch")
        .isEqualTo("stopped");
    assertThat(sup.service("eager-ghost").getString("state"))
        .as("the autostart one")
        .isIn("starting", "failed");
  }

  @Test
  void badDefinitionsAreRefusedNamingTheField() {
    ApiException noCommand =
        sup.failure(Addresses.SUPERVISOR_SERVICES_CREATE, new JsonObject().put("name", "x"));
    assertThat(noCommand.field()).isEqualTo("command");
    ApiException badName =
        sup.failure(
            Addresses.SUPERVISOR_SERVICES_CREATE,
            new JsonObject().put("name", "Bad Name").put("command", new JsonArray().add("true")));
    assertThat(badName.field()).isEqualTo("name");
    ApiException badInterval =
        sup.failure(
            Addresses.SUPERVISOR_SERVICES_CREATE,
            new JsonObject()
                .put("name", "x")
                .put("command", new JsonArray().add("true"))
                .put("health", new JsonObject().put("tcp", 80).put("interval", "soon")));
    assertThat(badInterval.field()).isEqualTo("health.interval");
    ApiException typo =
        sup.failure(
            Addresses.SUPERVISOR_SERVICES_CREATE,
            new JsonObject()
                .put("name", "x")
                .put("command", new JsonArray().add("true"))
                .put("autoStart", true));
    assertThat(typo.field()).isEqualTo("autoStart");
    ApiException unknownDep =
        sup.failure(
            Addresses.SUPERVISOR_SERVICES_CREATE,
            new JsonObject()
                .put("name", "x")
                .put("command", new JsonArray().add("true"))
                .put("dependsOn", new JsonArray().add("nothing")));
    assertThat(unknownDep.field()).isEqualTo("dependsOn");
    create(new JsonObject().put("name", "x").put("command", new JsonArray().add("true")));
    ApiException again =
        sup.failure(
            Addresses.SUPERVISOR_SERVICES_CREATE,
            new JsonObject().put("name", "x").put("command", new JsonArray().add("true")));
    assertThat(again.status()).isEqualTo(409);
  }

  @Test
  void theEnvironmentIsAlwaysTheCurrentDefinitions() {
    create(
        new JsonObject()
            .put("name", "env")
            .put("shell", true)
            .put("command", "echo \"A=${A:-unset} B=${B:-unset}\"")
            .put("env", new JsonObject().put("A", "1").put("B", "2"))
            .put("restart", "no"));
    command(Addresses.SUPERVISOR_SERVICES_START, "env");
    sup.awaitState("env", "stopped", Duration.ofSeconds(5));
    JsonObject def = sup.service("env").copy();
    for (String key :
        List.of(
            "state",
            "status",
            "since",
            "source",
            "restarts",
            "reason",
            "lastExit",
            "createdAt",
            "updatedAt")) {
      def.remove(key);
    }
    def.put("env", new JsonObject().put("A", "3"));
    sup.request(
        Addresses.SUPERVISOR_SERVICES_UPDATE,
        new JsonObject().put("name", "env").put("definition", def));
    command(Addresses.SUPERVISOR_SERVICES_START, "env");
    sup.awaitState("env", "stopped", Duration.ofSeconds(5));
    List<String> lines =
        sup.awaitLines(
            "env", new JsonObject().put("stream", "stdout"), l -> l.size() >= 2, "both runs");
    assertThat(lines).containsExactly("A=1 B=2", "A=3 B=unset");
  }

  @Test
  void deleteStopsTheServiceAndForgetsItUnlessAnotherNeedsIt() {
    create(
        new JsonObject()
            .put("name", "base")
            .put("command", new JsonArray().add("sleep").add("300")));
    create(
        new JsonObject()
            .put("name", "top")
            .put("command", new JsonArray().add("true"))
            .put("dependsOn", new JsonArray().add("base")));
    int pid = command(Addresses.SUPERVISOR_SERVICES_START, "base").getInteger("pid");
    Path runDir = sup.dataDir.resolve("run/services/base");
    assertThat(runDir.resolve("stdout")).as("the FIFO of a started service").exists();
    ApiException needed =
        sup.failure(Addresses.SUPERVISOR_SERVICES_DELETE, new JsonObject().put("name", "base"));
    assertThat(needed.status()).isEqualTo(409);
    assertThat(needed.getMessage()).contains("needed by top");

    sup.request(Addresses.SUPERVISOR_SERVICES_DELETE, new JsonObject().put("name", "top"));
    assertThat(
            sup.request(Addresses.SUPERVISOR_SERVICES_DELETE, new JsonObject().put("name", "base"))
                .getString("state"))
        .isEqualTo("deleted");
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(runDir).as("the run directory of a deleted service").doesNotExist();
    assertThat(
            sup.failure(Addresses.SUPERVISOR_SERVICES_GET, new JsonObject().put("name", "base"))
                .status())
        .isEqualTo(404);
    assertThat(
            sup.request(Addresses.SUPERVISOR_SERVICES_STATUS, new JsonObject())
                .getJsonArray("services"))
        .isEmpty();
  }
}
