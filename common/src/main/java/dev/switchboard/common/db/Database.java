package dev.switchboard.common.db;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * PostgreSQL access from a {@code postgresql://} URL (the DATABASE_URL form): a reactive pool for
 * the services, and Flyway migrations, one schema per owning service, run before that service is
 * deployed. Migrations of schema {@code s} live on the classpath in {@code db/s/}.
 */
public final class Database {

  private static final int CONNECT_TIMEOUT_SECONDS = 10;

  private Database() {
  }

  public static Pool pool(Vertx vertx, String url, int maxSize, String name) {
    return PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(maxSize).setName(name))
      .connectingTo(connectOptions(url))
      .using(vertx)
      .build();
  }

  public static PgConnectOptions connectOptions(String url) {
    return PgConnectOptions.fromUri(url);
  }

  /** Brings {@code schema} up to date; blocking, so the launcher runs it off the event loop. */
  public static int migrate(String url, String schema) {
    return Flyway.configure(Database.class.getClassLoader())
      .dataSource(dataSource(connectOptions(url)))
      .schemas(schema)
      .createSchemas(true)
      .locations("classpath:db/" + schema)
      .failOnMissingLocations(true)
      .load()
      .migrate()
      .migrationsExecuted;
  }

  /** A JDBC data source for Flyway, which gives up after {@link #CONNECT_TIMEOUT_SECONDS} rather than hanging. */
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
