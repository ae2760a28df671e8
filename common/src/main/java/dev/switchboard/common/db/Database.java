package dev.switchboard.common.db;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * PostgreSQL access from a {@code postgresql://} URL (the DATABASE_URL form): the reactive pool a
 * service queries its schema with. The schema itself is migrated before the service starts, by the
 * launcher (module {@code migrations}).
 */
public final class Database {

  private Database() {}

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
}
