package dev.switchboard.mcp;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/** The MCP server definitions in schema {@code mcp} (canonical form, env values included). */
final class ServerStore {

  private static final String ALL = "select definition from mcp.servers order by name";
  private static final String INSERT =
      "insert into mcp.servers (name, definition) values ($1, $2)"
          + " on conflict (name) do nothing";
  private static final String UPSERT =
      "insert into mcp.servers (name, definition) values ($1, $2)"
          + " on conflict (name) do update set definition = excluded.definition, updated_at = now()";
  private static final String UPDATE =
      "update mcp.servers set definition = $2, updated_at = now() where name = $1";
  private static final String DELETE = "delete from mcp.servers where name = $1";

  private final Pool pool;

  ServerStore(Pool pool) {
    this.pool = pool;
  }

  Future<List<McpServerDefinition>> all() {
    return pool.query(ALL)
        .execute()
        .map(
            rows -> {
              List<McpServerDefinition> defs = new ArrayList<>();
              for (Row row : rows) {
                defs.add(McpServerDefinition.parse((JsonObject) row.getValue(0)));
              }
              return defs;
            });
  }

  /** True when inserted, false when the name was taken. */
  Future<Boolean> insert(McpServerDefinition def) {
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(def.name(), def.toJson()))
        .map(rows -> rows.rowCount() == 1);
  }

  Future<Void> upsert(McpServerDefinition def) {
    return pool.preparedQuery(UPSERT).execute(Tuple.of(def.name(), def.toJson())).mapEmpty();
  }

  Future<Void> update(McpServerDefinition def) {
    return pool.preparedQuery(UPDATE).execute(Tuple.of(def.name(), def.toJson())).mapEmpty();
  }

  Future<Void> delete(String name) {
    return pool.preparedQuery(DELETE).execute(Tuple.of(name)).mapEmpty();
  }
}
