package dev.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.migrations.Migrations;
import dev.switchboard.supervisor.SupervisorVerticle;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a supervisor deployed, every stdio instance is one of its hosted processes: it runs in a
 * process group (or cgroup) of its own, its stderr is in the supervisor's log, it is measured and
 * listed on {@code services.status} with the managed services, and it goes away with the instance.
 * The real server-everything, the official Java SDK as the client.
 */
class SupervisedInstanceTest {

  private McpFixture fixture;

  /** The supervisor's; deleted after {@link #stop} has closed Vert.x and so the supervisor. */
  @TempDir Path dataDir;

  @BeforeEach
  void start() throws Exception {
    fixture = new McpFixture();
    Migrations.migrate(fixture.databaseUrl, "supervisor");
    fixture
        .vertx
        .deployVerticle(
            new SupervisorVerticle(),
            new DeploymentOptions()
                .setConfig(
                    new JsonObject()
                        .put("dataDir", dataDir.toString())
                        .put("statsInterval", 500L)
                        .put(
                            "database",
                            new JsonObject().put("url", fixture.databaseUrl).put("poolSize", 2))))
        .await();
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private Optional<JsonObject> listed(String name) {
    return fixture
        .ask(Addresses.SUPERVISOR_SERVICES_STATUS, new JsonObject())
        .getJsonArray("services")
        .stream()
        .map(JsonObject.class::cast)
        .filter(s -> name.equals(s.getString("name")))
        .findFirst();
  }

  private JsonObject instance(String server) {
    return fixture
        .ask(Addresses.MCP_SERVERS_GET, new JsonObject().put("name", server))
        .getJsonArray("instances")
        .getJsonObject(0);
  }

  private static String echo(McpSyncClient client, String text) {
    McpSchema.CallToolResult result =
        client.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", text)));
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  @Test
  void anInstanceIsTheSupervisorsProcessListedMeasuredAndLogged() {
    fixture.start(McpFixture.everything("everything", "per-project"));
    try (McpSyncClient client = fixture.client("everything", "alpha", null)) {
      assertThat(echo(client, "hi")).isEqualTo("Echo: hi");

      JsonObject instance = instance("everything");
      assertThat(instance.getString("supervisedAs")).isEqualTo("mcp:everything:alpha");
      JsonObject shown =
          Eventually.within(Duration.ofSeconds(15))
              .alias("mcp:everything:alpha listed with its figures")
              .until(
                  () -> listed("mcp:everything:alpha").orElse(new JsonObject()),
                  s -> s.containsKey("stats"));
      assertThat(shown.getString("kind")).isEqualTo("mcp");
      assertThat(shown.getString("managedBy")).isEqualTo("mcp-host");
      assertThat(shown.getLong("pid")).isEqualTo(instance.getLong("pid"));
      assertThat(shown.getJsonObject("labels").getString("project")).isEqualTo("alpha");
      assertThat(shown.getJsonObject("stats").getLong("rssBytes")).isPositive();
      // the definition's env reaches the process, never the list
      assertThat(shown.encode()).doesNotContain("hunter2-never-shown");
      // its own process group, not the host's
      long pgid = shown.getLong("pgid");
      assertThat(pgid).isEqualTo(shown.getLong("pid"));

      List<JsonObject> lines =
          Eventually.within(Duration.ofSeconds(15))
              .alias("server-everything's stderr in the supervisor's log")
              .until(
                  () ->
                      fixture
                          .ask(
                              Addresses.SUPERVISOR_PROCESSES_LOGS,
                              new JsonObject().put("name", "mcp:everything:alpha"))
                          .getJsonArray("lines")
                          .stream()
                          .map(JsonObject.class::cast)
                          .toList(),
                  l -> l.stream().anyMatch(line -> "stderr".equals(line.getString("stream"))));
      assertThat(lines.get(0).getString("line")).startsWith("[switchboard] started for mcp-host");
    }
  }

  @Test
  void aKilledInstanceIsRestartedAsANewSupervisedProcessAndAnIdleOneLeavesTheList()
      throws Exception {
    fixture.start(McpFixture.everything("shared", "shared").put("idleTimeout", "2s"));
    try (McpSyncClient client = fixture.client("shared", null, null)) {
      assertThat(echo(client, "one")).isEqualTo("Echo: one");
      long first = instance("shared").getLong("pid");
      assertThat(listed("mcp:shared")).isPresent();
      assertThat(new ProcessBuilder("kill", "-9", Long.toString(first)).start().waitFor()).isZero();

      String again =
          Eventually.within(Duration.ofSeconds(20))
              .alias("a call answered by the restarted instance")
              .until(
                  () -> {
                    try {
                      return echo(client, "two");
                    } catch (RuntimeException e) {
                      return e.toString();
                    }
                  },
                  "Echo: two"::equals);
      assertThat(again).isEqualTo("Echo: two");
      long second = instance("shared").getLong("pid");
      assertThat(second).isNotEqualTo(first);
      assertThat(listed("mcp:shared").orElseThrow().getLong("pid")).isEqualTo(second);
      assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
    // the client gone, the instance stops when idle, and so does the supervisor's process
    Eventually.within(Duration.ofSeconds(30))
        .alias("the idle instance gone from the supervisor's list")
        .until(() -> listed("mcp:shared").isEmpty(), gone -> gone);
    String log =
        Eventually.within(Duration.ofSeconds(10))
            .alias("the kill and the stop in the instance's log")
            .until(
                () ->
                    fixture
                        .ask(
                            Addresses.SUPERVISOR_PROCESSES_LOGS,
                            new JsonObject().put("name", "mcp:shared"))
                        .getJsonArray("lines")
                        .encode(),
                l -> l.contains("stopped by its owner"));
    assertThat(log).contains("was killed by signal 9").contains("Starting default (STDIO) server");
  }
}
