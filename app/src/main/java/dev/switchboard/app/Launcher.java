package dev.switchboard.app;

import dev.switchboard.common.Failures;
import dev.switchboard.common.auth.SignInCodes;
import dev.switchboard.common.auth.Tokens;
import dev.switchboard.common.config.ConfigLoader;
import dev.switchboard.common.config.SeedVariables;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.net.ConnectionLimits;
import dev.switchboard.common.net.GuardedTransport;
import dev.switchboard.common.net.OpenFiles;
import dev.switchboard.common.observability.OpsVerticle;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.hub.ConformanceVerticle;
import dev.switchboard.migrations.Migrations;
import dev.switchboard.pg.EmbeddedPostgres;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a Switchboard process: configuration, the database (embedded unless DATABASE_URL is set)
 * and its migrations, a Vert.x instance (clustered on request) with Prometheus metrics, and the
 * verticles asked for, each with its config slice. {@link #stop()} undoes all of it.
 */
final class Launcher {

  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

  /**
   * Long enough for the supervisor to stop its services, each within its own stopTimeout (10 s by
   * default).
   */
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private final CommandLine commandLine;
  private final Map<String, String> env;
  private final PrintStream out;

  private JsonObject config;
  private EmbeddedPostgres embedded;
  private EmbeddedServerWatch embeddedWatch;
  private String databaseUrl;
  private Vertx vertx;
  private Transport transport;
  private GuardedTransport guardedTransport;
  private Optional<OpenFiles> openFiles = Optional.empty();

  Launcher(CommandLine commandLine, Map<String, String> env, PrintStream out) {
    this.commandLine = commandLine;
    this.env = env;
    this.out = out;
  }

  /** Starts everything or throws; what was started before a failure is left for {@link #stop()}. */
  void start() {
    long started = System.nanoTime();
    if (commandLine.command() == CommandLine.Command.CONFORMANCE) {
      startConformanceFixture();
      return;
    }
    // before anything can fail on a port: a seed variable may be why that port was chosen
    SeedVariables.hints(env).forEach(hint -> out.println("Note: " + hint));
    config = loadConfig();
    Path dataDir = dataDir();
    transport = Transports.select(config.getString("transport"));
    Preflight.check(config, commandLine);
    if (commandLine.command() == CommandLine.Command.DB) {
      startEmbeddedDatabase(dataDir);
      out.println("Embedded PostgreSQL running, data in " + dataDir.resolve("pg"));
      out.println("DATABASE_URL=" + databaseUrl);
      out.println("Ctrl-C stops it.");
      return;
    }
    if (commandLine.needsDatabase()) {
      prepareDatabase(dataDir);
    }
    JsonObject tokens = tokens(dataDir);
    vertx = buildVertx(dataDir);
    deploy(tokens);
    // a first-start link on every start of a gateway: its code works once, for an hour, here only
    Optional<String> signInCode =
        commandLine.services().contains(Service.GATEWAY)
            ? Optional.of(SignInCodes.issue(vertx, SignInCodes.VALID_FOR))
            : Optional.empty();
    printBanner(dataDir, signInCode, Duration.ofNanos(System.nanoTime() - started));
  }

  /** The protocol test suites' fixture: no configuration, no database, no credentials. */
  private void startConformanceFixture() {
    vertx = Vertx.vertx();
    int port = commandLine.port();
    try {
      vertx
          .deployVerticle(
              new ConformanceVerticle(),
              new DeploymentOptions().setConfig(new JsonObject().put("port", port)))
          .await();
    } catch (RuntimeException e) {
      throw new LaunchException(
          "cannot serve the conformance fixture on 127.0.0.1:"
              + port
              + ": "
              + Failures.describe(e));
    }
    out.println(
        "Socket.IO conformance fixture on http://127.0.0.1:"
            + port
            + "/socket.io/ and raw Engine.IO echo on /engine.io/");
    out.println("Ready. Ctrl-C stops.");
  }

  /**
   * Undeploys every verticle, closes pools and the cluster, stops the embedded database;
   * idempotent.
   */
  void stop() {
    if (vertx == null && embedded == null) {
      return;
    }
    out.println("Stopping Switchboard ...");
    if (vertx != null) {
      try {
        vertx
            .close()
            .toCompletionStage()
            .toCompletableFuture()
            .get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.warn("Vert.x did not close cleanly: {}", Failures.describe(e));
      }
      vertx = null;
    }
    if (embedded != null) {
      embeddedWatch.close();
      embedded.close();
      embedded = null;
    }
    out.println("Stopped.");
  }

  private JsonObject loadConfig() {
    Vertx bootstrap = Vertx.vertx();
    try {
      return ConfigLoader.load(bootstrap, commandLine.configFile(), env).await();
    } finally {
      bootstrap.close().await();
    }
  }

  private Path dataDir() {
    Path dir = Path.of(config.getString("dataDir"));
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new LaunchException(
          "cannot create the data directory " + dir + " (DATA_DIR): " + Failures.describe(e));
    }
    return dir;
  }

  private void prepareDatabase(Path dataDir) {
    String configured = config.getJsonObject("database", new JsonObject()).getString("url");
    if (configured != null) {
      databaseUrl = configured;
    } else if (commandLine.cluster()) {
      throw new LaunchException(
          "a clustered service that uses the database needs DATABASE_URL; "
              + "run ./switchboard db to get one on this machine");
    } else {
      startEmbeddedDatabase(dataDir);
    }
    for (Service service : commandLine.services()) {
      service.schema().ifPresent(this::migrate);
    }
  }

  private void startEmbeddedDatabase(Path dataDir) {
    try {
      embedded =
          EmbeddedPostgres.start(
              dataDir.resolve("pg"), config.getJsonObject("database").getInteger("port", 0));
      embeddedWatch = EmbeddedServerWatch.start(embedded);
      databaseUrl = embedded.url();
    } catch (IOException e) {
      throw new LaunchException(
          "cannot start the embedded PostgreSQL in "
              + dataDir.resolve("pg")
              + ": "
              + e.getMessage());
    }
  }

  private void migrate(String schema) {
    try {
      int applied = Migrations.migrate(databaseUrl, schema);
      LOG.debug("schema {}: {} migrations applied", schema, applied);
    } catch (RuntimeException e) {
      throw new LaunchException(
          "cannot migrate schema "
              + schema
              + " on "
              + describeDatabase()
              + ": "
              + databaseProblem(e));
    }
  }

  /**
   * The credentials the HTTP services check: the admin token, the viewer and operator tokens when
   * configured (none is generated), and the emit token when the hub runs.
   */
  private JsonObject tokens(Path dataDir) {
    JsonObject tokens = new JsonObject();
    Set<Service> services = commandLine.services();
    if (services.stream().anyMatch(Service::http)) {
      tokens.put("adminToken", token(dataDir, "adminToken", "admin.token"));
      JsonObject auth = config.getJsonObject("auth", new JsonObject());
      for (String key : List.of("viewerToken", "operatorToken")) {
        if (auth.getString(key) != null) {
          tokens.put(key, auth.getString(key));
        }
      }
    }
    if (services.contains(Service.WS_HUB)) {
      tokens.put("emitToken", token(dataDir, "emitToken", "emit.token"));
    }
    return tokens;
  }

  private String token(Path dataDir, String key, String fileName) {
    Optional<String> configured =
        Optional.ofNullable(config.getJsonObject("auth", new JsonObject()).getString(key));
    try {
      return Tokens.resolve(configured, dataDir, fileName);
    } catch (IOException e) {
      throw new LaunchException(
          "cannot read or create " + fileName + " in " + dataDir + ": " + Failures.describe(e));
    }
  }

  private Vertx buildVertx(Path dataDir) {
    String services = String.join(",", serviceNames());
    guardedTransport = guardConnections();
    VertxOptions options = new VertxOptions().setFileSystemOptions(FileCacheDir.in(dataDir));
    if (!commandLine.cluster()) {
      return Telemetry.vertxBuilder(services, options).withTransport(guardedTransport).build();
    }
    JsonObject cluster = config.getJsonObject("cluster");
    options.setEventBusOptions(Clustering.eventBus(cluster));
    try {
      return Telemetry.vertxBuilder(services, options)
          .withTransport(guardedTransport)
          .withClusterManager(Clustering.clusterManager(cluster))
          .buildClustered()
          .await();
    } catch (RuntimeException e) {
      throw new LaunchException(
          "cannot join the cluster "
              + cluster.getString("name")
              + " on "
              + cluster.getString("host")
              + " (members "
              + cluster.getJsonArray("members").encode()
              + "): "
              + Failures.describe(e));
    }
  }

  /**
   * The transport, with the connection limits (CONNECTIONS_*) sized from the open-files limit in
   * force.
   */
  private GuardedTransport guardConnections() {
    openFiles = OpenFiles.current();
    ConnectionLimits limits =
        ConnectionLimits.fromConfig(
            config.getJsonObject("connections"), openFiles.map(OpenFiles::soft).orElse(0L));
    return new GuardedTransport(transport, limits);
  }

  private void deploy(JsonObject tokens) {
    JsonObject process = new JsonObject().put("services", new JsonArray(serviceNames()));
    List<Future<String>> deployments = new ArrayList<>();
    if (commandLine.services().stream().noneMatch(Service::http)) {
      JsonObject ops =
          config
              .getJsonObject("ops")
              .copy()
              .put("bindHost", config.getString("bindHost"))
              .put("allowedHosts", config.getJsonArray("allowedHosts"))
              .put("trustedProxies", config.getJsonArray("trustedProxies"))
              .put("process", process);
      deployments.add(
          vertx.deployVerticle(OpsVerticle::new, new DeploymentOptions().setConfig(ops)));
    }
    for (Service service : commandLine.services()) {
      JsonObject slice =
          config
              .getJsonObject(service.configSection(), new JsonObject())
              .copy()
              .put("bindHost", config.getString("bindHost"))
              .put("dataDir", config.getString("dataDir"))
              .put("allowedHosts", config.getJsonArray("allowedHosts"))
              .put("trustedProxies", config.getJsonArray("trustedProxies"))
              .put("process", process);
      if (service.schema().isPresent()) {
        slice.put("database", config.getJsonObject("database").copy().put("url", databaseUrl));
      }
      if (service == Service.SUPERVISOR) {
        // the services: section of the config file, applied at start
        slice.put(
            "services",
            config.getValue("services") instanceof JsonArray declared ? declared : new JsonArray());
      }
      if (service.http()) {
        slice.put("auth", tokens);
      }
      if (service == Service.MCP_HOST) {
        // CORS_ORIGINS: the browser origins a Streamable HTTP request may come from
        slice.put("corsOrigins", config.getJsonObject("hub").getJsonArray("corsOrigins").copy());
      }
      if (service == Service.GATEWAY) {
        // where uploads and asset content are forwarded to
        slice.put("files", config.getJsonObject("files").copy());
        // where /mcp/ is forwarded to
        slice.put("mcp", config.getJsonObject("mcp").copy().put("servers", new JsonArray()));
        // CORS_ORIGINS: the browser origins allowed on the hub are allowed on the API too
        slice.put("corsOrigins", config.getJsonObject("hub").getJsonArray("corsOrigins").copy());
        // where the browser app it serves finds the hub
        slice.put(
            "hub", new JsonObject().put("port", config.getJsonObject("hub").getInteger("port")));
      }
      DeploymentOptions options =
          new DeploymentOptions().setConfig(slice).setThreadingModel(service.threading());
      deployments.add(
          vertx
              .deployVerticle(service.factory(), options)
              .recover(
                  err ->
                      Future.failedFuture(
                          new LaunchException(
                              service.serviceName() + ": " + Failures.describe(err)))));
    }
    try {
      // join, not all: on a failure, let the other deployments finish starting before anything is
      // closed, so that the stop that follows undeploys whole verticles rather than half-started
      // ones
      Future.join(deployments).await();
    } catch (LaunchException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new LaunchException(Failures.describe(e));
    }
  }

  private void printBanner(Path dataDir, Optional<String> signInCode, Duration took) {
    String host = config.getString("bindHost");
    String mode =
        commandLine.cluster()
            ? "clustered (" + config.getJsonObject("cluster").getString("name") + ")"
            : "one JVM";
    out.println(
        "Switchboard "
            + version()
            + " · "
            + String.join(", ", serviceNames())
            + " · "
            + mode
            + " · "
            + transport.name());
    commandLine.leftOutNotice().ifPresent(notice -> out.println("  " + notice));
    JsonObject auth = config.getJsonObject("auth", new JsonObject());
    if (commandLine.services().contains(Service.GATEWAY)) {
      String base = "http://" + host + ":" + config.getJsonObject("gateway").getInteger("port");
      out.println("  Web app      " + base + "/");
      // the code is in the fragment: the browser never sends it, so no log or Referer has it
      signInCode.ifPresent(
          code ->
              out.println(
                  "  Sign in      "
                      + base
                      + "/#code="
                      + code
                      + "   (open this link; it works once, for "
                      + SignInCodes.VALID_FOR.toMinutes()
                      + " min)"));
      out.println(
          "  API          " + base + "/api/v1   (contract: " + base + "/api/v1/openapi.yaml)");
      out.println(
          "  Health       " + base + "/health   " + base + "/readiness   " + base + "/metrics");
    }
    if (commandLine.services().contains(Service.WS_HUB)) {
      String base = "http://" + host + ":" + config.getJsonObject("hub").getInteger("port");
      out.println(
          "  Hub          " + base + "/socket.io/   POST " + base + "/emit   " + base + "/health");
      out.println(
          "  Emit token   "
              + (auth.getString("emitToken") != null
                  ? "from EMIT_TOKEN"
                  : dataDir.resolve("emit.token")));
    }
    if (commandLine.services().contains(Service.MCP_HOST)) {
      String base = "http://" + host + ":" + config.getJsonObject("mcp").getInteger("port");
      out.println("  MCP          " + base + "/mcp/{server}   (Streamable HTTP; docs/mcp.md)");
    }
    if (commandLine.services().stream().anyMatch(Service::http)) {
      out.println(
          "  Admin token  "
              + (auth.getString("adminToken") != null
                  ? "from ADMIN_TOKEN"
                  : dataDir.resolve("admin.token")));
    } else {
      String base = "http://" + host + ":" + config.getJsonObject("ops").getInteger("port");
      out.println(
          "  Health       " + base + "/health   " + base + "/readiness   " + base + "/metrics");
    }
    ConnectionLimits limits = guardedTransport.limits();
    out.println(
        "  Connections  up to "
            + limits.max()
            + ", "
            + limits.perAddress()
            + " per address · "
            + openFiles.map(OpenFiles::describe).orElse("open-files limit unknown"));
    if (databaseUrl != null) {
      out.println(
          "  Database     "
              + (embedded != null ? "embedded PostgreSQL in " + dataDir.resolve("pg") + ", " : "")
              + describeDatabase());
    }
    out.printf("Ready in %.1f s. Ctrl-C stops.%n", took.toMillis() / 1000.0);
  }

  private List<String> serviceNames() {
    return commandLine.services().stream().map(Service::serviceName).toList();
  }

  /** The database's URL without the password, fit for a banner or an error. */
  private String describeDatabase() {
    PgConnectOptions options = Database.connectOptions(databaseUrl);
    return "postgresql://"
        + options.getUser()
        + "@"
        + options.getHost()
        + ":"
        + options.getPort()
        + "/"
        + options.getDatabase();
  }

  /**
   * What went wrong with the database in one line: the driver's own message (Flyway wraps it in a
   * report of several lines).
   */
  static String databaseProblem(Throwable err) {
    Throwable cause = err;
    while (cause.getCause() != null
        && cause.getCause() != cause
        && !(cause instanceof SQLException)) {
      cause = cause.getCause();
    }
    String message = cause.getMessage() == null ? Failures.describe(err) : cause.getMessage();
    return message
        .lines()
        .map(String::trim)
        .filter(line -> !line.isEmpty())
        .findFirst()
        .orElse(message);
  }

  private static String version() {
    String version = Launcher.class.getPackage().getImplementationVersion();
    return version != null ? version : "(development)";
  }
}
