package dev.switchboard.common.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestDatabaseTest {

  @Test
  void freshDatabasesAreDistinctEmptyAndConnectable() throws Exception {
    long t0 = System.nanoTime();
    String first = TestDatabase.freshDatabaseUrl();
    timing("first freshDatabaseUrl (server start on first use)", t0);
    long t1 = System.nanoTime();
    String second = TestDatabase.freshDatabaseUrl();
    timing("second freshDatabaseUrl", t1);

    assertThat(first).isNotEqualTo(second).startsWith("postgresql://");
    List<String> names = new ArrayList<>();
    for (String url : List.of(first, second)) {
      try (Connection c = connect(url);
          Statement st = c.createStatement()) {
        names.add(queryString(st, "select current_database()"));
        assertThat(
                queryString(
                    st,
                    "select count(*) from information_schema.tables"
                        + " where table_schema not in ('pg_catalog', 'information_schema')"))
            .isEqualTo("0");
        st.execute("create table mine (id int)");
      }
    }
    assertThat(names).doesNotHaveDuplicates();
    assertThat(first).endsWith("/" + names.get(0));
    assertThat(TestDatabase.serverUrl()).isNotEqualTo(first);
  }

  @Test
  void convertsDatabaseUrlsToJdbc() {
    assertThat(TestDatabase.jdbcUrl("postgresql://postgres@127.0.0.1:5433/switchboard"))
        .isEqualTo("jdbc:postgresql://127.0.0.1:5433/switchboard?user=postgres");
    assertThat(
            TestDatabase.jdbcUrl("postgres://app:s%40cr%3At@db.example:6000/main?sslmode=require"))
        .isEqualTo(
            "jdbc:postgresql://db.example:6000/main?user=app&password=s%40cr%3At&sslmode=require");
    assertThat(TestDatabase.jdbcUrl("postgresql://me@localhost/"))
        .isEqualTo("jdbc:postgresql://localhost:5432/me?user=me");
  }

  private static Connection connect(String url) throws SQLException {
    return DriverManager.getConnection(TestDatabase.jdbcUrl(url));
  }

  private static String queryString(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }

  private static void timing(String what, long startNanos) {
    System.out.printf("[timing] %s: %d ms%n", what, (System.nanoTime() - startNanos) / 1_000_000);
  }
}
