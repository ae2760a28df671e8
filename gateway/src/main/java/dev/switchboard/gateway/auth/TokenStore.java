package dev.switchboard.gateway.auth;

import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.auth.Role;
import dev.switchboard.common.auth.Tokens;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named API tokens in the {@code auth} schema: created with a name, a role and an optional expiry,
 * shown once and kept as their SHA-256 only; listed without it; revoked by deleting them. A token's
 * last use is written at most once per {@link #TOUCH_EVERY}, not on every request.
 */
public final class TokenStore {

  static final Duration TOUCH_EVERY = Duration.ofMinutes(1);
  static final int MAX_NAME = 100;
  private static final Logger LOG = LoggerFactory.getLogger(TokenStore.class);
  private static final String COLUMNS = "id, name, role, created_at, expires_at, last_used_at";

  /** A token found by its hash. */
  public record Found(UUID id, String name, Role role, Optional<Instant> expiresAt) {}

  private final Pool pool;
  private final Supplier<Instant> clock;

  /** When each token's last use was last written, by this gateway. */
  private final Map<UUID, Instant> touched = new HashMap<>();

  public TokenStore(Pool pool, Supplier<Instant> clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /**
   * Creates a token from {@code {name, role, expiresAt?}}: the answer is the row plus {@code
   * token}, the only time it is shown.
   */
  public Future<JsonObject> create(JsonObject request) {
    String name = request.getValue("name") instanceof String text ? text.strip() : null;
    if (name == null || name.isEmpty() || name.length() > MAX_NAME) {
      throw ApiException.invalid(
          "name", "name must be a string of 1 to " + MAX_NAME + " characters");
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      // a name is shown in lists and the audit log; PostgreSQL text cannot hold NUL at all
      throw ApiException.invalid("name", "name must not contain control characters");
    }
    Role role =
        request.getValue("role") instanceof String label ? Role.ofLabel(label).orElse(null) : null;
    if (role == null) {
      throw ApiException.invalid("role", "role must be one of admin, operator, viewer, emitter");
    }
    OffsetDateTime expiresAt = null;
    Object expiry = request.getValue("expiresAt");
    if (expiry != null) {
      try {
        expiresAt = OffsetDateTime.parse((String) expiry);
      } catch (RuntimeException e) {
        throw ApiException.invalid(
            "expiresAt", "expiresAt must be an ISO-8601 date and time with an offset");
      }
      if (!expiresAt.toInstant().isAfter(clock.get())) {
        throw ApiException.invalid("expiresAt", "expiresAt must be in the future");
      }
    }
    String token = Authenticator.PREFIX + Tokens.generate();
    UUID id = UUID.randomUUID();
    return pool.preparedQuery(
            "INSERT INTO auth.tokens (id, name, role, hash, expires_at) VALUES ($1, $2, $3, $4, $5)"
                + " RETURNING "
                + COLUMNS)
        .execute(Tuple.of(id, name, role.label(), Authenticator.key(token), expiresAt))
        .recover(
            err ->
                Future.failedFuture(
                    err instanceof PgException pg && "23505".equals(pg.getSqlState())
                        ? new ApiException(
                            ErrorType.CONFLICT, "a token named " + name + " exists", "name")
                        : err))
        .map(rows -> json(rows.iterator().next()).put("token", token));
  }

  /** Every token, newest first, without any secret. */
  public Future<JsonObject> list() {
    return pool.query("SELECT " + COLUMNS + " FROM auth.tokens ORDER BY created_at DESC, name")
        .execute()
        .map(
            rows -> {
              JsonArray tokens = new JsonArray();
              rows.forEach(row -> tokens.add(json(row)));
              return new JsonObject().put("tokens", tokens);
            });
  }

  /** Deletes a token; answers its hash (to revoke it everywhere), or fails 404. */
  public Future<JsonObject> delete(UUID id) {
    return pool.preparedQuery("DELETE FROM auth.tokens WHERE id = $1 RETURNING name, role, hash")
        .execute(Tuple.of(id))
        .map(
            rows -> {
              if (rows.rowCount() == 0) {
                throw ApiException.notFound("no token " + id);
              }
              touched.remove(id);
              Row row = rows.iterator().next();
              return new JsonObject()
                  .put("name", row.getString("name"))
                  .put("role", row.getString("role"))
                  .put("key", row.getString("hash"));
            });
  }

  /**
   * The token of this hash, unless it expired; notes its use (written at most once per {@link
   * #TOUCH_EVERY}).
   */
  public Future<Optional<Found>> find(String hash) {
    return pool.preparedQuery(
            "SELECT id, name, role, expires_at FROM auth.tokens WHERE hash = $1"
                + " AND (expires_at IS NULL OR expires_at > now())")
        .execute(Tuple.of(hash))
        .map(
            rows -> {
              if (rows.rowCount() == 0) {
                return Optional.<Found>empty();
              }
              Found found = found(rows);
              touch(found.id());
              return Optional.of(found);
            });
  }

  /** The token of this id, unless it was revoked or expired (a sign-in's session asks). */
  public Future<Optional<Found>> findById(UUID id) {
    return pool.preparedQuery(
            "SELECT id, name, role, expires_at FROM auth.tokens WHERE id = $1"
                + " AND (expires_at IS NULL OR expires_at > now())")
        .execute(Tuple.of(id))
        .map(rows -> rows.rowCount() == 0 ? Optional.empty() : Optional.of(found(rows)));
  }

  private static Found found(RowSet<Row> rows) {
    Row row = rows.iterator().next();
    return new Found(
        row.getUUID("id"),
        row.getString("name"),
        Role.ofLabel(row.getString("role")).orElseThrow(),
        Optional.ofNullable(row.getOffsetDateTime("expires_at")).map(OffsetDateTime::toInstant));
  }

  private void touch(UUID id) {
    Instant now = clock.get();
    Instant last = touched.get(id);
    if (last != null && last.plus(TOUCH_EVERY).isAfter(now)) {
      return;
    }
    if (touched.size() > 100_000) {
      touched.clear();
    }
    touched.put(id, now);
    pool.preparedQuery("UPDATE auth.tokens SET last_used_at = $2 WHERE id = $1")
        .execute(Tuple.of(id, OffsetDateTime.ofInstant(now, ZoneOffset.UTC)))
        .onFailure(err -> LOG.debug("last use of token {} not written: {}", id, err.getMessage()));
  }

  private static JsonObject json(Row row) {
    return new JsonObject()
        .put("id", row.getUUID("id").toString())
        .put("name", row.getString("name"))
        .put("role", row.getString("role"))
        .put("createdAt", instant(row.getOffsetDateTime("created_at")))
        .put("expiresAt", instant(row.getOffsetDateTime("expires_at")))
        .put("lastUsedAt", instant(row.getOffsetDateTime("last_used_at")));
  }

  private static String instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }
}
