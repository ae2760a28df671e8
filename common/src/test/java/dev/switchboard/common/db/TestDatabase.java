package dev.switchboard.common.db;

import dev.switchboard.common.testing.TempDirs;
import dev.switchboard.pg.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The PostgreSQL server of the tests of every module, one per test JVM: the server of DATABASE_URL
 * when the environment sets it, else an {@link EmbeddedPostgres} in a temp directory, started on
 * first use and stopped (and deleted) by a JVM shutdown hook.
 */
public final class TestDatabase {

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Databases made on an external server, dropped again when the JVM exits. */
  private static final List<String> CREATED = new ArrayList<>();

  private static String serverUrl;

  private TestDatabase() {}

  /**
   * The URL ({@code postgresql://user[:pw]@host:port/db}) of a new, empty database with a unique
   * name on the test server, so test classes never see each other's data.
   */
  public static String freshDatabaseUrl() {
    PgUrl server = PgUrl.parse(serverUrl());
    String name =
        "test_"
            + ProcessHandle.current().pid()
            + "_"
            + COUNTER.incrementAndGet()
            + "_"
            + Integer.toString(RANDOM.nextInt(Integer.MAX_VALUE), 36);
    execute(server, "create database " + name + " template template0");
    synchronized (CREATED) {
      CREATED.add(name);
    }
    return server.withDatabase(name).toString();
  }

  /**
   * The server's own URL (the database named in DATABASE_URL, or "switchboard" on the embedded
   * one).
   */
  public static synchronized String serverUrl() {
    if (serverUrl == null) {
      serverUrl = startServer();
    }
    return serverUrl;
  }

  /**
   * The JDBC form of a {@code postgresql://} (or {@code postgres://}) URL, credentials as
   * parameters.
   */
  public static String jdbcUrl(String url) {
    return PgUrl.parse(url).toJdbc();
  }

  private static String startServer() {
    String external = System.getenv("DATABASE_URL");
    if (external != null && !external.isBlank()) {
      PgUrl server = PgUrl.parse(external.trim());
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> dropCreated(server), "test-db-cleanup"));
      return server.toString();
    }
    Path root = null;
    try {
      root = Files.createTempDirectory("switchboard-test-pg-");
      // createTempDirectory makes it 0700; as root, the server runs as 'nobody' and must traverse
      // it
      Files.setAttribute(root, "unix:mode", 0711);
      EmbeddedPostgres pg = EmbeddedPostgres.start(root.resolve("data"));
      Path dir = root;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    pg.close();
                    deleteRecursively(dir);
                  },
                  "test-postgres-stop"));
      return pg.url();
    } catch (IOException e) {
      if (root != null) {
        deleteRecursively(root);
      }
      throw new UncheckedIOException(
          "Could not start the embedded PostgreSQL for the tests"
              + " (set DATABASE_URL to use another server)",
          e);
    }
  }

  private static void execute(PgUrl server, String sql) {
    try (Connection c = DriverManager.getConnection(server.toJdbc());
        Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "'"
              + sql
              + "' failed on "
              + server.withoutPassword()
              + " (the test user needs CREATEDB): "
              + e.getMessage(),
          e);
    }
  }

  private static void dropCreated(PgUrl server) {
    List<String> names;
    synchronized (CREATED) {
      names = List.copyOf(CREATED);
    }
    for (String name : names) {
      try {
        execute(server, "drop database if exists " + name + " with (force)");
      } catch (RuntimeException e) {
        // best effort: the JVM is exiting
      }
    }
  }

  private static void deleteRecursively(Path root) {
    try {
      TempDirs.delete(root);
    } catch (UncheckedIOException e) {
      // best effort: the JVM is exiting
    }
  }

  /** The parts of a libpq-style URL; user and password are kept percent-encoded. */
  private record PgUrl(
      String rawUser, String rawPassword, String host, int port, String database, String rawQuery) {

    static PgUrl parse(String url) {
      URI uri = URI.create(url);
      if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
        throw new IllegalArgumentException("Not a postgresql:// URL: " + url);
      }
      if (uri.getHost() == null) {
        throw new IllegalArgumentException(
            "Database URL needs exactly one host: "
                + uri.getScheme()
                + "://..."
                + uri.getRawPath());
      }
      String info = uri.getRawUserInfo();
      String user = info == null ? null : info.split(":", 2)[0];
      String password = info == null || !info.contains(":") ? null : info.split(":", 2)[1];
      String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
      String database = path.isEmpty() ? (user == null ? "postgres" : decode(user)) : decode(path);
      return new PgUrl(
          user,
          password,
          uri.getHost(),
          uri.getPort() < 0 ? 5432 : uri.getPort(),
          database,
          uri.getRawQuery());
    }

    PgUrl withDatabase(String name) {
      return new PgUrl(rawUser, rawPassword, host, port, name, rawQuery);
    }

    String withoutPassword() {
      return new PgUrl(rawUser, null, host, port, database, rawQuery).toString();
    }

    String toJdbc() {
      List<String> params = new ArrayList<>();
      if (rawUser != null) {
        params.add("user=" + encode(decode(rawUser)));
      }
      if (rawPassword != null) {
        params.add("password=" + encode(decode(rawPassword)));
      }
      if (rawQuery != null && !rawQuery.isEmpty()) {
        params.add(rawQuery);
      }
      return "jdbc:postgresql://"
          + host
          + ":"
          + port
          + "/"
          + encode(database)
          + (params.isEmpty() ? "" : "?" + String.join("&", params));
    }

    @Override
    public String toString() {
      String credentials =
          rawUser == null ? "" : rawUser + (rawPassword == null ? "" : ":" + rawPassword) + "@";
      return "postgresql://"
          + credentials
          + host
          + ":"
          + port
          + "/"
          + encode(database)
          + (rawQuery == null || rawQuery.isEmpty() ? "" : "?" + rawQuery);
    }

    private static String decode(String s) {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
      return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
  }
}
