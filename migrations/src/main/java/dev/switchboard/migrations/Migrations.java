package dev.switchboard.migrations;

import dev.switchboard.common.db.Database;
import io.vertx.pgclient.PgConnectOptions;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Flyway migrations, one schema per owning service, run by the launcher before it deploys that
 * service (and by the tests that need a schema). Migrations of schema {@code s} live on the
 * classpath in {@code db/s/}, inside the owning service's module; the services themselves never
 * migrate, so neither Flyway nor JDBC is on their own classpath.
 */
public final class Migrations {

  private static final int CONNECT_TIMEOUT_SECONDS = 10;

  private Migrations() {}

  /**
   * Brings {@code schema} of the database at {@code url} (a {@code postgresql://} URL, the
   * DATABASE_URL form) up to date and returns how many migrations ran; blocking, so the launcher
   * runs it off the event loop.
   */
  public static int migrate(String url, String schema) {
    return Flyway.configure(Migrations.class.getClassLoader())
        .dataSource(dataSource(Database.connectOptions(url)))
        .schemas(schema)
        .createSchemas(true)
        .locations("classpath:db/" + schema)
        .failOnMissingLocations(true)
        .load()
        .migrate()
        .migrationsExecuted;
  }

  /**
   * A JDBC data source for Flyway, which gives up after {@link #CONNECT_TIMEOUT_SECONDS} rather
   * than hanging.
   */
  static PGSimpleDataSource dataSource(PgConnectOptions options) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {options.getHost()});
    ds.setPortNumbers(new int[] {options.getPort()});
    ds.setDatabaseName(options.getDatabase());
    ds.setUser(options.getUser());
    ds.setPassword(options.getPassword());
    ds.setConnectTimeout(CONNECT_TIMEOUT_SECONDS);
    ds.setLoginTimeout(CONNECT_TIMEOUT_SECONDS);
    ds.setApplicationName("switchboard-migrations");
    return ds;
  }
}
