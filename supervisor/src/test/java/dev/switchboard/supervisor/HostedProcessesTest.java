package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.supervisor.process.ServiceProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Processes the supervisor runs for another service ({@code supervisor.processes.*}): the owner
 * talks to them through FIFOs, their stderr goes into the log pipeline, they are measured and
 * listed with the services, and a stop ends everything they started.
 */
class HostedProcessesTest {

  /** Echoes each line of stdin back on stdout; says it started on stderr; leaves a grandchild. */
  private static final String ECHO =
      "echo \"started $MODE\" >&2; sleep 300 & while read -r line; do echo \"got $line\"; done";

  private SupervisorFixture sup;
  private final List<AutoCloseable> opened = new CopyOnWriteArrayList<>();
  private final List<JsonObject> exits = new CopyOnWriteArrayList<>();
  private final List<JsonObject> statuses = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    sup = new SupervisorFixture(new JsonObject().put("processesMax", 2));
    sup.vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.SUPERVISOR_PROCESSES_EXITED, m -> exits.add(m.body()));
    sup.vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.SERVICES_STATUS, m -> statuses.add(m.body()));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable each : opened) {
      each.close();
    }
    sup.close();
  }

  /** A spawn request of mcp-host for {@code name}, running {@code argv}. */
  private static JsonObject spawnRequest(String name, String... argv) {
    return new JsonObject()
        .put("owner", "mcp-host")
        .put("kind", "mcp")
        .put("name", name)
        .put("command", new JsonArray(List.of((Object[]) argv)));
  }

  private JsonObject spawn(String name, String script) {
    return sup.request(
        Addresses.SUPERVISOR_PROCESSES_SPAWN,
        spawnRequest(name, "sh", "-c", script)
            .put("env", new JsonObject().put("MODE", "sk-hosted-secret"))
            .put("labels", new JsonObject().put("server", name)));
  }

  private ApiException refused(JsonObject request) {
    return sup.failure(Addresses.SUPERVISOR_PROCESSES_SPAWN, request);
  }

  /** The owner's ends: stdin to write, stdout to read (kept open by a keeper of our own). */
  private record Ends(FileChannel stdin, BufferedReader stdout) {
    void send(String line) throws IOException {
      stdin.write(java.nio.ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
    }
  }

  private Ends open(JsonObject spawned) throws IOException {
    FileChannel stdin =
        FileChannel.open(
            Path.of(spawned.getString("stdin")), StandardOpenOption.READ, StandardOpenOption.WRITE);
    opened.add(stdin);
    RandomAccessFile keeper = new RandomAccessFile(spawned.getString("stdout"), "rw");
    opened.add(keeper);
    BufferedReader stdout =
        new BufferedReader(
            new InputStreamReader(
                new FileInputStream(spawned.getString("stdout")), StandardCharsets.UTF_8));
    opened.add(stdout);
    return new Ends(stdin, stdout);
  }

  private JsonObject listed(String name) {
    return sup
        .request(Addresses.SUPERVISOR_SERVICES_STATUS, new JsonObject())
        .getJsonArray("services")
        .stream()
        .map(JsonObject.class::cast)
        .filter(s -> name.equals(s.getString("name")))
        .findFirst()
        .orElse(null);
  }

  /** Waits for a published status update of {@code name} of the kind {@code update}. */
  private void awaitStatus(String name, String update) {
    Eventually.within(Duration.ofSeconds(10))
        .alias(name + " " + update + " published")
        .until(
            () ->
                statuses.stream()
                    .anyMatch(
                        s ->
                            name.equals(s.getString("name"))
                                && update.equals(s.getString("update"))));
  }

  private List<String> lines(String name) {
    return sup
        .request(Addresses.SUPERVISOR_PROCESSES_LOGS, new JsonObject().put("name", name))
        .getJsonArray("lines")
        .stream()
        .map(l -> ((JsonObject) l).getString("line"))
        .toList();
  }

  @Test
  void theOwnerTalksOverFifosWhileStderrIsLoggedAndTheProcessIsListedAndMeasured()
      throws IOException {
    JsonObject spawned = spawn("everything", ECHO);
    assertThat(spawned.getString("name")).isEqualTo("mcp:everything");
    Ends ends = open(spawned);
    ends.send("hello");
    assertThat(ends.stdout().readLine()).isEqualTo("got hello");

    Eventually.within(Duration.ofSeconds(10))
        .alias("its stderr in the log")
        .until(() -> lines("mcp:everything"), l -> l.contains("started sk-hosted-secret"));
    // the hub's /services reads a log's history as a service's: the same lines
    assertThat(
            sup.request(
                    Addresses.SUPERVISOR_SERVICES_LOGS,
                    new JsonObject().put("name", "mcp:everything").put("tail", true))
                .getJsonArray("lines")
                .encode())
        .contains("started sk-hosted-secret");
    JsonObject shown =
        Eventually.within(Duration.ofSeconds(10))
            .alias("listed with its figures")
            .until(() -> listed("mcp:everything"), s -> s != null && s.containsKey("stats"));
    assertThat(shown.getString("kind")).isEqualTo("mcp");
    assertThat(shown.getString("managedBy")).isEqualTo("mcp-host");
    assertThat(shown.getInteger("pid")).isEqualTo(spawned.getInteger("pid"));
    assertThat(shown.getJsonObject("labels").getString("server")).isEqualTo("everything");
    assertThat(shown.getJsonObject("stats").getLong("rssBytes")).isPositive();
    assertThat(shown.getJsonObject("stats").getInteger("processes")).isGreaterThanOrEqualTo(2);
    assertThat(shown.encode()).doesNotContain("sk-hosted-secret");
    awaitStatus("mcp:everything", "stats");
  }

  @Test
  void aStopEndsEverythingItStartedAndTheOwnerHearsTheExit() throws IOException {
    JsonObject spawned = spawn("grandparent", ECHO);
    Ends ends = open(spawned);
    ends.send("ping");
    assertThat(ends.stdout().readLine()).isEqualTo("got ping");
    String instance = spawned.getString("instance");
    assertThat(SupervisorFixture.processesWith(ServiceProcess.INSTANCE_VAR, instance)).hasSize(2);

    JsonObject stopped =
        sup.request(
            Addresses.SUPERVISOR_PROCESSES_STOP,
            new JsonObject().put("name", "mcp:grandparent").put("instance", instance));
    assertThat(stopped.getString("outcome")).isEqualTo("signal");
    assertThat(SupervisorFixture.processesWith(ServiceProcess.INSTANCE_VAR, instance)).isEmpty();
    JsonObject exit =
        Eventually.within(Duration.ofSeconds(10))
            .alias("the exit published")
            .until(
                () ->
                    exits.stream()
                        .filter(e -> instance.equals(e.getString("instance")))
                        .findFirst()
                        .orElse(null),
                e -> e != null);
    assertThat(exit.getInteger("exitCode")).isEqualTo(143);
    assertThat(listed("mcp:grandparent")).isNull();
    // the log is stored in batches: the exit's note is queryable a moment after the exit
    Eventually.within(Duration.ofSeconds(10))
        .alias("the stop noted in the log")
        .until(
            () -> lines("mcp:grandparent"),
            l -> l.stream().anyMatch(line -> line.contains("stopped by its owner")));
    // the next process of that name is a new one, with the log going on
    spawn("grandparent", ECHO);
    assertThat(listed("mcp:grandparent")).isNotNull();
  }

  @Test
  void aProcessThatEndsByItselfIsReportedWithItsCode() throws IOException {
    JsonObject spawned = spawn("short", "read -r line; echo \"bye $line\" >&2; exit 3");
    Ends ends = open(spawned);
    ends.send("now");
    JsonObject exit =
        Eventually.within(Duration.ofSeconds(10))
            .alias("the exit published")
            .until(
                () ->
                    exits.stream()
                        .filter(e -> "mcp:short".equals(e.getString("name")))
                        .findFirst()
                        .orElse(null),
                e -> e != null);
    assertThat(exit.getInteger("exitCode")).isEqualTo(3);
    assertThat(exit.getString("reason")).isEqualTo("exited with code 3");
    Eventually.within(Duration.ofSeconds(10))
        .alias("the exit noted in the log")
        .until(
            () -> lines("mcp:short"),
            l -> l.containsAll(List.of("bye now", "[switchboard] exited with code 3")));
    assertThat(listed("mcp:short")).isNull();
    awaitStatus("mcp:short", "deleted");
  }

  @Test
  void badRequestsNameTheFieldAndTheLimitHolds() throws IOException {
    JsonObject noCommand = spawnRequest("x");
    noCommand.remove("command");
    ApiException missing = refused(noCommand);
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.field()).isEqualTo("command");
    ApiException notFound = refused(spawnRequest("x", "no-such-program-here"));
    assertThat(notFound.status()).isEqualTo(400);
    assertThat(notFound.getMessage()).contains("command not found: no-such-program-here");
    ApiException badName = refused(spawnRequest("../x", "true"));
    assertThat(badName.field()).isEqualTo("name");

    spawn("one", ECHO);
    ApiException twice = refused(spawnRequest("one", "true"));
    assertThat(twice.status()).isEqualTo(409);
    spawn("two", ECHO);
    ApiException over = refused(spawnRequest("three", "true"));
    assertThat(over.status()).isEqualTo(409);
    assertThat(over.getMessage()).contains("SUPERVISOR_PROCESSES_MAX");

    JsonObject released =
        sup.request(
            Addresses.SUPERVISOR_PROCESSES_RELEASE, new JsonObject().put("owner", "mcp-host"));
    assertThat(released.getInteger("stopped")).isEqualTo(2);
    assertThat(listed("mcp:one")).isNull();
    assertThat(listed("mcp:two")).isNull();
  }

  @Test
  void theSupervisorStoppingEndsItsHostedProcesses() {
    JsonObject spawned = spawn("left", ECHO);
    String instance = spawned.getString("instance");
    assertThat(SupervisorFixture.processesWith(ServiceProcess.INSTANCE_VAR, instance)).isNotEmpty();
    sup.undeploy();
    assertThat(SupervisorFixture.processesWith(ServiceProcess.INSTANCE_VAR, instance)).isEmpty();
    sup.deploy();
  }
}
