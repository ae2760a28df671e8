package dev.switchboard.app;

import static dev.switchboard.app.LauncherIT.START_TIMEOUT;
import static dev.switchboard.app.LauncherIT.STOP_TIMEOUT;
import static dev.switchboard.app.LauncherIT.assertNoStackTrace;
import static dev.switchboard.app.LauncherIT.assertNothingElseOnStderr;
import static dev.switchboard.app.LauncherIT.failureLine;
import static dev.switchboard.app.SwitchboardProcess.dataDir;
import static dev.switchboard.common.testing.FreePorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The split deployment on one machine: separate switchboard processes joined in a Hazelcast cluster
 * on loopback, the gateway in one, system-stats in another, sharing one database.
 */
@EnabledOnOs(OS.LINUX)
class ClusterIT {

  @TempDir Path temp;

  private final Processes processes = new Processes();

  @AfterEach
  void killEverythingStarted() {
    processes.close();
  }

  private SwitchboardProcess start(SwitchboardProcess.Builder builder) {
    return processes.start(builder);
  }

  @Test
  @Timeout(240)
  void gatewayServesSamplesThatCrossedTheClusteredEventBus() throws IOException {
    // A, the shared database, as a user gets one for a split deployment on one machine
    SwitchboardProcess db =
        start(SwitchboardProcess.builder("A-db").dataDir(dataDir(temp, "a")).args("db"));
    String databaseUrl = LauncherIT.databaseUrl(db, START_TIMEOUT);

    // a cluster of its own: a random name, so these processes never join anyone else's
    String clusterName = "switchboard-it-" + UUID.randomUUID();
    int clusterPortB = freePort();
    int clusterPortC = freePort();
    String members = "127.0.0.1:" + clusterPortB + ",127.0.0.1:" + clusterPortC;
    int opsPort = freePort();
    int gatewayPort = freePort();
    Path dataDirC = dataDir(temp, "c");

    SwitchboardProcess stats =
        start(
            SwitchboardProcess.builder("B-stats")
                .args("--services", "system-stats", "--cluster")
                .dataDir(dataDir(temp, "b"))
                .env("DATABASE_URL", databaseUrl)
                .env("OPS_PORT", opsPort)
                .env("STATS_INTERVAL", "1s")
                .env("CLUSTER_NAME", clusterName)
                .env("CLUSTER_PORT", clusterPortB)
                .env("CLUSTER_MEMBERS", members));
    SwitchboardProcess gateway =
        start(
            SwitchboardProcess.builder("C-gateway")
                .args("--services", "gateway", "--cluster")
                .dataDir(dataDirC)
                // the gateway owns schema auth (named tokens)
                .env("DATABASE_URL", databaseUrl)
                .env("GATEWAY_PORT", gatewayPort)
                .env("CLUSTER_NAME", clusterName)
                .env("CLUSTER_PORT", clusterPortC)
                .env("CLUSTER_MEMBERS", members));

    SwitchboardProcess.Line statsReadyLine = stats.awaitStdout("Ready in", START_TIMEOUT);
    SwitchboardProcess.Line gatewayReadyLine = gateway.awaitStdout("Ready in", START_TIMEOUT);
    System.out.printf(
        "%n[measure] clustered start, both launched together, process start to 'Ready in':"
            + " B (system-stats) %d ms, C (gateway) %d ms%n%n",
        stats.sinceStart(statsReadyLine).toMillis(),
        gateway.sinceStart(gatewayReadyLine).toMillis());
    String ops = "http://127.0.0.1:" + opsPort;
    String api = "http://127.0.0.1:" + gatewayPort;
    Http.Response statsReady =
        Http.await(ops + "/readiness", null, r -> r.status() == 200, stats, Duration.ofSeconds(30));
    assertThat(checkIds(statsReady.json()))
        .as("readiness checks of B: %s", statsReady.body())
        .contains("cluster");
    Http.Response gatewayReady =
        Http.await(
            api + "/readiness", null, r -> r.status() == 200, gateway, Duration.ofSeconds(30));
    assertThat(checkIds(gatewayReady.json()))
        .as("readiness checks of C: %s", gatewayReady.body())
        .contains("cluster");

    // the gateway runs no sampler: a sample it serves was taken in B and crossed the cluster
    String token = Files.readString(dataDirC.resolve("admin.token")).strip();
    Http.Response latest = Http.get(api + "/api/v1/system/stats", token);
    assertThat(latest.status()).as(latest.toString()).isEqualTo(200);
    JsonObject sample = latest.json();
    assertThat(Instant.parse(sample.getString("timestamp")))
        .isAfter(Instant.now().minusSeconds(60));
    assertThat(sample.getJsonObject("cpu")).isNotNull();
    assertThat(sample.getJsonArray("gpus")).isNotNull();

    Http.Response history =
        Http.await(
            api + "/api/v1/system/stats/history?step=raw",
            token,
            r -> r.status() != 200 || r.json().getJsonArray("points").size() >= 2,
            gateway,
            Duration.ofSeconds(15));
    assertThat(history.status()).as(history.toString()).isEqualTo(200);
    JsonArray points = history.json().getJsonArray("points");
    assertThat(points.size()).isGreaterThanOrEqualTo(2);

    Http.Response info = Http.get(api + "/api/v1/system/info", token);
    assertThat(info.status()).as(info.toString()).isEqualTo(200);
    assertThat(info.json().getJsonObject("versions").getString("postgresql"))
        .as(info.body())
        .isNotBlank();

    // where the sampling happens: B's registry has the host gauges, C's only its own HTTP metrics
    assertThat(Http.get(ops + "/metrics").body()).contains("switchboard_host_cpu_usage_ratio");
    assertThat(Http.get(api + "/metrics").body())
        .contains("vertx_http_server_requests_total")
        .doesNotContain("switchboard_host_cpu_usage_ratio");

    // B leaves: C answers at once that nobody serves the stats, rather than hanging
    assertThat(stats.terminate(STOP_TIMEOUT))
        .as("B's exit code on SIGTERM\n%s", stats.dump())
        .isZero();
    long stoppedAt = System.nanoTime();
    Http.Response unavailable =
        Http.await(
            api + "/api/v1/system/stats",
            token,
            r -> r.status() != 200,
            gateway,
            Duration.ofSeconds(15));
    Duration noticed = Duration.ofNanos(System.nanoTime() - stoppedAt);
    assertThat(unavailable.status()).as(unavailable.toString()).isEqualTo(503);
    assertThat(unavailable.contentType()).startsWith("application/problem+json");
    assertThat(unavailable.json().getInteger("status")).isEqualTo(503);
    assertThat(unavailable.took()).as("time for the 503 answer").isLessThan(Duration.ofSeconds(3));
    assertThat(noticed).as("time from B's exit to C's 503").isLessThan(Duration.ofSeconds(10));

    assertThat(gateway.terminate(STOP_TIMEOUT))
        .as("C's exit code on SIGTERM\n%s", gateway.dump())
        .isZero();
    assertThat(db.terminate(STOP_TIMEOUT)).as("A's exit code on SIGTERM\n%s", db.dump()).isZero();
    assertNoStackTrace(stats);
    assertNoStackTrace(gateway);
  }

  @Test
  @Timeout(60)
  void splitServicesNeedADatabaseUrl() {
    SwitchboardProcess launcher =
        start(
            SwitchboardProcess.builder("no-db")
                .args("--services", "gateway,system-stats", "--cluster")
                .dataDir(dataDir(temp, "data"))
                .env("CLUSTER_NAME", "switchboard-it-" + UUID.randomUUID())
                .env("CLUSTER_PORT", freePort())
                .env("GATEWAY_PORT", freePort()));

    assertThat(launcher.awaitExit(LauncherIT.FAILURE_TIMEOUT)).as(launcher.dump()).isNotZero();
    assertThat(failureLine(launcher)).contains("DATABASE_URL").contains("switchboard db");
    assertNothingElseOnStderr(launcher);
    assertThat(temp.resolve("data/pg"))
        .as("no embedded database for a clustered process")
        .doesNotExist();
  }

  private static List<String> checkIds(JsonObject readiness) {
    JsonArray checks = readiness.getJsonArray("checks", new JsonArray());
    return checks.stream().map(c -> ((JsonObject) c).getString("id")).toList();
  }
}
