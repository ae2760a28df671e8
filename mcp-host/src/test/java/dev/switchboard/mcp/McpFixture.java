package dev.switchboard.mcp;

import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.migrations.Migrations;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * An mcp-host verticle on a fresh database and a free port, with the real npm server-everything
 * (src/test/node) to run, an admin token, and clients: the official MCP Java SDK over Streamable
 * HTTP, and raw HTTP for what the SDK hides.
 */
final class McpFixture implements AutoCloseable {

  static final String TOKEN = "test-admin-token-0123456789abcdef";
  static final String OPERATOR_TOKEN = "test-operator-token-0123456789abcdef";
  static final String VIEWER_TOKEN = "test-viewer-token-0123456789abcdef";
  static final Path EVERYTHING =
      Path.of("src/test/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
          .toAbsolutePath();

  /** With metrics, in a registry of its own ({@link Telemetry#registry()} while it runs). */
  final Vertx vertx = Telemetry.vertxBuilder("mcp-host", new VertxOptions()).build();

  final String databaseUrl;
  private String deployment;
  int port;

  McpFixture() {
    if (!Files.isRegularFile(EVERYTHING)) {
      throw new IllegalStateException(EVERYTHING + " is missing: mvn runs npm ci in src/test/node");
    }
    databaseUrl = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(databaseUrl, "mcp");
  }

  /** server-everything over stdio, as a definition. */
  static JsonObject everything(String name, String pool) {
    return new JsonObject()
        .put("name", name)
        .put("command", new JsonArray().add("node").add(EVERYTHING.toString()).add("stdio"))
        .put("pool", pool)
        .put("env", new JsonObject().put("SECRET_VALUE", "hunter2-never-shown"));
  }

  McpFixture start(JsonObject... declared) {
    JsonObject config =
        new JsonObject()
            .put("port", 0)
            .put("bindHost", "127.0.0.1")
            .put("servers", new JsonArray(List.of((Object[]) declared)))
            .put("corsOrigins", new JsonArray().add("http://127.0.0.1:3006"))
            .put(
                "auth",
                new JsonObject()
                    .put("adminToken", TOKEN)
                    .put("operatorToken", OPERATOR_TOKEN)
                    .put("viewerToken", VIEWER_TOKEN))
            .put("database", new JsonObject().put("url", databaseUrl).put("poolSize", 2));
    McpHostVerticle verticle = new McpHostVerticle();
    deployment = vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)).await();
    port = verticle.actualPort();
    return this;
  }

  void restart(JsonObject... declared) {
    vertx.undeploy(deployment).await();
    start(declared);
  }

  JsonObject ask(String address, JsonObject body) {
    return Bus.request(vertx, address, body, Duration.ofSeconds(10)).await();
  }

  String endpoint(String server, String project) {
    return "/mcp/" + server + (project == null ? "" : "?project=" + project);
  }

  McpSyncClient client(
      String server, String project, Consumer<McpSchema.ProgressNotification> progress) {
    HttpClientStreamableHttpTransport transport =
        HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + port)
            .endpoint(endpoint(server, project))
            .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + TOKEN))
            .build();
    McpClient.SyncSpec spec =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(30))
            .initializationTimeout(Duration.ofSeconds(30));
    if (progress != null) {
      spec.progressConsumer(progress);
    }
    McpSyncClient client = spec.build();
    client.initialize();
    return client;
  }

  /** A raw POST of one JSON-RPC message, JSON answers only. */
  HttpResponse<String> post(String path, String session, JsonObject message, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            // an answer that never comes fails the test rather than hanging the build
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(message.encode()));
    if (session != null) {
      request.header(StreamableHttp.SESSION, session);
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Opens a session on {@code server} (raw HTTP, as the admin); answers its id. */
  String session(String server) throws Exception {
    HttpResponse<String> init =
        post("/mcp/" + server, null, initialize(1), "Authorization", "Bearer " + TOKEN);
    if (init.statusCode() != 200) {
      throw new IllegalStateException(
          "initialize answered " + init.statusCode() + ": " + init.body());
    }
    return init.headers().firstValue(StreamableHttp.SESSION).orElseThrow();
  }

  static final HttpClient HTTP = HttpClient.newHttpClient();

  static JsonObject initialize(int id) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", id)
        .put("method", "initialize")
        .put(
            "params",
            new JsonObject()
                .put("protocolVersion", "2025-03-26")
                .put("capabilities", new JsonObject())
                .put("clientInfo", new JsonObject().put("name", "raw").put("version", "1")));
  }

  static JsonObject call(Object id, String tool, JsonObject arguments) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", id)
        .put("method", "tools/call")
        .put("params", new JsonObject().put("name", tool).put("arguments", arguments));
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
