package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.common.testing.McpMessages;
import dev.switchboard.mcp.McpHostVerticle;
import dev.switchboard.migrations.Migrations;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MCP host through the gateway, in front of the real mcp-host running the real npm
 * server-everything: the definitions API (checked against the contract, roles, env values never
 * shown) and the Streamable HTTP endpoint {@code /mcp/{server}} forwarded, an SSE answer streamed
 * as it comes (progress before the result).
 */
class McpApiTest {

  private static final String TOKEN = "test-admin-token-mcp-0123456789";
  private static final Path EVERYTHING =
      Path.of(
              "../mcp-host/src/test/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
          .toAbsolutePath()
          .normalize();

  private Vertx vertx;
  private ContractClient api;

  @BeforeEach
  void start() throws Exception {
    assertThat(EVERYTHING).as("mcp-host's tests install server-everything").isRegularFile();
    String databaseUrl = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(databaseUrl, "mcp");
    vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
    JsonObject process =
        new JsonObject().put("services", new JsonArray().add("gateway").add("mcp-host"));
    McpHostVerticle mcp = new McpHostVerticle();
    vertx
        .deployVerticle(
            mcp,
            new DeploymentOptions()
                .setConfig(
                    new JsonObject()
                        .put("port", 0)
                        .put("process", process)
                        .put("auth", new JsonObject().put("adminToken", TOKEN))
                        .put("database", new JsonObject().put("url", databaseUrl))))
        .await();
    api =
        ContractClient.deployGateway(
            vertx,
            process,
            TOKEN,
            new JsonObject(),
            new JsonObject()
                .put("mcp", new JsonObject().put("url", "http://127.0.0.1:" + mcp.actualPort())));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private JsonObject definition() {
    return new JsonObject()
        .put("name", "everything")
        .put("command", new JsonArray().add("node").add(EVERYTHING.toString()).add("stdio"))
        .put("env", new JsonObject().put("API_KEY", "sk-never-shown"));
  }

  @Test
  void definitionsThroughTheApi() {
    api.valid(HttpMethod.POST, "/api/v1/mcp/servers", definition(), 201);
    String listed = api.valid(HttpMethod.GET, "/api/v1/mcp/servers", 200).bodyAsString();
    assertThat(listed).contains("\"everything\"").doesNotContain("sk-never-shown");
    api.valid(HttpMethod.GET, "/api/v1/mcp/servers/everything", 200);
    api.valid(HttpMethod.POST, "/api/v1/mcp/servers", definition(), 409);
    api.valid(
        HttpMethod.POST,
        "/api/v1/mcp/servers",
        new JsonObject().put("name", "x").put("command", new JsonArray().add("a")).put("pool", "x"),
        400);
    // a viewer reads, but may not define
    assertThat(
            api.send(
                    HttpMethod.POST,
                    "/api/v1/mcp/servers",
                    ContractClient.VIEWER_TOKEN,
                    definition().put("name", "other"),
                    Map.of())
                .statusCode())
        .isEqualTo(403);
    api.valid(
        HttpMethod.PUT,
        "/api/v1/mcp/servers/everything",
        definition().copy().put("pool", "per-project"),
        200);
    api.valid(HttpMethod.DELETE, "/api/v1/mcp/servers/everything", 200);
    api.valid(HttpMethod.GET, "/api/v1/mcp/servers/everything", 404);

    // a remote server, its headers masked, the restart policy's figures
    JsonObject remote =
        new JsonObject()
            .put("name", "far")
            .put("url", "https://mcp.example.com/mcp")
            .put("headers", new JsonObject().put("Authorization", "Bearer far-never-shown"))
            .put("restart", new JsonObject().put("initialDelay", "1s").put("limit", 10));
    String created = api.valid(HttpMethod.POST, "/api/v1/mcp/servers", remote, 201).bodyAsString();
    assertThat(created).doesNotContain("far-never-shown");
    JsonObject shown = api.valid(HttpMethod.GET, "/api/v1/mcp/servers/far", 200).bodyAsJsonObject();
    assertThat(shown.getJsonObject("headers").getJsonObject("Authorization").getBoolean("masked"))
        .isTrue();
    assertThat(shown.getJsonObject("restart").getString("initialDelay")).isEqualTo("1s");
    assertThat(shown.getJsonObject("restart").getString("maxDelay")).isEqualTo("30s");
    assertThat(api.valid(HttpMethod.GET, "/api/v1/mcp/servers", 200).bodyAsString())
        .doesNotContain("far-never-shown");
    String both =
        api.valid(
                HttpMethod.POST,
                "/api/v1/mcp/servers",
                remote.copy().put("name", "both").put("command", new JsonArray().add("a")),
                400)
            .bodyAsString();
    assertThat(both).contains("\"name\":\"url\"");
    String neither =
        api.valid(
                HttpMethod.POST,
                "/api/v1/mcp/servers",
                new JsonObject().put("name", "neither"),
                400)
            .bodyAsString();
    assertThat(neither).contains("\"name\":\"command\"");
  }

  @Test
  void theWebSocketTransportIsForwarded() throws Exception {
    api.valid(HttpMethod.POST, "/api/v1/mcp/servers", definition(), 201);
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(api.port())
            .setURI("/ws/mcp/everything")
            // as seed 003's Node clients (npm ws): no Origin
            .setAllowOriginHeader(false);
    WebSocketClient client = vertx.createWebSocketClient();
    assertThatThrownBy(() -> client.connect(options).await())
        .isInstanceOfSatisfying(
            UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
    BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
    WebSocket ws =
        client
            .connect(
                new WebSocketConnectOptions(options).addHeader("Authorization", "Bearer " + TOKEN))
            .await();
    ws.textMessageHandler(text -> received.add(new JsonObject(text)));
    ws.writeTextMessage(new JsonObject().put("method", "initialize").put("project", "p").encode())
        .await();
    assertThat(received.poll(30, TimeUnit.SECONDS).containsKey("result")).isTrue();
    ws.writeTextMessage(
            new JsonObject()
                .put("jsonrpc", "2.0")
                .put("id", 2)
                .put("method", "tools/call")
                .put(
                    "params",
                    new JsonObject()
                        .put("name", "echo")
                        .put("arguments", new JsonObject().put("message", "via the gateway")))
                .encode())
        .await();
    JsonObject echoed;
    do {
      echoed = received.poll(30, TimeUnit.SECONDS);
      assertThat(echoed).isNotNull();
    } while (!Integer.valueOf(2).equals(echoed.getValue("id")));
    assertThat(echoed.getJsonObject("result").encode()).contains("Echo: via the gateway");
    ws.close().await();
  }

  @Test
  void streamableHttpIsForwardedAndStreamed() throws Exception {
    api.valid(HttpMethod.POST, "/api/v1/mcp/servers", definition(), 201);
    int port = api.port();
    HttpClient http = HttpClient.newHttpClient();
    URI endpoint = URI.create("http://127.0.0.1:" + port + "/mcp/everything");

    HttpResponse<String> anonymous =
        http.send(
            HttpRequest.newBuilder(endpoint)
                .POST(HttpRequest.BodyPublishers.ofString(initialize().encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(
            http.send(
                    HttpRequest.newBuilder(endpoint)
                        .header("Authorization", "Bearer " + ContractClient.VIEWER_TOKEN)
                        .POST(HttpRequest.BodyPublishers.ofString(initialize().encode()))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .as("a viewer may not call tools")
        .isEqualTo(403);

    HttpResponse<String> init = initializeAt(http, endpoint);
    assertThat(init.statusCode()).isEqualTo(200);
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    assertThat(
            new JsonObject(init.body())
                .getJsonObject("result")
                .getJsonObject("serverInfo")
                .getString("name"))
        .isEqualTo("example-servers/everything");

    JsonObject call =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", "call-1")
            .put("method", "tools/call")
            .put(
                "params",
                new JsonObject()
                    .put("name", "longRunningOperation")
                    .put("arguments", new JsonObject().put("duration", 1).put("steps", 2))
                    .put("_meta", new JsonObject().put("progressToken", 42)));
    HttpResponse<InputStream> streamed =
        http.send(
            HttpRequest.newBuilder(endpoint)
                .header("Authorization", "Bearer " + TOKEN)
                .header("Mcp-Session-Id", session)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(call.encode()))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(streamed.headers().firstValue("Content-Type")).hasValue("text/event-stream");
    List<JsonObject> events = new ArrayList<>();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(streamed.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("data: ")) {
          events.add(new JsonObject(line.substring(6)));
        }
      }
    }
    assertThat(events).hasSize(3);
    assertThat(events.get(0).getString("method")).isEqualTo("notifications/progress");
    assertThat(events.get(0).getJsonObject("params").getValue("progressToken")).isEqualTo(42);
    assertThat(events.get(2).getString("id")).isEqualTo("call-1");
    assertThat(events.get(2).getJsonObject("result").encode())
        .contains("Long running operation completed");

    // the call is in the call audit, read as the other MCP reads are (a viewer may)
    JsonArray calls =
        Eventually.within(Duration.ofSeconds(10))
            .alias("the tool call is recorded")
            .until(
                () ->
                    api.valid(HttpMethod.GET, "/api/v1/mcp/calls?server=everything&limit=10", 200)
                        .bodyAsJsonObject()
                        .getJsonArray("calls"),
                all -> !all.isEmpty());
    JsonObject recorded = calls.getJsonObject(0);
    assertThat(recorded.getString("tool")).isEqualTo("longRunningOperation");
    assertThat(recorded.getString("caller")).isEqualTo("admin");
    assertThat(recorded.getString("via")).isEqualTo("http");
    assertThat(recorded.getString("outcome")).isEqualTo("ok");
    assertThat(recorded.containsKey("arguments")).isFalse();
    io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> viewer =
        api.call(HttpMethod.GET, "/api/v1/mcp/calls", ContractClient.VIEWER_TOKEN);
    assertThat(viewer.statusCode()).isEqualTo(200);
    api.validate(HttpMethod.GET, "/api/v1/mcp/calls", viewer);
    for (String bad : List.of("limit=0", "outcome=fine", "since=yesterday", "before=x")) {
      String field = bad.substring(0, bad.indexOf('='));
      io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> refused =
          api.valid(HttpMethod.GET, "/api/v1/mcp/calls?" + bad, 400);
      assertThat(refused.getHeader("Content-Type")).startsWith("application/problem+json");
      assertThat(refused.bodyAsString()).as(bad).contains(field);
    }
  }

  @Test
  void anInstanceLogIsReadThroughTheApiWhereTheSupervisorRunsIt(@TempDir Path dataDir)
      throws Exception {
    String databaseUrl = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(databaseUrl, "supervisor");
    vertx
        .deployVerticle(
            new dev.switchboard.supervisor.SupervisorVerticle(),
            new DeploymentOptions()
                .setConfig(
                    new JsonObject()
                        .put("dataDir", dataDir.toString())
                        .put("database", new JsonObject().put("url", databaseUrl))))
        .await();
    api.valid(HttpMethod.POST, "/api/v1/mcp/servers", definition(), 201);
    HttpResponse<String> init =
        initializeAt(
            HttpClient.newHttpClient(),
            URI.create("http://127.0.0.1:" + api.port() + "/mcp/everything"));
    assertThat(init.statusCode()).isEqualTo(200);

    JsonObject logs =
        dev.switchboard.common.testing.Eventually.within(java.time.Duration.ofSeconds(15))
            .alias("server-everything's stderr through the API")
            .until(
                () ->
                    api.valid(HttpMethod.GET, "/api/v1/mcp/servers/EVERYTHING/logs?limit=50", 200)
                        .bodyAsJsonObject(),
                body -> body.getJsonArray("lines").encode().contains("\"stderr\""));
    assertThat(logs.getString("serviceId")).isEqualTo("mcp:everything");
    assertThat(logs.getString("server")).isEqualTo("everything");
    assertThat(logs.encode()).doesNotContain("sk-never-shown");
    api.valid(HttpMethod.GET, "/api/v1/mcp/servers/everything/logs?project=a%2Fb", 400);
    api.valid(HttpMethod.GET, "/api/v1/mcp/servers/nothing/logs", 404);
    // the instance is listed with the managed services
    JsonObject listed = api.valid(HttpMethod.GET, "/api/v1/services", 200).bodyAsJsonObject();
    assertThat(listed.encode())
        .contains("\"name\":\"mcp:everything\"")
        .contains("\"managedBy\":\"mcp-host\"");
  }

  private static JsonObject initialize() {
    return McpMessages.initialize("raw");
  }

  /** An admin's {@code initialize} POSTed to a Streamable HTTP endpoint. */
  private static HttpResponse<String> initializeAt(HttpClient http, URI endpoint)
      throws java.io.IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(endpoint)
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(initialize().encode()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
