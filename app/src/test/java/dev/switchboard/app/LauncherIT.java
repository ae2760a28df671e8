package dev.switchboard.app;

import static dev.switchboard.app.SwitchboardProcess.dataDir;
import static dev.switchboard.app.SwitchboardProcess.processesMentioning;
import static dev.switchboard.common.testing.FreePorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.testing.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code switchboard} launcher end to end, as a new user runs it: the shaded jar started as a
 * process with a temporary DATA_DIR, talked to over HTTP, stopped with SIGTERM.
 */
@EnabledOnOs(OS.LINUX) // /proc, SIGTERM, the embedded PostgreSQL's process handling
class LauncherIT {

  static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(10); // the issue's promise
  static final Duration FAILURE_TIMEOUT = Duration.ofSeconds(60);

  static final String FAKE_GPU_NAME = "NVIDIA GeForce RTX 4090";

  /**
   * What the real nvidia-smi prints for the query below: index, name, util %, °C, MiB used, MiB
   * total, W.
   */
  static final String FAKE_GPU_CSV = "0, " + FAKE_GPU_NAME + ", 37, 52, 1234, 24564, 81.23";

  static final String NVIDIA_SMI_QUERY =
      "--query-gpu=index,name,utilization.gpu,temperature.gpu,memory.used,memory.total,power.draw";
  static final String NVIDIA_SMI_FORMAT = "--format=csv,noheader,nounits";

  /** A line of the launcher's logback pattern: {@code HH:mm:ss.SSS LEVEL logger - message}. */
  static final Pattern LOG_LINE =
      Pattern.compile("^\\d{2}:\\d{2}:\\d{2}\\.\\d{3} (TRACE|DEBUG|INFO|WARN|ERROR) .*");

  static final Pattern BANNER_READY = Pattern.compile("Ready in ([0-9.]+) s");

  @TempDir Path temp;

  private final Processes processes = new Processes();

  @AfterEach
  void killEverythingStarted() {
    processes.close();
  }

  private SwitchboardProcess start(SwitchboardProcess.Builder builder) {
    return processes.start(builder);
  }

  // ---------------------------------------------------------------- one JVM

  @Test
  @Timeout(240)
  void runsEverythingInOneJvmAndStopsCleanly() throws IOException {
    Path dataDir = dataDir(temp, "data");
    Path fakeBin = fakeNvidiaSmi();
    int gatewayPort = freePort();
    String base = "http://127.0.0.1:" + gatewayPort;
    SwitchboardProcess.Builder oneJvm =
        SwitchboardProcess.builder("one-jvm")
            .dataDir(dataDir)
            .prependToPath(fakeBin)
            .env("GATEWAY_PORT", gatewayPort)
            .env("STATS_INTERVAL", "1s")
            .env(
                "TRANSPORT",
                "nio"); // there on every OS; the default (auto) picks epoll on Linux only

    // ---- first start: initialises DATA_DIR (token, database)
    SwitchboardProcess first = start(oneJvm);
    first.awaitStdout("Ready in", START_TIMEOUT);
    Http.await(base + "/readiness", null, r -> r.status() == 200, first, Duration.ofSeconds(30));
    String token = Files.readString(dataDir.resolve("admin.token")).strip();
    assertThat(token).as("DATA_DIR/admin.token").hasSizeGreaterThanOrEqualTo(16);
    assertThat(first.stdout())
        .as("the banner says where the token is")
        .contains(dataDir.resolve("admin.token").toString());
    assertThat(first.stdout())
        .as("the banner names the transport it was given")
        .contains("one JVM · nio");
    assertThat(first.stdout())
        .as("the banner says the connection limits and the open-files limit in force")
        .containsPattern("Connections {2}up to \\d+, \\d+ per address · \\d+ open files \\(");

    // ---- liveness needs no credential; the API does
    assertThat(Http.get(base + "/health").status()).isEqualTo(200);
    Http.Response anonymous = Http.get(base + "/api/v1/system/stats");
    assertThat(anonymous.status()).as(anonymous.toString()).isEqualTo(401);
    assertThat(anonymous.contentType()).startsWith("application/problem+json");
    assertThat(anonymous.json().getInteger("status")).isEqualTo(401);
    assertThat(Http.get(base + "/api/v1/system/stats", "not-the-token-" + token).status())
        .isEqualTo(401);

    // ---- the latest sample, GPU figures from the fake nvidia-smi
    Http.Response stats = Http.get(base + "/api/v1/system/stats", token);
    assertThat(stats.status()).as(stats.toString()).isEqualTo(200);
    assertThat(stats.contentType()).startsWith("application/json");
    JsonObject sample = stats.json();
    assertThat(sample.getString("timestamp")).isNotBlank();
    assertThat(sample.getJsonObject("cpu")).isNotNull();
    assertThat(sample.getJsonObject("memory")).isNotNull();
    JsonArray gpus = sample.getJsonArray("gpus");
    assertThat(gpus).as("gpus of %s", sample).hasSize(1);
    JsonObject gpu = gpus.getJsonObject(0);
    assertThat(gpu.getString("name")).isEqualTo(FAKE_GPU_NAME);
    assertThat(gpu.getLong("memoryUsedBytes")).isEqualTo(1234L * 1024 * 1024);
    assertThat(gpu.getLong("memoryTotalBytes")).isEqualTo(24564L * 1024 * 1024);

    // ---- history: raw points, and a bad parameter named
    JsonArray firstRunPoints =
        Eventually.within(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(500))
            .alias("two raw points at STATS_INTERVAL=1s")
            .until(() -> rawHistory(base, token), points -> points.size() >= 2);
    Http.Response badRange = Http.get(base + "/api/v1/system/stats/history?from=yesterday", token);
    assertThat(badRange.status()).as(badRange.toString()).isEqualTo(400);
    assertThat(badRange.contentType()).startsWith("application/problem+json");
    JsonArray invalid = badRange.json().getJsonArray("invalid-params");
    assertThat(invalid).as("invalid-params of %s", badRange.body()).isNotNull().isNotEmpty();
    assertThat(invalid.getJsonObject(0).getString("name")).isEqualTo("from");

    // ---- info: versions, the database's included
    Http.Response info = Http.get(base + "/api/v1/system/info", token);
    assertThat(info.status()).as(info.toString()).isEqualTo(200);
    assertThat(info.json().getJsonObject("versions").getString("postgresql"))
        .as(info.body())
        .isNotBlank();

    // ---- Prometheus: host gauges, the fake GPU, Vert.x HTTP metrics
    Http.Response metrics = Http.get(base + "/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("switchboard_host_cpu_usage_ratio")
        .contains("switchboard_host_gpu_utilization_ratio{gpu=\"0\"")
        .contains("vertx_http_server_requests_total");

    // ---- SIGTERM: exit 0 within 10 s, the database stopped, nothing left running
    assertThat(first.terminate(STOP_TIMEOUT)).as("exit code on SIGTERM\n%s", first.dump()).isZero();
    assertThat(first.stderr())
        .as("the embedded PostgreSQL was stopped, not abandoned")
        .containsPattern("PostgreSQL on port \\d+ stopped");
    assertNothingRunsFor(dataDir);
    assertNoStackTrace(first);

    // ---- second start on the same DATA_DIR: the measured cold start
    Instant secondStart = Instant.now();
    SwitchboardProcess second = start(oneJvm);
    SwitchboardProcess.Line ready = second.awaitStdout("Ready in", START_TIMEOUT);
    Duration coldStart = second.sinceStart(ready);
    Matcher banner = BANNER_READY.matcher(ready.text());
    System.out.printf(
        "%n[measure] cold start, second start on an initialised DATA_DIR (jar built, database "
            + "initialised), process start to the 'Ready in' line: %d ms (the banner's own figure, from main: %s s)%n%n",
        coldStart.toMillis(), banner.find() ? banner.group(1) : "?");
    Http.await(base + "/readiness", null, r -> r.status() == 200, second, Duration.ofSeconds(30));

    // the token file was reused, and the history of the first run survived in the database
    assertThat(Files.readString(dataDir.resolve("admin.token")).strip()).isEqualTo(token);
    assertThat(Http.get(base + "/api/v1/system/stats", token).status()).isEqualTo(200);
    JsonArray secondRunPoints = rawHistory(base, token);
    List<Instant> before =
        secondRunPoints.stream()
            .map(p -> Instant.parse(((JsonObject) p).getString("timestamp")))
            .filter(ts -> ts.isBefore(secondStart))
            .toList();
    assertThat(before).as("points stored before the second start").isNotEmpty();
    String lastOfFirstRun =
        firstRunPoints.getJsonObject(firstRunPoints.size() - 1).getString("timestamp");
    assertThat(secondRunPoints.stream().map(p -> ((JsonObject) p).getString("timestamp")))
        .as("the first run's points are served again")
        .contains(lastOfFirstRun);

    assertThat(second.terminate(STOP_TIMEOUT))
        .as("exit code on SIGTERM\n%s", second.dump())
        .isZero();
    assertNothingRunsFor(dataDir);
    assertNoStackTrace(second);
  }

  @Test
  @Timeout(60)
  void announcesTheStopOnStdout() {
    int gatewayPort = freePort();
    SwitchboardProcess gateway =
        start(
            SwitchboardProcess.builder("stop-notice")
                .dataDir(dataDir(temp, "data"))
                .args("--services", "gateway")
                .env("GATEWAY_PORT", gatewayPort));
    SwitchboardProcess.Line ready = gateway.awaitStdout("Ready in", START_TIMEOUT);

    assertThat(gateway.terminate(STOP_TIMEOUT)).as(gateway.dump()).isZero();
    List<String> stdout = gateway.stdoutLines();
    List<String> afterReady = stdout.subList(stdout.indexOf(ready.text()) + 1, stdout.size());
    assertThat(afterReady)
        .as("stdout after the banner")
        .anyMatch(line -> line.matches("(?i).*\\bstop(ped|ping)\\b.*"));
  }

  // ---------------------------------------------------------------- failures: one line, non-zero
  // exit

  @Test
  @Timeout(90)
  void gatewayPortInUseFailsNamingThePortBeforePostgresStarts() throws IOException {
    Path dataDir = dataDir(temp, "data");
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      SwitchboardProcess launcher =
          start(
              SwitchboardProcess.builder("port-taken").dataDir(dataDir).env("GATEWAY_PORT", port));

      assertThat(launcher.awaitExit(FAILURE_TIMEOUT)).as(launcher.dump()).isNotZero();
      assertThat(failureLine(launcher))
          .isEqualTo(
              "switchboard: cannot listen on 127.0.0.1:"
                  + port
                  + " (GATEWAY_PORT): the address is already in use");
      assertNothingElseOnStderr(launcher);
    }
    assertThat(dataDir.resolve("pg")).as("no database was created or started").doesNotExist();
    assertNothingRunsFor(dataDir);
  }

  @Test
  @Timeout(60)
  void badSupervisorOrphansFailsNamingTheSettingBeforePostgresStarts() {
    Path dataDir = dataDir(temp, "bad-orphans");
    SwitchboardProcess launcher =
        start(
            SwitchboardProcess.builder("bad-orphans")
                .dataDir(dataDir)
                .env("SUPERVISOR_ORPHANS", "keep"));

    assertThat(launcher.awaitExit(FAILURE_TIMEOUT)).as(launcher.dump()).isNotZero();
    assertThat(failureLine(launcher))
        .contains("SUPERVISOR_ORPHANS")
        .contains("'keep'")
        .contains("adopt or stop");
    assertNothingElseOnStderr(launcher);
    assertThat(dataDir.resolve("pg")).as("no database was created or started").doesNotExist();
  }

  @Test
  @Timeout(60)
  void aBadServiceDefinitionInTheConfigFileFailsBeforePostgresStarts() throws IOException {
    Path dataDir = dataDir(temp, "bad-definition");
    Files.writeString(
        dataDir.resolve("switchboard.yaml"),
        """
      services:
        - name: web
          command: [sleep, "60"]
          health: {tcp: 8080, interval: soon}
      """);
    SwitchboardProcess launcher =
        start(SwitchboardProcess.builder("bad-definition").dataDir(dataDir));

    assertThat(launcher.awaitExit(FAILURE_TIMEOUT)).as(launcher.dump()).isNotZero();
    assertThat(failureLine(launcher))
        .startsWith("switchboard: services[0].health.interval in the config file: ");
    assertNothingElseOnStderr(launcher);
    assertThat(dataDir.resolve("pg")).as("no database was created or started").doesNotExist();
  }

  @Test
  @Timeout(90)
  void unreachableDatabaseUrlFailsNamingHostAndPortWithoutThePassword() {
    int deadPort = freePort(); // nobody listens there
    SwitchboardProcess launcher =
        start(
            SwitchboardProcess.builder("bad-db")
                .dataDir(dataDir(temp, "data"))
                .env("DATABASE_URL", "postgresql://u:s3cretpw@127.0.0.1:" + deadPort + "/x")
                .env("GATEWAY_PORT", freePort()));

    assertThat(launcher.awaitExit(FAILURE_TIMEOUT)).as(launcher.dump()).isNotZero();
    String message = failureLine(launcher);
    assertThat(message)
        .contains("127.0.0.1:" + deadPort)
        .containsPattern("(?i)(cannot|unable to|could not) (reach|connect|migrate|obtain)");
    assertThat(launcher.output())
        .as("the URL's password is never shown")
        .doesNotContain("s3cretpw");
  }

  @Test
  @Timeout(90)
  void unreachableDatabaseUrlFailureIsOneLine() {
    SwitchboardProcess launcher =
        start(
            SwitchboardProcess.builder("bad-db")
                .dataDir(dataDir(temp, "data"))
                .env("DATABASE_URL", "postgresql://u:s3cretpw@127.0.0.1:" + freePort() + "/x")
                .env("GATEWAY_PORT", freePort()));

    assertThat(launcher.awaitExit(FAILURE_TIMEOUT)).as(launcher.dump()).isNotZero();
    failureLine(launcher);
    assertNothingElseOnStderr(launcher);
  }

  @Test
  @Timeout(60)
  void badPortValueFailsNamingTheSetting() {
    SwitchboardProcess launcher =
        start(
            SwitchboardProcess.builder("bad-port")
                .dataDir(dataDir(temp, "data"))
                .env("GATEWAY_PORT", "notaport"));

    assertThat(launcher.awaitExit(FAILURE_TIMEOUT)).as(launcher.dump()).isNotZero();
    assertThat(failureLine(launcher)).contains("GATEWAY_PORT").contains("notaport");
    assertNothingElseOnStderr(launcher);
  }

  @Test
  @Timeout(60)
  void unknownTransportFailsNamingTheSettingBeforeStartingAnything() {
    Path dataDir = dataDir(temp, "bad-transport");
    SwitchboardProcess launcher =
        start(
            SwitchboardProcess.builder("bad-transport")
                .dataDir(dataDir)
                .env("TRANSPORT", "carrier-pigeon"));

    assertThat(launcher.awaitExit(FAILURE_TIMEOUT)).as(launcher.dump()).isNotZero();
    assertThat(failureLine(launcher))
        .contains("TRANSPORT")
        .contains("carrier-pigeon")
        .contains("epoll");
    assertNothingElseOnStderr(launcher);
    assertThat(dataDir.resolve("pg")).as("no database was started").doesNotExist();
  }

  @Test
  @Timeout(60)
  void unknownServiceIsAUsageErrorListingTheServices() {
    SwitchboardProcess launcher =
        start(
            SwitchboardProcess.builder("bad-service")
                .dataDir(dataDir(temp, "data"))
                .args("--services", "nosuch"));

    assertThat(launcher.awaitExit(FAILURE_TIMEOUT)).as(launcher.dump()).isEqualTo(2);
    String message = failureLine(launcher);
    assertThat(message).contains("nosuch");
    assertThat(message)
        .contains(Arrays.stream(Service.values()).map(Service::serviceName).toList());
    assertNothingElseOnStderr(launcher);
  }

  // ---------------------------------------------------------------- switchboard db

  @Test
  @Timeout(90)
  void dbCommandServesADatabase() throws Exception {
    Path dataDir = dataDir(temp, "db");
    SwitchboardProcess db = start(SwitchboardProcess.builder("db").dataDir(dataDir).args("db"));
    String url = databaseUrl(db, START_TIMEOUT);
    assertThat(url).startsWith("postgresql://");

    assertSelectOne(url);
    Thread.sleep(2_000);
    assertThat(db.isAlive())
        .as("switchboard db keeps serving until it is stopped\n%s", db.dump())
        .isTrue();
    assertSelectOne(url);

    assertThat(db.terminate(STOP_TIMEOUT)).as(db.dump()).isZero();
    assertNothingRunsFor(dataDir);
    assertNoStackTrace(db);
  }

  @Test
  @Timeout(120)
  void dbCommandKeepsItsPortAcrossStartsAndTakesDbPort() {
    Path dataDir = dataDir(temp, "db");
    SwitchboardProcess.Builder db = SwitchboardProcess.builder("db").dataDir(dataDir).args("db");
    SwitchboardProcess first = start(db);
    String url = databaseUrl(first, START_TIMEOUT);
    assertThat(first.terminate(STOP_TIMEOUT)).as(first.dump()).isZero();

    SwitchboardProcess second = start(db);
    assertThat(databaseUrl(second, START_TIMEOUT)).as("the URL of the second start").isEqualTo(url);
    assertThat(second.terminate(STOP_TIMEOUT)).as(second.dump()).isZero();

    int asked = freePort();
    SwitchboardProcess third = start(db.env("DB_PORT", asked));
    assertThat(databaseUrl(third, START_TIMEOUT))
        .isEqualTo("postgresql://postgres@127.0.0.1:" + asked + "/switchboard");
    assertThat(third.terminate(STOP_TIMEOUT)).as(third.dump()).isZero();
    assertNothingRunsFor(dataDir);
  }

  // ---------------------------------------------------------------- helpers

  /** The URL of the {@code DATABASE_URL=...} line {@code switchboard db} prints. */
  static String databaseUrl(SwitchboardProcess db, Duration timeout) {
    return db.awaitStdout(
            line -> line.startsWith("DATABASE_URL="), "a DATABASE_URL=... line", timeout)
        .text()
        .substring("DATABASE_URL=".length())
        .strip();
  }

  static void assertSelectOne(String databaseUrl) throws Exception {
    try (Connection connection = DriverManager.getConnection(TestDatabase.jdbcUrl(databaseUrl));
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("select 1")) {
      assertThat(result.next()).isTrue();
      assertThat(result.getInt(1)).isEqualTo(1);
    }
  }

  /**
   * A directory holding an executable {@code nvidia-smi} that answers the sampler's query like the
   * real tool.
   */
  private Path fakeNvidiaSmi() throws IOException {
    Path bin = Files.createDirectories(temp.resolve("fake-bin"));
    Path script = bin.resolve("nvidia-smi");
    Files.writeString(
        script,
        """
      #!/bin/sh
      # the real tool's answer to the one query Switchboard makes; other arguments fail, so a changed query shows
      if [ "$1" = "%s" ] && [ "$2" = "%s" ] && [ $# -eq 2 ]; then
        echo "%s"
      else
        echo "fake nvidia-smi: unexpected arguments: $*" >&2
        exit 2
      fi
      """
            .formatted(NVIDIA_SMI_QUERY, NVIDIA_SMI_FORMAT, FAKE_GPU_CSV));
    Files.setAttribute(script, "unix:mode", 0755);
    return bin;
  }

  private static JsonArray rawHistory(String base, String token) {
    Http.Response history = Http.get(base + "/api/v1/system/stats/history?step=raw", token);
    assertThat(history.status()).as(history.toString()).isEqualTo(200);
    JsonObject body = history.json();
    assertThat(body.getString("source")).isEqualTo("samples");
    return body.getJsonArray("points");
  }

  /**
   * The one stderr line starting {@code switchboard: } (exactly one), after checking that no stack
   * trace was printed anywhere.
   */
  static String failureLine(SwitchboardProcess process) {
    assertNoStackTrace(process);
    List<String> lines =
        process.stderrLines().stream().filter(line -> line.startsWith("switchboard: ")).toList();
    assertThat(lines).as("stderr lines starting 'switchboard: '\n%s", process.dump()).hasSize(1);
    return lines.get(0);
  }

  static void assertNoStackTrace(SwitchboardProcess process) {
    assertThat(process.output())
        .as("a stack trace in the output\n%s", process.dump())
        .doesNotContain("\tat ")
        .doesNotContain("Exception in thread");
  }

  /** Beside the failure line, stderr holds only log lines: the failure is one line, not a block. */
  static void assertNothingElseOnStderr(SwitchboardProcess process) {
    assertThat(process.stderrLines())
        .as(
            "stderr lines other than log lines and the one 'switchboard: ' line\n%s",
            process.dump())
        .allMatch(
            line ->
                line.isBlank()
                    || line.startsWith("switchboard: ")
                    || LOG_LINE.matcher(line).matches());
  }

  /**
   * No process (postgres above all: it runs with -D DATA_DIR/pg) names the data directory any more.
   */
  static void assertNothingRunsFor(Path dataDir) {
    assertThat(processesMentioning(dataDir.toString()))
        .as("processes still running for %s", dataDir)
        .isEmpty();
  }
}
