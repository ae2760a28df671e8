package dev.switchboard.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresTest {

  @TempDir Path tmp;

  /**
   * @TempDir is 0700; as root, the server runs as 'nobody' and must traverse it.
   */
  @BeforeEach
  void letTheServerUserIn() throws IOException {
    Files.setAttribute(tmp, "unix:mode", 0711);
  }

  @Test
  void startsKeepsDataAcrossRestartsAndLeavesNoProcessBehind() throws Exception {
    Path data = tmp.resolve("pg");

    long t0 = System.nanoTime();
    EmbeddedPostgres first = EmbeddedPostgres.start(data);
    try {
      timing("first start (extract if needed + initdb + start)", t0);
      assertThat(first.url())
          .isEqualTo("postgresql://postgres@127.0.0.1:" + first.port() + "/switchboard");
      assertThat(postgresProcessesOf(data)).isNotEmpty();
      try (Connection c = connect(first);
          Statement st = c.createStatement()) {
        assertThat(queryString(st, "select version()")).startsWith("PostgreSQL 18");
        assertThat(queryString(st, "select current_database()")).isEqualTo("switchboard");
        st.execute("create table notes (id int primary key, body text)");
        st.execute("insert into notes values (1, 'kept')");
      }
    } finally {
      long t1 = System.nanoTime();
      first.close();
      timing("stop", t1);
    }
    assertThat(postgresProcessesOf(data)).isEmpty();
    first.close(); // idempotent

    long t2 = System.nanoTime();
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(data)) {
      timing("warm restart", t2);
      try (Connection c = connect(pg);
          Statement st = c.createStatement()) {
        assertThat(queryString(st, "select body from notes where id = 1")).isEqualTo("kept");
      }
    }
    assertThat(postgresProcessesOf(data)).isEmpty();
  }

  @Test
  void keepsItsPortAcrossStartsWhileItIsFree() throws Exception {
    Path data = tmp.resolve("pg");
    int first;
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(data)) {
      first = pg.port();
    }
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(data)) {
      assertThat(pg.port()).as("the port of the second start").isEqualTo(first);
    }
    int second;
    try (ServerSocket taken = new ServerSocket(first, 1, InetAddress.getByName("127.0.0.1"));
        EmbeddedPostgres pg = EmbeddedPostgres.start(data)) {
      second = pg.port();
      assertThat(second).as("another program holds the remembered port").isNotEqualTo(first);
      try (Connection c = connect(pg);
          Statement st = c.createStatement()) {
        assertThat(queryString(st, "select 'up'")).isEqualTo("up");
      }
    }
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(data)) {
      assertThat(pg.port()).as("the port of the last start").isEqualTo(second);
    }
  }

  @Test
  void takesThePortAskedFor() throws Exception {
    int wanted;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      wanted = probe.getLocalPort();
    }
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(tmp.resolve("pg"), wanted)) {
      assertThat(pg.port()).isEqualTo(wanted);
      assertThat(pg.url()).isEqualTo("postgresql://postgres@127.0.0.1:" + wanted + "/switchboard");
    }
  }

  @Test
  void refusesASecondServerOnTheSameDataDirectory() throws Exception {
    Path data = tmp.resolve("pg");
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(data)) {
      assertThatThrownBy(() -> EmbeddedPostgres.start(data))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("in use");
      try (Connection c = connect(pg);
          Statement st = c.createStatement()) {
        assertThat(queryString(st, "select 'still up'")).isEqualTo("still up");
      }
    }
  }

  @Test
  void aServerKilledWhileItsJvmRunsIsRestartedOnItsPortWithItsData() throws Exception {
    Path data = tmp.resolve("pg");
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(data)) {
      int port = pg.port();
      try (Connection c = connect(pg);
          Statement st = c.createStatement()) {
        st.execute("create table notes (id int primary key, body text)");
        st.execute("insert into notes values (1, 'kept')");
      }
      assertThat(pg.restartIfDown()).as("running: nothing to do").isFalse();

      long postmaster =
          Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
      ProcessHandle.of(postmaster).orElseThrow().destroyForcibly();
      awaitGone(List.of(postmaster));
      assertThat(pg.running()).isFalse();

      // the dead server's backends may hold its shared memory a moment longer: try as the launcher
      // does
      boolean restarted = false;
      for (int attempt = 0; !restarted; attempt++) {
        try {
          restarted = pg.restartIfDown();
        } catch (IOException e) {
          assertThat(attempt).as(e.getMessage()).isLessThan(20);
          Thread.sleep(500);
        }
      }
      assertThat(pg.running()).isTrue();
      assertThat(pg.port()).isEqualTo(port);
      try (Connection c = connect(pg);
          Statement st = c.createStatement()) {
        assertThat(queryString(st, "select body from notes where id = 1")).isEqualTo("kept");
      }
    }
    assertThat(postgresProcessesOf(data)).isEmpty();
  }

  @Test
  void theServerEndsWithTheJvmThatStartedItAndTheNextStartRecovers() throws Exception {
    Path data = tmp.resolve("pg");
    Process child = orphanMaker(data);
    try {
      assertThat(awaitPortLine(child)).isNotNull();
      List<Long> server = postgresProcessesOf(data);
      assertThat(server).isNotEmpty();
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      awaitGone(server);

      try (EmbeddedPostgres pg = EmbeddedPostgres.start(data);
          Connection c = connect(pg);
          Statement st = c.createStatement()) {
        assertThat(queryString(st, "select 42")).isEqualTo("42");
      }
      assertThat(postgresProcessesOf(data)).isEmpty();
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void takesOverTheServerOrphanedByAKilledJvm() throws Exception {
    Path data = tmp.resolve("pg");
    Process child = orphanMaker(data);
    try {
      String port = awaitPortLine(child);
      assertThat(port).isNotNull();
      // with its watchdog gone too (killed along with the JVM, say), the server outlives the JVM
      child
          .descendants()
          .filter(
              process ->
                  process.info().commandLine().orElse("").contains("switchboard-pg-watchdog"))
          .forEach(ProcessHandle::destroyForcibly);
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      List<Long> orphans = postgresProcessesOf(data);
      assertThat(orphans).as("the killed JVM left its postgres running").isNotEmpty();

      try (EmbeddedPostgres pg = EmbeddedPostgres.start(data)) {
        assertThat(postgresProcessesOf(data)).isNotEmpty().doesNotContainAnyElementsOf(orphans);
        try (Connection c = connect(pg);
            Statement st = c.createStatement()) {
          assertThat(queryString(st, "select 42")).isEqualTo("42");
        }
      }
      assertThat(postgresProcessesOf(data)).isEmpty();
    } finally {
      child.destroyForcibly();
    }
  }

  // ---------------------------------------------------------------- helpers

  private static Process orphanMaker(Path data) throws IOException {
    return new ProcessBuilder(
            javaExecutable(),
            "-cp",
            System.getProperty("java.class.path"),
            OrphanMaker.class.getName(),
            data.toString())
        .redirectErrorStream(true)
        .start();
  }

  /** Waits until every one of {@code pids} has exited (or is a zombie), within 20 s. */
  private static void awaitGone(List<Long> pids) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (pids.stream().anyMatch(EmbeddedPostgresTest::alive)) {
      assertThat(System.nanoTime() - deadline)
          .as("processes " + pids + " still running")
          .isNegative();
      Thread.sleep(50);
    }
  }

  private static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  /** Started in a child JVM that the test then kills, leaving its postgres orphaned. */
  public static final class OrphanMaker {
    public static void main(String[] args) throws Exception {
      EmbeddedPostgres pg = EmbeddedPostgres.start(Path.of(args[0]));
      System.out.println("PORT " + pg.port());
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  private static String awaitPortLine(Process child) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    List<String> seen = new ArrayList<>();
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("PORT ")) {
        return line.substring(5);
      }
      seen.add(line);
    }
    throw new AssertionError(
        "child JVM ended without starting postgres:\n" + String.join("\n", seen));
  }

  /**
   * Live processes of this data directory: the postmaster names it on its command line, and every
   * postgres process has it as its working directory.
   */
  static List<Long> postgresProcessesOf(Path dataDir) throws IOException {
    String dir = dataDir.toRealPath().toString();
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        if (dir.equals(cwdOf(proc))
            || commandLineOf(proc).contains(" -D " + dir)
            || commandLineOf(proc).contains(" -D \"" + dir)) {
          pids.add(Long.parseLong(proc.getFileName().toString()));
        }
      }
    }
    return pids;
  }

  private static String cwdOf(Path proc) {
    try {
      return Files.readSymbolicLink(proc.resolve("cwd")).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return "";
    }
  }

  private static String commandLineOf(Path proc) {
    try {
      return new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  private static Connection connect(EmbeddedPostgres pg) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + pg.port() + "/switchboard?user=postgres");
  }

  private static String queryString(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }

  private static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static void timing(String what, long startNanos) {
    System.out.printf("[timing] %s: %d ms%n", what, (System.nanoTime() - startNanos) / 1_000_000);
  }
}
