package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.common.testing.McpMessages;
import dev.switchboard.mcp.McpHostVerticle;
import dev.switchboard.migrations.Migrations;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /mcp}'s MCP requests end to end: the unmodified npm socket.io-client, the hub, and the
 * real mcp-host on the same event bus, running the real npm server-everything (installed by
 * mcp-host's build in its {@code src/test/node}).
 */
@Timeout(90)
class McpOverSocketIoTest extends HubClientTest {

  private static final Path EVERYTHING =
      Path.of(
              "../mcp-host/src/test/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
          .toAbsolutePath()
          .normalize();

  private String mcpHost;

  @BeforeEach
  void startMcpHost() {
    assertThat(EVERYTHING)
        .as("mcp-host's build runs npm ci in its src/test/node (mvn -pl ws-hub -am)")
        .isRegularFile();
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "mcp");
    JsonObject everything =
        new JsonObject()
            .put("name", "everything")
            .put("command", new JsonArray().add("node").add(EVERYTHING.toString()).add("stdio"))
            .put("pool", "per-project");
    JsonObject config =
        new JsonObject()
            .put("port", 0)
            .put("servers", new JsonArray().add(everything))
            .put("auth", new JsonObject().put("adminToken", HubFixture.ADMIN_TOKEN))
            .put("database", new JsonObject().put("url", url).put("poolSize", 2));
    mcpHost =
        hub.vertx
            .deployVerticle(new McpHostVerticle(), new DeploymentOptions().setConfig(config))
            .await();
  }

  private static JsonObject request(String project, JsonObject message) {
    return new JsonObject()
        .put("server", "everything")
        .put("project", project)
        .put("message", message);
  }

  private static JsonObject call(Object id, String tool, JsonObject arguments, JsonObject meta) {
    JsonObject params = new JsonObject().put("name", tool).put("arguments", arguments);
    if (meta != null) {
      params.put("_meta", meta);
    }
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", id)
        .put("method", "tools/call")
        .put("params", params);
  }

  @Test
  void initializeListCallAndALongCallWithProgressOnTheSocketAndInTheRoom() {
    node.connected("ide", "/mcp", "admin", Transport.WEBSOCKET.opts());
    node.connected("watcher", "/mcp", "viewer", Transport.WEBSOCKET.opts());
    assertThat(
            node.ackOf("watcher", "join", new JsonObject().put("room", "mcp:everything:web"))
                .getBoolean("ok"))
        .isTrue();

    JsonObject initialized =
        node.ackOf("ide", "mcp:request", request("web", McpMessages.initialize("ide")));
    assertThat(initialized.getBoolean("ok")).as(initialized.encode()).isTrue();
    JsonObject result = initialized.getJsonObject("response").getJsonObject("result");
    assertThat(result.getString("protocolVersion")).isEqualTo("2025-06-18");
    assertThat(result.getJsonObject("serverInfo").getString("name")).isNotBlank();

    JsonObject listed =
        node.ackOf(
            "ide",
            "mcp:request",
            request("web", new JsonObject().put("id", 2).put("method", "tools/list")));
    assertThat(listed.getJsonObject("response").getInteger("id")).isEqualTo(2);
    assertThat(
            listed.getJsonObject("response").getJsonObject("result").getJsonArray("tools").encode())
        .contains("\"echo\"", "\"longRunningOperation\"");

    JsonObject echoed =
        node.ackOf(
            "ide",
            "mcp:request",
            request("web", call(3, "echo", new JsonObject().put("message", "hi over /mcp"), null)));
    assertThat(echoed.getJsonObject("response").getJsonObject("result").encode())
        .contains("Echo: hi over /mcp");

    JsonObject servers = node.ackOf("watcher", "mcp:servers", new JsonObject());
    assertThat(servers.getBoolean("ok")).as(servers.encode()).isTrue();
    JsonObject server = servers.getJsonArray("servers").getJsonObject(0);
    assertThat(server.getString("name")).isEqualTo("everything");
    assertThat(server.getString("state")).isEqualTo("ready");
    assertThat(server.getJsonArray("tools").encode()).contains("\"echo\"");

    JsonObject long_ =
        node.ackOf(
            "ide",
            "mcp:request",
            request(
                "web",
                call(
                    4,
                    "longRunningOperation",
                    new JsonObject().put("duration", 2).put("steps", 4),
                    new JsonObject().put("progressToken", "p-4"))));
    assertThat(long_.getJsonObject("response").containsKey("result")).as(long_.encode()).isTrue();
    for (String client : List.of("ide", "watcher")) {
      List<JsonObject> progress =
          Eventually.within(Duration.ofSeconds(10))
              .alias(client + " gets the 4 progress notifications")
              .until(() -> progress(client), all -> all.size() >= 4);
      assertThat(progress).as(client).hasSize(4);
      assertThat(progress.get(0).getString("project")).isEqualTo("web");
      assertThat(
              progress
                  .get(0)
                  .getJsonObject("message")
                  .getJsonObject("params")
                  .getString("progressToken"))
          .isEqualTo("p-4");
    }

    // both tool calls are in mcp-host's call audit, with the caller the socket connected as
    JsonArray calls =
        Eventually.within(Duration.ofSeconds(10))
            .alias("the two tool calls are recorded")
            .until(
                () ->
                    Bus.request(
                            hub.vertx,
                            Addresses.MCP_CALLS_LIST,
                            new JsonObject().put("server", "everything"),
                            Duration.ofSeconds(5))
                        .await()
                        .getJsonArray("calls"),
                all -> all.size() >= 2);
    assertThat(calls).hasSize(2);
    assertThat(calls.stream().map(call -> ((JsonObject) call).getString("tool")))
        .containsExactly("longRunningOperation", "echo");
    for (Object recorded : calls) {
      JsonObject call = (JsonObject) recorded;
      assertThat(call.getString("caller")).isEqualTo("admin");
      assertThat(call.getString("role")).isEqualTo("admin");
      assertThat(call.getString("via")).isEqualTo("socket");
      assertThat(call.getString("project")).isEqualTo("web");
      assertThat(call.getString("outcome")).isEqualTo("ok");
    }
    assertThat(calls.getJsonObject(0).getDouble("durationMs")).isGreaterThan(1000.0);
  }

  private List<JsonObject> progress(String client) {
    return node.events(client, McpNamespace.NOTIFICATION).stream()
        .map(event -> event.json(0))
        .filter(
            n -> "notifications/progress".equals(n.getJsonObject("message").getString("method")))
        .toList();
  }

  @Test
  void badRequestsAMissingRoleAndAStoppedMcpHostAreAckedWithErrors() {
    node.connected("viewer", "/mcp", "viewer", Transport.WEBSOCKET.opts());
    node.connected("admin", "/mcp", "admin", Transport.WEBSOCKET.opts());

    JsonObject toolsList = new JsonObject().put("id", 1).put("method", "tools/list");
    assertThat(refusal("admin", new JsonObject().put("server", "everything")).getString("code"))
        .isEqualTo("bad_request");
    JsonObject noProject =
        refusal("admin", new JsonObject().put("server", "everything").put("message", toolsList));
    assertThat(noProject.getString("code")).isEqualTo("bad_request");
    assertThat(noProject.getString("message")).contains("project");
    assertThat(
            refusal("admin", new JsonObject().put("server", "nowhere").put("message", toolsList))
                .getString("code"))
        .isEqualTo("not_found");
    assertThat(
            refusal(
                    "admin",
                    // neither a request, a notification, nor an answer (result or error)
                    request("web", new JsonObject().put("id", 1)))
                .getString("code"))
        .isEqualTo("bad_request");
    assertThat(
            refusal(
                    "viewer",
                    request("web", call(1, "echo", new JsonObject().put("message", "no"), null)))
                .getString("code"))
        .isEqualTo("forbidden");
    JsonObject viewerList = node.ackOf("viewer", "mcp:request", request("web", toolsList));
    assertThat(viewerList.getBoolean("ok")).as("a viewer may read lists").isTrue();

    hub.vertx.undeploy(mcpHost).await();
    JsonObject down = node.ackOf("admin", "mcp:servers", new JsonObject());
    assertThat(down.getJsonObject("error").getString("code")).isEqualTo("unavailable");
    assertThat(refusal("admin", request("web", toolsList)).getString("code"))
        .isEqualTo("unavailable");
  }

  /** The error of an {@code mcp:request} ack. */
  private JsonObject refusal(String socket, JsonObject body) {
    JsonObject ack = node.ackOf(socket, "mcp:request", body);
    assertThat(ack.getBoolean("ok")).as("ack %s", ack).isFalse();
    return ack.getJsonObject("error");
  }
}
