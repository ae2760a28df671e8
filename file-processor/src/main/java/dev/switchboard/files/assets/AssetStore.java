package dev.switchboard.files.assets;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The {@code files.assets} table: assets, and the processing queue they form. Every state change is
 * one conditional {@code UPDATE … RETURNING}, so two requests (or two nodes) racing for the same
 * asset cannot both win.
 */
public final class AssetStore {

  /**
   * An asset's row as the API shows it, with where its bytes are in the data directory (never
   * shown; null once they are in the library or deleted).
   */
  public record Stored(JsonObject asset, String storedAt) {
    public String id() {
      return asset.getString("id");
    }

    public AssetState state() {
      return AssetState.fromWire(asset.getString("state")).orElseThrow();
    }
  }

  /** A page of assets and how many match in all. */
  public record Page(List<JsonObject> assets, long total) {}

  /** What {@link #list} filters on; null fields do not filter. */
  public record Filter(
      AssetState state, String type, String name, String sha256, int limit, long offset) {}

  private static final String LIVE = "state NOT IN ('rejected', 'failed')";

  private final Pool pool;

  public AssetStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * Stores a finished upload as {@code uploaded} (queued). Empty when a live asset already holds
   * the same bytes.
   */
  public Future<Optional<Stored>> insertUploaded(
      UUID id,
      String name,
      String declaredType,
      String mediaType,
      long size,
      String sha256,
      String storedAt) {
    return pool.preparedQuery(
            "INSERT INTO files.assets (id, name, state, declared_type, media_type, size, sha256,"
                + " stored_at) VALUES ($1, $2, 'uploaded', $3, $4, $5, $6, $7)"
                + " ON CONFLICT (sha256) WHERE "
                + LIVE
                + " DO NOTHING RETURNING *")
        .execute(Tuple.of(id, name, declaredType, mediaType, size, sha256, storedAt))
        .map(AssetStore::first);
  }

  public Future<Optional<Stored>> find(UUID id) {
    return pool.preparedQuery("SELECT * FROM files.assets WHERE id = $1")
        .execute(Tuple.of(id))
        .map(AssetStore::first);
  }

  /** The live assets holding any of these hashes. */
  public Future<List<Stored>> liveByHash(List<String> hashes) {
    return pool.preparedQuery(
            "SELECT * FROM files.assets WHERE sha256 = ANY($1) AND "
                + LIVE
                + " ORDER BY created_at")
        .execute(Tuple.of(hashes.toArray(String[]::new)))
        .map(AssetStore::all);
  }

  public Future<Page> list(Filter filter) {
    List<String> where = new ArrayList<>();
    Tuple args = Tuple.tuple();
    if (filter.state() != null) {
      args.addString(filter.state().wire());
      where.add("state = $" + args.size());
    }
    if (filter.type() != null) {
      // image/* matches the family, anything else the exact type
      if (filter.type().endsWith("/*")) {
        args.addString(filter.type().substring(0, filter.type().length() - 1) + "%");
        where.add("media_type LIKE $" + args.size());
      } else {
        args.addString(filter.type());
        where.add("media_type = $" + args.size());
      }
    }
    if (filter.name() != null) {
      args.addString("%" + likeEscaped(filter.name()) + "%");
      where.add("name ILIKE $" + args.size());
    }
    if (filter.sha256() != null) {
      args.addString(filter.sha256());
      where.add("sha256 = $" + args.size());
    }
    String condition = where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where);
    int matching = args.size();
    args.addInteger(filter.limit()).addLong(filter.offset());
    String sql =
        "SELECT *, count(*) OVER () AS total FROM files.assets"
            + condition
            + " ORDER BY created_at DESC, id LIMIT $"
            + (matching + 1)
            + " OFFSET $"
            + (matching + 2);
    return pool.preparedQuery(sql)
        .execute(args)
        .compose(
            rows -> {
              List<JsonObject> assets = new ArrayList<>();
              long total = -1;
              for (Row row : rows) {
                assets.add(toJson(row));
                total = row.getLong("total");
              }
              if (total >= 0 || filter.offset() == 0) {
                return Future.succeededFuture(new Page(assets, Math.max(total, 0)));
              }
              // a page past the end has no row to carry the count
              return pool.preparedQuery("SELECT count(*) FROM files.assets" + condition)
                  .execute(prefix(args, matching))
                  .map(count -> new Page(assets, count.iterator().next().getLong(0)));
            });
  }

  /**
   * Claims the oldest queued asset for {@code node}: {@code uploaded} → {@code processing}. Rows
   * locked by another claim in flight are skipped, never waited for.
   */
  public Future<Optional<Stored>> claim(String node) {
    return pool.preparedQuery(
            "UPDATE files.assets SET state = 'processing', claimed_by = $1, claimed_at = now(),"
                + " attempts = attempts + 1, updated_at = now()"
                + " WHERE id = (SELECT id FROM files.assets WHERE state = 'uploaded'"
                + " ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *")
        .execute(Tuple.of(node))
        .map(AssetStore::first);
  }

  /**
   * Puts back what {@code node} was working on when it stopped: its {@code processing} rows become
   * {@code uploaded} again. Returns how many.
   */
  public Future<Integer> releaseClaims(String node) {
    return pool.preparedQuery(
            "UPDATE files.assets SET state = 'uploaded', claimed_by = NULL, claimed_at = NULL,"
                + " updated_at = now() WHERE state = 'processing' AND claimed_by = $1")
        .execute(Tuple.of(node))
        .map(RowSet::rowCount);
  }

  /**
   * Ends the work of {@code node} on an asset it claimed. Empty when the claim is no longer its
   * (the asset was rejected or deleted meanwhile), so no outcome is written twice.
   */
  public Future<Optional<Stored>> finish(
      UUID id,
      String node,
      AssetState outcome,
      String mediaType,
      JsonObject metadata,
      JsonArray thumbnails,
      String reason,
      String storedAt) {
    return pool.preparedQuery(
            "UPDATE files.assets SET state = $3, media_type = COALESCE($4, media_type),"
                + " metadata = $5, thumbnails = $6, reason = $7, stored_at = $8,"
                + " decided_by = CASE WHEN $3 = 'rejected' THEN 'file-processor' END,"
                + " decided_at = CASE WHEN $3 = 'rejected' THEN now() END,"
                + " claimed_by = NULL, claimed_at = NULL, updated_at = now()"
                + " WHERE id = $1 AND state = 'processing' AND claimed_by = $2 RETURNING *")
        .execute(
            Tuple.of(id, node, outcome.wire(), mediaType, metadata, thumbnails, reason, storedAt))
        .map(AssetStore::first);
  }

  /**
   * {@code processed} → {@code confirmed}: its bytes are now at {@code libraryPath} in the library,
   * no longer in the data directory.
   */
  public Future<Optional<Stored>> confirm(UUID id, String by, String libraryPath) {
    return pool.preparedQuery(
            "UPDATE files.assets SET state = 'confirmed', decided_by = $2, decided_at = now(),"
                + " stored_at = NULL, library_path = $3, updated_at = now()"
                + " WHERE id = $1 AND state = 'processed' RETURNING *")
        .execute(Tuple.of(id, by, libraryPath))
        .map(AssetStore::first);
  }

  /**
   * {@code uploaded}, {@code processed} or {@code failed} → {@code rejected}: the row stays, saying
   * who and when; its bytes are the caller's to delete.
   */
  public Future<Optional<Stored>> reject(UUID id, String by, String reason) {
    return pool.preparedQuery(
            "WITH before AS (SELECT stored_at FROM files.assets WHERE id = $1 FOR UPDATE)"
                + " UPDATE files.assets SET state = 'rejected', decided_by = $2, decided_at = now(),"
                + " reason = COALESCE($3, reason), stored_at = NULL, thumbnails = '[]',"
                + " updated_at = now() FROM before"
                + " WHERE id = $1 AND state IN ('uploaded', 'processed', 'failed')"
                + " RETURNING files.assets.*, before.stored_at AS previous")
        .execute(Tuple.of(id, by, reason))
        .map(rows -> first(rows, "previous"));
  }

  /** Deletes the row; answers where its bytes were, for the caller to delete. */
  public Future<Optional<Stored>> delete(UUID id) {
    return pool.preparedQuery(
            "DELETE FROM files.assets WHERE id = $1 AND state <> 'processing' RETURNING *")
        .execute(Tuple.of(id))
        .map(AssetStore::first);
  }

  /**
   * Deletes rejected and failed rows last changed before {@code before}; answers the deleted rows,
   * whose bytes (a failed file's are kept until then) the caller deletes.
   */
  public Future<List<Stored>> expire(Instant before) {
    return pool.preparedQuery(
            "DELETE FROM files.assets WHERE state IN ('rejected', 'failed') AND updated_at < $1"
                + " RETURNING *")
        .execute(Tuple.of(before.atOffset(ZoneOffset.UTC)))
        .map(AssetStore::all);
  }

  private static Optional<Stored> first(RowSet<Row> rows) {
    return first(rows, "stored_at");
  }

  private static Optional<Stored> first(RowSet<Row> rows, String storedColumn) {
    var it = rows.iterator();
    if (!it.hasNext()) {
      return Optional.empty();
    }
    Row row = it.next();
    return Optional.of(new Stored(toJson(row), row.getString(storedColumn)));
  }

  private static List<Stored> all(RowSet<Row> rows) {
    List<Stored> stored = new ArrayList<>();
    for (Row row : rows) {
      stored.add(new Stored(toJson(row), row.getString("stored_at")));
    }
    return stored;
  }

  /** The API's view of a row: everything but where the bytes are and who holds a claim. */
  static JsonObject toJson(Row row) {
    JsonObject json =
        new JsonObject()
            .put("id", row.getUUID("id").toString())
            .put("name", row.getString("name"))
            .put("state", row.getString("state"))
            .put("mediaType", row.getString("media_type"))
            .put("declaredType", row.getString("declared_type"))
            .put("size", row.getLong("size"))
            .put("sha256", row.getString("sha256"))
            .put("metadata", row.getJsonObject("metadata"))
            .put("thumbnails", row.getJsonArray("thumbnails"))
            .put("reason", row.getString("reason"))
            .put("libraryPath", row.getString("library_path"))
            .put("attempts", row.getInteger("attempts"))
            .put("decidedBy", row.getString("decided_by"))
            .put("decidedAt", instant(row.getOffsetDateTime("decided_at")))
            .put("createdAt", instant(row.getOffsetDateTime("created_at")))
            .put("updatedAt", instant(row.getOffsetDateTime("updated_at")));
    return json;
  }

  private static String instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }

  private static String likeEscaped(String text) {
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }

  private static Tuple prefix(Tuple args, int count) {
    Tuple prefix = Tuple.tuple();
    for (int i = 0; i < count; i++) {
      prefix.addValue(args.getValue(i));
    }
    return prefix;
  }
}
