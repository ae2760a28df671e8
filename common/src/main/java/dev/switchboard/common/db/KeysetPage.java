package dev.switchboard.common.db;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.util.function.Function;

/**
 * One page of records read newest first by {@code id} with a keyset cursor: the query asks for
 * {@code limit + 1} rows with {@code id < before}, and the row past the page only says that another
 * page follows, whose {@code before} is the last id of this one.
 */
public final class KeysetPage {

  private KeysetPage() {}

  /**
   * {@code {<field>: [records], next}} of the first {@code limit} of {@code rows}, each made by
   * {@code record} (which puts the row's {@code id}); {@code next} is null on the last page.
   */
  public static JsonObject of(
      Iterable<Row> rows, int limit, String field, Function<Row, JsonObject> record) {
    JsonArray records = new JsonArray();
    Long next = null;
    for (Row row : rows) {
      if (records.size() == limit) {
        next = records.getJsonObject(limit - 1).getLong("id");
        break;
      }
      records.add(record.apply(row));
    }
    return new JsonObject().put(field, records).put("next", next);
  }
}
