package dev.switchboard.supervisor;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.common.testing.TempDirs;
import dev.switchboard.migrations.Migrations;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * A supervisor on a fresh database and a data directory of its own, driven over the event bus the
 * way the gateway and the hub drive it. Blocking helpers; call them from the test thread.
 */
final class SupervisorFixture implements AutoCloseable {

  final Vertx vertx = Vertx.vertx();
  final Path dataDir;
  final String databaseUrl;
  private final MeterRegistry registry;
  private JsonObject config;
  private String deployment;

  SupervisorFixture(JsonObject extra) throws IOException {
    this(extra, null);
  }

  /** With the services' meters in {@code registry} (null: a throwaway one). */
  SupervisorFixture(JsonObject extra, MeterRegistry registry) throws IOException {
    this.registry = registry;
    dataDir = Files.createTempDirectory("supervisor-test");
    try {
      databaseUrl = TestDatabase.freshDatabaseUrl();
      Migrations.migrate(databaseUrl, "supervisor");
      config =
          new JsonObject()
              .put("dataDir", dataDir.toString())
              .put("database", new JsonObject().put("url", databaseUrl).put("poolSize", 4))
              .put("statsInterval", 500L)
              .put("dependencyTimeout", 20_000L)
              .mergeIn(extra, true);
      deploy();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  SupervisorFixture() throws IOException {
    this(new JsonObject());
  }

  void deploy() {
    deployment =
        vertx
            .deployVerticle(
                new SupervisorVerticle(Clock.systemUTC(), registry),
                new DeploymentOptions().setConfig(config))
            .await();
  }

  /** Redeploys with these settings changed (the supervisor's restart with another config file). */
  void redeploy(JsonObject changes) {
    undeploy();
    config = config.copy().mergeIn(changes, true);
    deploy();
  }

  void undeploy() {
    vertx.undeploy(deployment).await();
  }

  JsonObject request(String address, JsonObject body) {
    return Bus.request(vertx, address, body, Duration.ofSeconds(30)).await();
  }

  /** The failure a request ends with. */
  ApiException failure(String address, JsonObject body) {
    try {
      Bus.request(vertx, address, body, Duration.ofSeconds(30)).await();
    } catch (ApiException e) {
      return e;
    }
    throw new AssertionError(address + " succeeded; a failure was expected");
  }

  JsonObject service(String name) {
    return request(
        dev.switchboard.common.bus.Addresses.SUPERVISOR_SERVICES_GET,
        new JsonObject().put("name", name));
  }

  /** Waits until the service matches, and returns it. */
  JsonObject await(String name, Predicate<JsonObject> condition, Duration timeout, String what) {
    return Eventually.within(timeout)
        .alias(name + " becomes " + what)
        .until(() -> service(name), condition);
  }

  /** Waits until the deployment matches, and returns it. */
  JsonObject awaitDeployment(String id, Predicate<JsonObject> condition, String what) {
    return Eventually.within(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(100))
        .alias("deployment " + id + " " + what)
        .until(
            () -> request(Addresses.SUPERVISOR_DEPLOYMENTS_GET, new JsonObject().put("id", id)),
            condition);
  }

  JsonObject awaitState(String name, String state, Duration timeout) {
    return await(name, s -> state.equals(s.getString("state")), timeout, state);
  }

  /**
   * Waits until the lines of a service that match {@code query} satisfy {@code condition}, and
   * returns them.
   */
  List<String> awaitLines(
      String name, JsonObject query, Predicate<List<String>> condition, String what) {
    return Eventually.within(Duration.ofSeconds(10))
        .alias("the logs of " + name + " show " + what)
        .until(
            () ->
                request(
                        dev.switchboard.common.bus.Addresses.SUPERVISOR_SERVICES_LOGS,
                        query.copy().put("name", name))
                    .getJsonArray("lines")
                    .stream()
                    .map(l -> ((JsonObject) l).getString("line"))
                    .toList(),
            condition);
  }

  /** The java command and class path that run a test helper class as a child process. */
  static JsonArray java(Class<?> main, Object... args) {
    JsonArray argv =
        new JsonArray()
            .add(ProcessHandle.current().info().command().orElse("java"))
            .add("-Xmx32m")
            .add("-XX:TieredStopAtLevel=1")
            .add("-Xshare:auto")
            .add("-cp")
            .add(System.getProperty("java.class.path"))
            .add(main.getName());
    for (Object arg : args) {
      argv.add(String.valueOf(arg));
    }
    return argv;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Pids of live processes whose environment carries {@code NAME=value}. */
  static List<Long> processesWith(String name, String value) {
    return ProcessHandle.allProcesses()
        .filter(
            p -> dev.switchboard.supervisor.process.ProcTable.hasEnv((int) p.pid(), name, value))
        .filter(
            p ->
                dev.switchboard.supervisor.process.ProcTable.stat((int) p.pid())
                    .map(s -> !s.exited())
                    .orElse(false))
        .map(ProcessHandle::pid)
        .toList();
  }

  /**
   * Closes Vert.x, which stops the supervisor and what it runs (unless {@code onShutdown} leaves
   * it), then deletes the data directory.
   */
  @Override
  public void close() {
    try {
      vertx.close().await();
    } finally {
      TempDirs.delete(dataDir);
    }
  }
}
