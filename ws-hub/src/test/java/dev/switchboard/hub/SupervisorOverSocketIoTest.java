package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real supervisor behind {@code /services}, driven by the unmodified npm socket.io-client: the
 * status on connect, control through acks, and a service's output as it is printed, the last lines
 * first and then live, in order and without a gap.
 */
class SupervisorOverSocketIoTest extends HubClientTest {

  @BeforeEach
  void supervisor() {
    hub.deploySupervisor();
    hub.createService(
        new JsonObject()
            .put("name", "counter")
            .put("shell", true)
            .put(
                "command",
                "i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo line $i; sleep 0.005; done; exec sleep 300"));
  }

  @Test
  void liveLogsComeAfterTheTailInOrderAndControlAnswersThroughAcks() {
    node.connected("v", "/services", "admin", Transport.WEBSOCKET.opts());
    JsonObject status = node.await("v", "services:status").json(0);
    assertThat(status.getJsonArray("services").getJsonObject(0).getString("state"))
        .isEqualTo("stopped");

    JsonObject started = node.ackOf("v", "services:start", new JsonObject().put("name", "counter"));
    assertThat(started.getBoolean("ok")).isTrue();
    assertThat(started.getString("state")).isEqualTo("running");
    node.await(
        "v", "services:update", args -> "running".equals(args.getJsonObject(0).getString("state")));

    // subscribe while it prints: the tail, then live batches
    pause(600);
    assertThat(
            node.ackOf("v", "subscribe:logs", new JsonObject().put("serviceId", "counter"))
                .getBoolean("ok"))
        .isTrue();
    node.await(
        "v",
        "logs",
        args ->
            args.getJsonObject(0).getJsonArray("lines").stream()
                .anyMatch(l -> "line 400".equals(((JsonObject) l).getString("line"))));

    List<NodeDriver.Event> batches = node.events("v", "logs");
    assertThat(batches.get(0).json(0).getBoolean("tail")).isTrue();
    List<Integer> numbers =
        batches.stream()
            .flatMap(e -> e.json(0).getJsonArray("lines").stream())
            .map(l -> ((JsonObject) l).getString("line"))
            .filter(l -> l.startsWith("line "))
            .map(l -> Integer.parseInt(l.substring(5)))
            .toList();
    int first = numbers.get(0);
    assertThat(numbers)
        .as("every line once, in order, from the tail on")
        .isEqualTo(java.util.stream.IntStream.rangeClosed(first, 400).boxed().toList());
    assertThat(batches.get(0).json(0).getJsonArray("lines").size())
        .as("the tail had lines")
        .isGreaterThan(1);

    JsonObject stopped = node.ackOf("v", "services:stop", new JsonObject().put("name", "counter"));
    assertThat(stopped.getString("state")).isEqualTo("stopped");
    Bus.request(
            hub.vertx,
            Addresses.SUPERVISOR_SERVICES_CREATE,
            new JsonObject()
                .put("name", "ghost")
                .put("command", new JsonArray().add("no-such-program-anywhere")))
        .await();
    JsonObject refused = node.ackOf("v", "services:start", new JsonObject().put("name", "ghost"));
    assertThat(refused.getJsonObject("error").getString("code")).isEqualTo("conflict");
    assertThat(refused.getJsonObject("error").getString("message"))
        .contains("command not found: no-such-program-anywhere");
    JsonObject error = node.await("v", "services:error").json(0);
    assertThat(error.getString("name")).isEqualTo("ghost");
    assertThat(error.getString("state")).isEqualTo("failed");
    JsonObject unknown = node.ackOf("v", "services:start", new JsonObject().put("name", "nobody"));
    assertThat(unknown.getBoolean("ok")).isFalse();
    assertThat(unknown.getJsonObject("error").getString("code")).isEqualTo("not_found");
  }

  @Test
  void aViewerMayWatchButNotControl() {
    node.connected("e", "/services", "viewer", Transport.WEBSOCKET.opts());
    JsonObject refused = node.ackOf("e", "services:start", new JsonObject().put("name", "counter"));
    assertThat(refused.getJsonObject("error").getString("code")).isEqualTo("forbidden");
  }

  /**
   * Bug: every socket on /services got each service's env with its values, MY_API_KEY=sk-...
   * included.
   */
  @Test
  void noSocketSeesAnEnvValue() {
    String secret = "sk-test-0123456789";
    Bus.request(
            hub.vertx,
            Addresses.SUPERVISOR_SERVICES_CREATE,
            new JsonObject()
                .put("name", "keyed")
                .put("command", new JsonArray().add("sleep").add("300"))
                .put("env", new JsonObject().put("MY_API_KEY", secret)))
        .await();
    node.connected("w", "/services", "admin", Transport.WEBSOCKET.opts());
    JsonObject status = node.await("w", "services:status").json(0);
    assertThat(
            status.getJsonArray("services").stream()
                .map(JsonObject.class::cast)
                .filter(service -> "keyed".equals(service.getString("name")))
                .findFirst()
                .orElseThrow()
                .getJsonObject("env"))
        .isEqualTo(new JsonObject().put("MY_API_KEY", new JsonObject().put("masked", true)));
    node.ackOf("w", "services:start", new JsonObject().put("name", "keyed"));
    node.await(
        "w",
        "services:update",
        args ->
            "keyed".equals(args.getJsonObject(0).getString("name"))
                && "running".equals(args.getJsonObject(0).getString("state")));
    assertThat(node.events("w").stream().map(event -> event.args().encode()))
        .isNotEmpty()
        .noneMatch(args -> args.contains(secret));
  }

  /**
   * Bug: {@code subscribe:logs} refused a hosted process's name ({@code mcp:<server>}: the colon
   * was not a letter, digit, '.', '_' or '-'), though the docs and the web app follow an MCP server
   * instance's log that way.
   */
  @Test
  void aHostedProcessesLogIsFollowedByItsName() throws Exception {
    JsonObject spawned =
        Bus.request(
                hub.vertx,
                Addresses.SUPERVISOR_PROCESSES_SPAWN,
                new JsonObject()
                    .put("owner", "mcp-host")
                    .put("kind", "mcp")
                    .put("name", "echoer:alpha")
                    .put(
                        "command",
                        new JsonArray()
                            .add("sh")
                            .add("-c")
                            .add(
                                "i=0; while true; do i=$((i+1)); echo note $i >&2; sleep 0.05; done"))
                    .put(
                        "labels", new JsonObject().put("server", "echoer").put("project", "alpha")))
            .await();
    assertThat(spawned.getString("name")).isEqualTo("mcp:echoer:alpha");
    // the owner's end of stdin: the process starts once it is open
    try (FileChannel stdin =
        FileChannel.open(
            Path.of(spawned.getString("stdin")),
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      node.connected("h", "/services", "viewer", Transport.WEBSOCKET.opts());
      JsonObject ack =
          node.ackOf(
              "h",
              "subscribe:logs",
              new JsonObject().put("serviceId", "mcp:echoer:alpha").put("tail", 5));
      assertThat(ack.getBoolean("ok")).as(ack.encode()).isTrue();
      assertThat(ack.getString("serviceId")).isEqualTo("mcp:echoer:alpha");
      JsonObject live =
          node.await(
                  "h",
                  "logs",
                  args ->
                      !args.getJsonObject(0).getBoolean("tail", false)
                          && args.getJsonObject(0).getJsonArray("lines").stream()
                              .anyMatch(
                                  l -> ((JsonObject) l).getString("line").startsWith("note ")))
              .json(0);
      assertThat(live.getString("serviceId")).isEqualTo("mcp:echoer:alpha");

      JsonObject refused =
          node.ackOf("h", "subscribe:logs", new JsonObject().put("serviceId", "mcp::x"));
      assertThat(refused.getJsonObject("error").getString("code")).isEqualTo("bad_request");
      assertThat(
              node.ackOf(
                      "h",
                      "unsubscribe:logs",
                      new JsonObject().put("serviceId", "mcp:echoer:alpha"))
                  .getBoolean("ok"))
          .isTrue();
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
