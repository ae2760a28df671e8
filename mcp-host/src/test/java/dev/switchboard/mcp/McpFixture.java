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
  private final JsonObject settings = new JsonObject();
  int port;

  /** A setting of the verticle's config (the {@code mcp.} key without its prefix), before start. */
  McpFixture with(String key, Object value) {
    settings.put(key, value);
    return this;
  }

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
            .put("database", new JsonObject().put("url", databaseUrl).put("poolSize", 2))
            .mergeIn(settings);
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

  /** One SSE event: its id (null when it has none) and its message. */
  record Event(String id, JsonObject message) {}

  /**
   * Sends {@code request} (as the admin, accepting SSE) and reads its SSE events into the queue on
   * a thread of its own; the response's status must be {@code 200}.
   */
  java.util.concurrent.LinkedBlockingQueue<Event> sse(HttpRequest.Builder request)
      throws Exception {
    java.util.concurrent.LinkedBlockingQueue<Event> events =
        new java.util.concurrent.LinkedBlockingQueue<>();
    HttpResponse<java.io.InputStream> response =
        HTTP.send(
            request
                .header("Authorization", "Bearer " + TOKEN)
                .header("Accept", "application/json, text/event-stream")
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "answered " + response.statusCode() + ": " + new String(response.body().readAllBytes()));
    }
    Thread reader =
        new Thread(
            () -> {
              try (java.io.BufferedReader lines =
                  new java.io.BufferedReader(
                      new java.io.InputStreamReader(
                          response.body(), java.nio.charset.StandardCharsets.UTF_8))) {
                String line;
                String id = null;
                while ((line = lines.readLine()) != null) {
                  if (line.startsWith("id: ")) {
                    id = line.substring(4);
                  } else if (line.startsWith("data: ")) {
                    events.add(new Event(id, new JsonObject(line.substring(6))));
                    id = null;
                  }
                }
              } catch (Exception closed) {
                // the test is over, or it closed the stream
              }
            });
    reader.setDaemon(true);
    reader.start();
    return events;
  }

  /** A POST of {@code message} on {@code session} whose answer is read as SSE. */
  java.util.concurrent.LinkedBlockingQueue<Event> postSse(
      String path, String session, JsonObject message) throws Exception {
    return sse(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/json")
            .header(StreamableHttp.SESSION, session)
            .POST(HttpRequest.BodyPublishers.ofString(message.encode())));
  }

  /** The GET stream of {@code session}, with {@code headers}. */
  java.util.concurrent.LinkedBlockingQueue<Event> getSse(
      String path, String session, String... headers) throws Exception {
    HttpRequest.Builder get =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header(StreamableHttp.SESSION, session)
            .GET();
    if (headers.length > 0) {
      get.headers(headers);
    }
    return sse(get);
  }

  /** Opens a session whose client declares {@code capabilities}; answers its id. */
  String session(String path, JsonObject capabilities) throws Exception {
    JsonObject init = initialize(1);
    init.getJsonObject("params").put("capabilities", capabilities);
    HttpResponse<String> answer = post(path, null, init, "Authorization", "Bearer " + TOKEN);
    if (answer.statusCode() != 200) {
      throw new IllegalStateException(
          "initialize answered " + answer.statusCode() + ": " + answer.body());
    }
    return answer.headers().firstValue(StreamableHttp.SESSION).orElseThrow();
  }

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
