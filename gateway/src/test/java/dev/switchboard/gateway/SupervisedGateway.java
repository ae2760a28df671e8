package dev.switchboard.gateway;

import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.observability.Telemetry;
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

  private SupervisedGateway(Vertx vertx, ContractClient api) {
    this.vertx = vertx;
    this.api = api;
  }

  static SupervisedGateway start(String token) throws IOException {
    String databaseUrl = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(databaseUrl, "supervisor");
    Path dataDir = Files.createTempDirectory("gateway-supervisor-test");
    Vertx vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
    JsonObject process =
        new JsonObject().put("services", new JsonArray().add("gateway").add("supervisor"));
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
    return new SupervisedGateway(vertx, ContractClient.deployGateway(vertx, process, token));
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
