package dev.switchboard.gateway;

import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.common.testing.TempDirs;
import dev.switchboard.files.FileProcessorVerticle;
import dev.switchboard.migrations.Migrations;
import dev.switchboard.supervisor.SupervisorVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A gateway in front of the real supervisor, with real child processes and a fresh database of the
 * shared embedded PostgreSQL: what the tests of the supervisor's routes run against. Closing it
 * stops the supervisor, which stops what it runs.
 */
final class SupervisedGateway implements AutoCloseable {

  final Vertx vertx;
  final ContractClient api;

  /** The database the services use (and the gateway, when it was given it). */
  final String databaseUrl;

  /** The supervisor's data directory (the file-processor's is in it), deleted by {@link #close}. */
  private final Path dataDir;

  private SupervisedGateway(Vertx vertx, ContractClient api, String databaseUrl, Path dataDir) {
    this.vertx = vertx;
    this.api = api;
    this.databaseUrl = databaseUrl;
    this.dataDir = dataDir;
  }

  static SupervisedGateway start(String token) throws IOException {
    return start(token, false, false, new JsonObject());
  }

  /**
   * As {@link #startWithFiles(String)}, and the gateway has the database too (its {@code auth}
   * schema: named tokens, the audit log) and the tokens of {@code auth} ({@code adminToken}
   * included).
   */
  static SupervisedGateway startWithAudit(String token, JsonObject auth) throws IOException {
    return start(token, true, true, new JsonObject().put("auth", auth));
  }

  /**
   * As {@link #start(String)}, with the real file-processor too (its own database schema and data
   * directory), which the gateway forwards the files and assets routes to.
   */
  static SupervisedGateway startWithFiles(String token) throws IOException {
    return start(token, true, false, new JsonObject());
  }

  private static SupervisedGateway start(
      String token, boolean withFiles, boolean gatewayDatabase, JsonObject more)
      throws IOException {
    String databaseUrl = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(databaseUrl, "supervisor");
    if (gatewayDatabase) {
      Migrations.migrate(databaseUrl, "auth");
      more.put("database", new JsonObject().put("url", databaseUrl));
    }
    Path dataDir = Files.createTempDirectory("gateway-supervisor-test");
    Vertx vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
    try {
      return deploy(token, withFiles, more, databaseUrl, dataDir, vertx);
    } catch (IOException | RuntimeException e) {
      close(vertx, dataDir);
      throw e;
    }
  }

  private static SupervisedGateway deploy(
      String token,
      boolean withFiles,
      JsonObject more,
      String databaseUrl,
      Path dataDir,
      Vertx vertx)
      throws IOException {
    JsonArray services = new JsonArray().add("gateway").add("supervisor");
    if (withFiles) {
      services.add("file-processor");
    }
    JsonObject process = new JsonObject().put("services", services);
    vertx
        .deployVerticle(
            new SupervisorVerticle(),
            new DeploymentOptions()
                .setConfig(
                    new JsonObject()
                        .put("dataDir", dataDir.toString())
                        .put("statsInterval", 500L)
                        .put("process", process)
                        .put(
                            "database",
                            new JsonObject().put("url", databaseUrl).put("poolSize", 4))))
        .await();
    JsonObject files = new JsonObject();
    if (withFiles) {
      Migrations.migrate(databaseUrl, "files");
      FileProcessorVerticle fileProcessor = new FileProcessorVerticle();
      vertx
          .deployVerticle(
              fileProcessor,
              new DeploymentOptions()
                  .setConfig(
                      new JsonObject()
                          .put("port", 0)
                          .put("workers", 2)
                          .put("dataDir", dataDir.resolve("files").toString())
                          .put("process", process)
                          .put(
                              "auth",
                              more.getJsonObject("auth", new JsonObject().put("adminToken", token)))
                          .put("database", new JsonObject().put("url", databaseUrl))))
          .await();
      files.put("url", "http://127.0.0.1:" + fileProcessor.actualPort());
    }
    return new SupervisedGateway(
        vertx,
        ContractClient.deployGateway(vertx, process, token, files, more),
        databaseUrl,
        dataDir);
  }

  @Override
  public void close() {
    close(vertx, dataDir);
  }

  /** Closes Vert.x, which stops the supervisor and its children, then deletes the data. */
  private static void close(Vertx vertx, Path dataDir) {
    try {
      vertx.close().await();
    } finally {
      TempDirs.delete(dataDir);
    }
  }
}
