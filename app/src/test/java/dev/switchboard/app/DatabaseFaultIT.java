package dev.switchboard.app;

import static dev.switchboard.app.SwitchboardProcess.dataDir;
import static dev.switchboard.common.testing.FreePorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.db.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection: the embedded PostgreSQL is killed ({@code kill -9} of the postmaster) while a
 * managed service prints 20 lines a second. The launcher must start it again within seconds, the
 * writers must wait it out quietly (a few log lines, not thousands a second), memory must stay
 * bounded, {@code /readiness} must say why it is down while {@code /health} stays 200, and the
 * stored lines plus the noted drops must add up to every line printed. Then the JVM itself is
 * killed, and no postmaster may outlive it. The figures are printed for the closing note.
 */
class DatabaseFaultIT {

  private static final int LINES = 400;
  private static final Pattern DATABASE =
      Pattern.compile("(postgresql://postgres@127\\.0\\.0\\.1:\\d+/switchboard)");

  @TempDir Path temp;

  private final Processes processes = new Processes();

  @AfterEach
  void killEverythingStarted() {
    processes.close();
  }

  @Test
  @Timeout(240)
  void aKilledPostmasterIsRestartedAndNoLineIsLostSilently() throws Exception {
    Path dataDir = dataDir(temp, "data");
    Path config =
        Files.writeString(
            temp.resolve("switchboard.yaml"),
            """
      services:
        - name: talker
          command: [sh, -c, 'i=0; while [ $i -lt %d ]; do i=$((i+1)); echo "line $i"; sleep 0.05; done; exec sleep 1000']
          autostart: true
      """
                .formatted(LINES));
    int gatewayPort = freePort();
    String base = "http://127.0.0.1:" + gatewayPort;
    SwitchboardProcess process =
        processes.start(
            SwitchboardProcess.builder("db-fault")
                .dataDir(dataDir)
                .args("--config", config.toString())
                .env("GATEWAY_PORT", gatewayPort)
                .env("STATS_INTERVAL", "1s")
                .env("TRANSPORT", "nio"));
    process.awaitStdout("Ready in", LauncherIT.START_TIMEOUT);
    Matcher url = DATABASE.matcher(process.stdout());
    assertThat(url.find()).as(process.stdout()).isTrue();
    String databaseUrl = url.group(1);
    Http.await(base + "/readiness", null, r -> r.status() == 200, process, Duration.ofSeconds(30));
    awaitStored(databaseUrl, 40);
    long rssBefore = rssKiB(process.pid());

    int logLinesBefore = logLines(process);
    long postmaster =
        Long.parseLong(Files.readAllLines(dataDir.resolve("pg/postmaster.pid")).get(0).strip());
    long killed = System.nanoTime();
    ProcessHandle.of(postmaster).orElseThrow().destroyForcibly();

    Http.Response down =
        Http.await(
            base + "/readiness", null, r -> r.status() == 503, process, Duration.ofSeconds(10));
    assertThat(down.body())
        .as("readiness names the database and since when")
        .contains("database: unreachable since ");
    assertThat(Http.get(base + "/health").status()).isEqualTo(200);
    long rssDuring = rssKiB(process.pid());
    awaitOutput(process, "The embedded PostgreSQL is back", Duration.ofSeconds(30));
    double recovery = (System.nanoTime() - killed) / 1e9;
    Http.await(base + "/readiness", null, r -> r.status() == 200, process, Duration.ofSeconds(15));
    awaitOutput(process, "storing log lines: the database answers again", Duration.ofSeconds(15));
    int outageLogLines = logLines(process) - logLinesBefore;

    long[] accounting = awaitAccounted(databaseUrl);
    long rssAfter = rssKiB(process.pid());
    System.out.printf(
        "[db-fault] app-log lines for the outage: %d; RSS before/during/after: %d/%d/%d MiB; "
            + "database back after %.1f s; stored %d + dropped %d = %d of %d printed%n",
        outageLogLines,
        rssBefore / 1024,
        rssDuring / 1024,
        rssAfter / 1024,
        recovery,
        accounting[0],
        accounting[1],
        accounting[0] + accounting[1],
        LINES);

    assertThat(outageLogLines).as("app-log lines for the outage").isLessThan(100);
    assertThat(recovery).as("seconds until the database was back").isLessThan(15);
    assertThat(rssAfter - rssBefore).as("RSS growth in KiB").isLessThan(150 * 1024);
    assertThat(accounting[0] + accounting[1]).isEqualTo(LINES);
    assertThat(process.output()).doesNotContain("StackOverflowError");

    // the JVM killed outright takes its postmaster with it
    ProcessHandle.of(process.pid()).orElseThrow().destroyForcibly();
    process.awaitExit(Duration.ofSeconds(30));
    long jvmKilled = System.nanoTime();
    while (!SwitchboardProcess.processesMentioning(dataDir.resolve("pg").toString()).isEmpty()) {
      assertThat(System.nanoTime() - jvmKilled)
          .as(
              "a postgres outlived its JVM: "
                  + SwitchboardProcess.processesMentioning(dataDir.resolve("pg").toString()))
          .isLessThan(Duration.ofSeconds(15).toNanos());
      Thread.sleep(100);
    }
    assertThat(process.output()).doesNotContain("StackOverflowError");
    // and its Vert.x file cache is left in the DATA_DIR, for the next start to delete, not in /tmp
    assertThat(dataDir.resolve("run/vertx-cache/" + process.pid())).isDirectory();
  }

  /** Waits for a line of the app log (stdout or stderr) that contains {@code text}. */
  private static void awaitOutput(SwitchboardProcess process, String text, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!process.output().contains(text)) {
      assertThat(System.nanoTime())
          .as("'%s' within %s:%n%s", text, timeout, process.dump())
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static int logLines(SwitchboardProcess process) {
    return (int)
        process
            .output()
            .lines()
            .filter(line -> LauncherIT.LOG_LINE.matcher(line).matches())
            .count();
  }

  private static void awaitStored(String databaseUrl, long lines) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (accounting(databaseUrl)[0] < lines) {
      assertThat(System.nanoTime()).as("%d lines stored", lines).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** Waits until every printed line is stored or noted as dropped, and answers both counts. */
  private static long[] awaitAccounted(String databaseUrl) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    long[] counted = accounting(databaseUrl);
    while (counted[0] + counted[1] < LINES && System.nanoTime() < deadline) {
      Thread.sleep(250);
      counted = accounting(databaseUrl);
    }
    return counted;
  }

  /**
   * {@code LogStore.accounting} over JDBC: stdout lines stored, and the lines the drop notes
   * report.
   */
  private static long[] accounting(String databaseUrl) throws Exception {
    try (Connection connection = DriverManager.getConnection(TestDatabase.jdbcUrl(databaseUrl));
        Statement statement = connection.createStatement();
        ResultSet result =
            statement.executeQuery(
                "SELECT (SELECT count(*) FROM supervisor.log_lines WHERE source = 'service:talker' AND stream = 'stdout'), "
                    + "(SELECT coalesce(sum(substring(line FROM '^\\[switchboard\\] (\\d+) lines dropped')::bigint), 0) "
                    + "FROM supervisor.log_lines WHERE source = 'service:talker' AND stream = 'switchboard')")) {
      result.next();
      return new long[] {result.getLong(1), result.getLong(2)};
    }
  }

  private static long rssKiB(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
        .filter(line -> line.startsWith("VmRSS:"))
        .map(line -> Long.parseLong(line.replaceAll("\\D", "")))
        .findFirst()
        .orElseThrow();
  }
}
