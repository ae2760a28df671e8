package dev.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * MCP server definitions: checked field by field, kept in PostgreSQL across restarts, changed at
 * runtime through the event-bus commands the gateway's API sends, env values never shown.
 */
class DefinitionsTest {

  private McpFixture fixture;

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aMisspeltKeyInTheConfigFileIsNamed() {
    JsonArray section =
        new JsonArray()
            .add(McpFixture.everything("ok", "shared"))
            .add(new JsonObject().put("name", "bad").put("comand", new JsonArray().add("x")));
    assertThatThrownBy(() -> McpServerDefinition.declared(section))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("mcp.servers[1].comand in the config file: unknown field");
    assertThatThrownBy(
            () ->
                McpServerDefinition.declared(
                    new JsonArray().add(McpFixture.everything("x", "sometimes"))))
        .hasMessageStartingWith(
            "mcp.servers[0].pool in the config file: must be shared or per-project");
  }

  @Test
  void badFieldsAreNamed() {
    assertThat(field(new JsonObject().put("name", "a"))).isEqualTo("command");
    assertThat(field(new JsonObject().put("name", "a b").put("command", new JsonArray().add("x"))))
        .isEqualTo("name");
    assertThat(
            field(
                new JsonObject()
                    .put("name", "a")
                    .put("command", new JsonArray().add("x"))
                    .put("idleTimeout", "soon")))
        .isEqualTo("idleTimeout");
    assertThat(
            field(
                new JsonObject()
                    .put("name", "a")
                    .put("command", new JsonArray().add("x"))
                    .put("env", new JsonObject().put("K", 1))))
        .isEqualTo("env.K");
    McpServerDefinition defaults =
        McpServerDefinition.parse(
            new JsonObject().put("name", "a").put("command", new JsonArray().add("x")));
    assertThat(defaults.idleTimeout()).hasSeconds(60);
    assertThat(defaults.pool()).isEqualTo(McpServerDefinition.PoolMode.SHARED);
    assertThat(defaults.auditArguments()).isFalse();
    assertThat(defaults.toPublicJson().getBoolean("auditArguments")).isFalse();
    assertThat(
            field(
                new JsonObject()
                    .put("name", "a")
                    .put("command", new JsonArray().add("x"))
                    .put("auditArguments", "yes")))
        .isEqualTo("auditArguments");
    JsonObject audited =
        new JsonObject()
            .put("name", "a")
            .put("command", new JsonArray().add("x"))
            .put("auditArguments", true);
    assertThat(McpServerDefinition.parse(audited).auditArguments()).isTrue();
    // the stored form reads back the same
    assertThat(McpServerDefinition.parse(McpServerDefinition.parse(audited).toJson()))
        .isEqualTo(McpServerDefinition.parse(audited));
  }

  private static String field(JsonObject json) {
    try {
      McpServerDefinition.parse(json);
      return null;
    } catch (ApiException e) {
      return e.field();
    }
  }

  @Test
  void theApiCommandsChangeServersAtRuntimeAndTheyPersist() {
    fixture = new McpFixture().start();
    JsonObject created =
        fixture.ask(
            Addresses.MCP_SERVERS_CREATE,
            new JsonObject().put("definition", McpFixture.everything("live", "shared")));
    assertThat(created.getString("name")).isEqualTo("live");
    // env names are shown, values never
    assertThat(created.getJsonObject("env").getJsonObject("SECRET_VALUE").getBoolean("masked"))
        .isTrue();
    assertThat(created.encode()).doesNotContain("hunter2");
    JsonObject list = fixture.ask(Addresses.MCP_SERVERS_LIST, new JsonObject());
    assertThat(list.encode()).contains("\"live\"").doesNotContain("hunter2");

    // usable at once, no restart
    McpSyncClient client = fixture.client("live", null, null);
    assertThat(
            ((McpSchema.TextContent)
                    client
                        .callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "x")))
                        .content()
                        .get(0))
                .text())
        .isEqualTo("Echo: x");
    client.close();

    assertThatThrownBy(
            () ->
                fixture.ask(
                    Addresses.MCP_SERVERS_CREATE,
                    new JsonObject().put("definition", McpFixture.everything("LIVE", "shared"))))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));

    // an update stops the running instance; the new definition is what the next one runs with
    JsonObject updated =
        fixture.ask(
            Addresses.MCP_SERVERS_UPDATE,
            new JsonObject()
                .put("name", "live")
                .put(
                    "definition",
                    McpFixture.everything("live", "per-project").put("idleTimeout", "2m")));
    assertThat(updated.getString("pool")).isEqualTo("per-project");
    assertThat(updated.getString("idleTimeout")).isEqualTo("2m");
    assertThat(updated.getJsonArray("instances")).isEmpty();

    fixture.restart();
    JsonObject after = fixture.ask(Addresses.MCP_SERVERS_GET, new JsonObject().put("name", "live"));
    assertThat(after.getString("pool")).isEqualTo("per-project");

    assertThat(
            fixture
                .ask(Addresses.MCP_SERVERS_DELETE, new JsonObject().put("name", "live"))
                .getString("state"))
        .isEqualTo("deleted");
    assertThatThrownBy(
            () -> fixture.ask(Addresses.MCP_SERVERS_GET, new JsonObject().put("name", "live")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
    fixture.restart();
    assertThat(fixture.ask(Addresses.MCP_SERVERS_LIST, new JsonObject()).getJsonArray("servers"))
        .isEmpty();
  }

  @Test
  void badInputOverTheBusNamesTheField() {
    fixture = new McpFixture().start();
    assertThatThrownBy(
            () ->
                fixture.ask(
                    Addresses.MCP_SERVERS_CREATE,
                    new JsonObject()
                        .put("definition", new JsonObject().put("name", "x").put("cmd", "y"))))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.field()).isEqualTo("cmd");
            });
  }
}
