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
  void takesOverTheServerOrphanedByAKilledJvm() throws Exception {
    Path data = tmp.resolve("pg");
    Process child =
        new ProcessBuilder(
                javaExecutable(),
                "-cp",
                System.getProperty("java.class.path"),
                OrphanMaker.class.getName(),
                data.toString())
            .redirectErrorStream(true)
            .start();
    try {
      String port = awaitPortLine(child);
      assertThat(port).isNotNull();
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
