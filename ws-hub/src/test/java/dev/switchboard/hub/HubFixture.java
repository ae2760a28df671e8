package dev.switchboard.hub;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.net.ConnectionLimits;
import dev.switchboard.common.net.GuardedTransport;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.common.testing.TempDirs;
import dev.switchboard.migrations.Migrations;
import dev.switchboard.supervisor.SupervisorVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link HubVerticle} deployed on port 0 in a Vert.x built like the launcher's (so {@code
 * /metrics} is there), an HTTP client for {@code /emit}, {@code /health} and {@code /metrics}, and
 * the Node drivers started against it; {@link #close} ends them all.
 */
final class HubFixture implements AutoCloseable {

  static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
  static final String VIEWER_TOKEN = "test-viewer-token-0123456789abcdef";
  static final String OPERATOR_TOKEN = "test-operator-token-0123456789abcdef";
  static final String EMIT_TOKEN = "test-emit-token-0123456789abcdef";
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)$");

  final Vertx vertx;
  final HubVerticle hub;
  final WebClient http;
  private final List<NodeDriver> drivers = new ArrayList<>();

  /** The data directories of {@link #deploySupervisor}, deleted by {@link #close}. */
  private final List<Path> dataDirs = new ArrayList<>();

  private HubFixture(Vertx vertx, HubVerticle hub) {
    this.vertx = vertx;
    this.hub = hub;
    this.http =
        WebClient.create(
            vertx,
            new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(hub.actualPort()));
  }

  /** A hub with test tokens, on a free port, with {@code overrides} on top of its config slice. */
  static HubFixture start(JsonObject overrides) {
    return start(overrides, Telemetry.vertxBuilder("ws-hub-test", new VertxOptions()).build());
  }

  /**
   * As {@link #start(JsonObject)}, on a transport that holds connections within {@code limits}, as
   * the launcher's does.
   */
  static HubFixture start(JsonObject overrides, ConnectionLimits limits) {
    return start(
        overrides,
        Telemetry.vertxBuilder("ws-hub-test", new VertxOptions())
            .withTransport(new GuardedTransport(io.vertx.core.transport.Transport.NIO, limits))
            .build());
  }

  private static HubFixture start(JsonObject overrides, Vertx vertx) {
    JsonObject config = config(overrides);
    HubVerticle hub = new HubVerticle();
    try {
      vertx.deployVerticle(hub, new DeploymentOptions().setConfig(config)).await();
    } catch (RuntimeException e) {
      vertx.close().await();
      throw e;
    }
    return new HubFixture(vertx, hub);
  }

  /**
   * A second hub in this fixture's Vert.x, so on the same event bus, as another node of a cluster
   * is: with {@code overrides} on top of the test config. It stops with the fixture.
   */
  HubVerticle deployAnother(JsonObject overrides) {
    HubVerticle other = new HubVerticle();
    vertx.deployVerticle(other, new DeploymentOptions().setConfig(config(overrides))).await();
    return other;
  }

  private static JsonObject config(JsonObject overrides) {
    return new JsonObject()
        .put("port", 0)
        .put("bindHost", "127.0.0.1")
        .put(
            "auth",
            new JsonObject()
                .put("adminToken", ADMIN_TOKEN)
                .put("viewerToken", VIEWER_TOKEN)
                .put("operatorToken", OPERATOR_TOKEN)
                .put("emitToken", EMIT_TOKEN))
        .mergeIn(overrides, true);
  }

  static HubFixture start() {
    return start(new JsonObject());
  }

  int port() {
    return hub.actualPort();
  }

  /** The npm socket.io-client, under this test's control, pointed at this hub. */
  NodeDriver node() {
    return node(port());
  }

  /** The npm socket.io-client, under this test's control, pointed at {@code port} (a proxy). */
  NodeDriver node(int port) {
    NodeDriver driver = NodeDriver.start(port, ADMIN_TOKEN, VIEWER_TOKEN, EMIT_TOKEN);
    drivers.add(driver);
    return driver;
  }

  // ---- HTTP ----

  /** {@code POST /emit} with the emit token. */
  HttpResponse<Buffer> emit(Object body) {
    return post("/emit", EMIT_TOKEN, Buffer.buffer(Json.encode(body)));
  }

  HttpResponse<Buffer> post(String path, String token, Buffer body) {
    var request = http.post(path).putHeader("Content-Type", "application/json");
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return request.sendBuffer(body).await();
  }

  JsonObject health() {
    HttpResponse<Buffer> response = http.get("/health").send().await();
    if (response.statusCode() != 200) {
      throw new AssertionError("/health answered " + response.statusCode());
    }
    return response.bodyAsJsonObject();
  }

  /** Polls {@code /health} until it matches: for server-side state no client event announces. */
  JsonObject awaitHealth(String what, Predicate<JsonObject> match) {
    return Eventually.within(WAIT)
        .pollInterval(Duration.ofMillis(10))
        .alias("/health shows " + what)
        .until(this::health, match);
  }

  String metrics() {
    HttpResponse<Buffer> response = http.get("/metrics").send().await();
    if (response.statusCode() != 200) {
      throw new AssertionError("/metrics answered " + response.statusCode());
    }
    return response.bodyAsString();
  }

  /** The sum of the samples of a metric whose labels include every {@code label="value"} given. */
  double metric(String name, String... labels) {
    double sum = 0;
    for (String line : metrics().split("\n")) {
      Matcher sample = SAMPLE.matcher(line.strip());
      if (!sample.matches() || !sample.group(1).equals(name)) {
        continue;
      }
      String tags = sample.group(2) == null ? "" : sample.group(2);
      boolean all = true;
      for (String label : labels) {
        all &= tags.contains(label);
      }
      if (all) {
        sum += Double.parseDouble(sample.group(3));
      }
    }
    return sum;
  }

  /**
   * Stands in for the supervisor on {@code address}: every request is answered as {@code answer}
   * says (a reply, or a failure), once the consumer is registered.
   */
  void supervisorAnswers(String address, Consumer<Message<JsonObject>> answer) {
    vertx.eventBus().<JsonObject>consumer(address, answer::accept).completion().await();
  }

  /**
   * The real supervisor, on a fresh database and data directory, in this hub's Vert.x: what the
   * hub's namespaces relay and control, as in production.
   */
  void deploySupervisor() {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "supervisor");
    Path dataDir;
    try {
      dataDir = Files.createTempDirectory("hub-supervisor");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    dataDirs.add(dataDir);
    JsonObject config =
        new JsonObject()
            .put("dataDir", dataDir.toString())
            .put("database", new JsonObject().put("url", url).put("poolSize", 2));
    vertx
        .deployVerticle(new SupervisorVerticle(), new DeploymentOptions().setConfig(config))
        .await();
  }

  /** Creates a service with the real supervisor: {@code definition} as {@code POST} takes it. */
  void createService(JsonObject definition) {
    Bus.request(vertx, Addresses.SUPERVISOR_SERVICES_CREATE, definition).await();
  }

  /** A stand-in supervisor whose start answers that the named service is starting. */
  void supervisorStartsServices() {
    supervisorAnswers(
        Addresses.SUPERVISOR_SERVICES_START,
        msg ->
            msg.reply(
                new JsonObject()
                    .put("name", msg.body().getString("name"))
                    .put("state", "starting")));
  }

  /**
   * Ends the Node drivers, closes Vert.x (a supervisor stops what it runs), then deletes the
   * supervisors' data directories.
   */
  @Override
  public void close() {
    try {
      drivers.forEach(NodeDriver::close);
      vertx.close().await();
    } finally {
      dataDirs.forEach(TempDirs::delete);
    }
  }
}
