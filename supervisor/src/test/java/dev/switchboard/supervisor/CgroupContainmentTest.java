package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.supervisor.process.Containment;
import dev.switchboard.supervisor.process.ProcTable;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service that hides a grandchild from the process-group method (a new session, and the {@code
 * SWITCHBOARD_*} markers removed from its environment) still ends with the service where each
 * service has a cgroup of its own; and the supervisor says which method it uses. Real processes;
 * the cgroup cases are skipped where this test cannot make a cgroup v2.
 */
class CgroupContainmentTest {

  private static JsonObject available;

  @BeforeAll
  static void detect(@TempDir Path scratch) {
    Containment containment = Containment.detect("auto", scratch);
    available = containment.describe();
    containment.release();
  }

  private static void assumeCgroups() {
    assumeTrue(
        Containment.CGROUP.equals(available.getString("method")),
        "cgroup v2 is not available and writable here ("
            + available.getString("reason")
            + "): the cgroup method cannot be tested");
  }

  /**
   * A shell service whose grandchild escapes as in the issue, running {@code sleep <seconds>}; its
   * pid once it runs.
   */
  private static long startEscaper(
      SupervisorFixture sup, String name, String escapee, int seconds) {
    sup.request(
        Addresses.SUPERVISOR_SERVICES_CREATE,
        new JsonObject()
            .put("name", name)
            .put("shell", true)
            .put(
                "command",
                "setsid env -u SWITCHBOARD_SERVICE -u SWITCHBOARD_INSTANCE "
                    + escapee
                    + " & echo forked; wait")
            .put("stopTimeout", "1s"));
    sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", name));
    sup.awaitState(name, "running", Duration.ofSeconds(5));
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      List<Long> found = sleeping(seconds);
      if (!found.isEmpty()) {
        long pid = found.get(0);
        assertThat(SupervisorFixture.processesWith("SWITCHBOARD_SERVICE", name))
            .as("the escapee carries no marker")
            .doesNotContain(pid);
        return pid;
      }
      SupervisorFixture.sleep(50);
    }
    throw new AssertionError("the escaped sleep " + seconds + " did not start");
  }

  /** Live processes running {@code sleep <seconds>}. */
  private static List<Long> sleeping(int seconds) {
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info().command().map(c -> c.endsWith("/sleep")).orElse(false)
                    && p.info()
                        .arguments()
                        .map(a -> a.length == 1 && a[0].equals(String.valueOf(seconds)))
                        .orElse(false))
        .filter(p -> alive(p.pid()))
        .map(ProcessHandle::pid)
        .toList();
  }

  private static boolean alive(long pid) {
    return ProcTable.stat((int) pid).map(p -> !p.exited()).orElse(false);
  }

  private static int uniqueSeconds() {
    return 10_000 + ThreadLocalRandom.current().nextInt(80_000);
  }

  @Test
  void aStopEndsAGrandchildThatLeftTheGroupAndDroppedTheMarkers() throws IOException {
    assumeCgroups();
    try (SupervisorFixture sup = new SupervisorFixture()) {
      int seconds = uniqueSeconds();
      long escapee = startEscaper(sup, "escaper", "sleep " + seconds, seconds);
      JsonObject running =
          sup.await(
              "escaper",
              s ->
                  s.getJsonObject("stats") != null
                      && s.getJsonObject("stats").getInteger("processes") >= 2,
              Duration.ofSeconds(5),
              "measured with the escapee");
      Path cgroup = Path.of(running.getString("cgroup"));
      assertThat(Files.readString(cgroup.resolve("cgroup.procs")))
          .contains(String.valueOf(escapee));

      JsonObject stopped =
          sup.request(Addresses.SUPERVISOR_SERVICES_STOP, new JsonObject().put("name", "escaper"));
      assertThat(stopped.getString("state")).isEqualTo("stopped");
      assertThat(alive(escapee))
          .as("the escaped grandchild after a stop reported stopped")
          .isFalse();
      assertThat(cgroup).doesNotExist();
    }
  }

  @Test
  void aGrandchildThatIgnoresTheStopSignalEndsWithCgroupKill() throws IOException {
    assumeCgroups();
    try (SupervisorFixture sup = new SupervisorFixture()) {
      int seconds = uniqueSeconds();
      long escapee =
          startEscaper(
              sup, "stubborn", "sh -c 'trap \"\" TERM; exec sleep " + seconds + "'", seconds);

      JsonObject stopped =
          sup.request(Addresses.SUPERVISOR_SERVICES_STOP, new JsonObject().put("name", "stubborn"));
      assertThat(stopped.getString("state")).isEqualTo("stopped");
      assertThat(stopped.getString("reason")).contains("killed after 1s");
      assertThat(alive(escapee)).isFalse();
    }
  }

  @Test
  void aStopRightAfterTheStartEndsTheProcessAndRemovesItsCgroup() throws IOException {
    assumeCgroups();
    try (SupervisorFixture sup = new SupervisorFixture()) {
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject()
              .put("name", "brief")
              .put("command", new JsonArray().add("sleep").add("300")));
      // the start answers once the process is forked; the stop comes before its shell has had time
      // to join the cgroup
      for (int run = 1; run <= 20; run++) {
        JsonObject started =
            sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "brief"));
        JsonObject stopped =
            sup.request(Addresses.SUPERVISOR_SERVICES_STOP, new JsonObject().put("name", "brief"));
        assertThat(stopped.getString("reason")).as("run %d", run).isEqualTo("stopped by request");
        assertThat(alive(started.getInteger("pid"))).as("run %d", run).isFalse();
        assertThat(Path.of(started.getString("cgroup"))).as("run %d", run).doesNotExist();
      }
    }
  }

  @Test
  void aRestartedSupervisorFindsTheCgroupOfWhatItAdoptsAndEndsAllOfItAtTheStop()
      throws IOException {
    assumeCgroups();
    try (SupervisorFixture sup =
        new SupervisorFixture(new JsonObject().put("onShutdown", "leave"))) {
      int seconds = uniqueSeconds();
      long escapee = startEscaper(sup, "survivor", "sleep " + seconds, seconds);
      JsonObject started = sup.service("survivor");
      String cgroup = started.getString("cgroup");
      sup.undeploy();
      assertThat(alive(escapee)).isTrue();
      sup.deploy();

      JsonObject adopted = sup.awaitState("survivor", "running", Duration.ofSeconds(5));
      assertThat(adopted.getInteger("pid")).isEqualTo(started.getInteger("pid"));
      assertThat(adopted.getString("cgroup")).isEqualTo(cgroup);
      sup.request(Addresses.SUPERVISOR_SERVICES_STOP, new JsonObject().put("name", "survivor"));
      assertThat(alive(escapee)).isFalse();
      assertThat(Path.of(cgroup)).doesNotExist();
    }
  }

  @Test
  void readinessSaysWhichMethodIsInUse() throws IOException {
    try (SupervisorFixture sup = new SupervisorFixture()) {
      JsonObject processes = ping(sup).getJsonObject("processes");
      assertThat(processes.getString("method")).isEqualTo(available.getString("method"));
    }
    try (SupervisorFixture sup = new SupervisorFixture(new JsonObject().put("cgroups", "off"))) {
      JsonObject processes = ping(sup).getJsonObject("processes");
      assertThat(processes.getString("method")).isEqualTo(Containment.PROCESS_GROUP);
      assertThat(processes.getString("reason")).contains("supervisor.cgroups: off");
      sup.request(
          Addresses.SUPERVISOR_SERVICES_CREATE,
          new JsonObject()
              .put("name", "plain")
              .put("command", new JsonArray().add("sleep").add("300")));
      JsonObject started =
          sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "plain"));
      assertThat(started.containsKey("cgroup")).isFalse();
      sup.request(Addresses.SUPERVISOR_SERVICES_STOP, new JsonObject().put("name", "plain"));
    }
  }

  private static JsonObject ping(SupervisorFixture sup) {
    return Bus.request(
            sup.vertx,
            Addresses.ping(SupervisorVerticle.NAME),
            new JsonObject(),
            Duration.ofSeconds(5))
        .await();
  }
}
