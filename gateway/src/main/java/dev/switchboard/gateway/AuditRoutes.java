package dev.switchboard.gateway;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.gateway.auth.AuditLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log's two doors: {@code GET /api/v1/audit} (the admin's; 503 without a database) and
 * {@link Addresses#AUDIT_RECORD}, where the hub sends its control events (recorded with {@code via:
 * "hub"}). What the REST API records is {@link AuditTrail}'s.
 */
final class AuditRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(AuditRoutes.class);
  private static final int DEFAULT_LIMIT = 50;

  private final Vertx vertx;
  private final Optional<AuditLog> log;

  AuditRoutes(Vertx vertx, Optional<AuditLog> log) {
    this.vertx = vertx;
    this.log = log;
  }

  void mount(Operations api) {
    api.route("listAudit", Action.ADMINISTER).handler(this::list);
  }

  /** Takes the hub's entries; completes once the consumer is registered. */
  Future<Void> serve() {
    if (log.isEmpty()) {
      return Future.succeededFuture();
    }
    MessageConsumer<JsonObject> consumer =
        vertx.eventBus().consumer(Addresses.AUDIT_RECORD, message -> take(message.body()));
    return consumer.completion();
  }

  private void take(JsonObject body) {
    if (body == null) {
      return;
    }
    try {
      Instant at;
      try {
        at = body.getString("at") == null ? Instant.now() : Instant.parse(body.getString("at"));
      } catch (DateTimeParseException e) {
        at = Instant.now();
      }
      log.get()
          .record(
              new AuditLog.Entry(
                  at,
                  body.getString("actor"),
                  body.getString("role"),
                  body.getString("action"),
                  body.getString("target"),
                  body.getString("outcome"),
                  null,
                  body.getString("detail"),
                  body.getString("address"),
                  "hub"));
    } catch (RuntimeException e) {
      LOG.warn("an audit entry from the event bus was not recorded: {}", e.getMessage());
    }
  }

  private void list(RoutingContext ctx) {
    AuditLog audit =
        log.orElseThrow(
            () ->
                ApiException.unavailable(
                    "the audit log needs the database, and the gateway has none"));
    String limit = ctx.queryParams().get("limit");
    String before = ctx.queryParams().get("before");
    Long beforeId;
    try {
      beforeId = before == null ? null : Long.parseLong(before);
    } catch (NumberFormatException e) {
      throw ApiException.invalid("before", "must be an entry's id");
    }
    audit
        .list(
            limit == null ? DEFAULT_LIMIT : Integer.parseInt(limit),
            beforeId,
            ctx.queryParams().get("actor"),
            ctx.queryParams().get("action"),
            ctx.queryParams().get("outcome"))
        .onSuccess(
            page -> {
              ctx.response().putHeader("Cache-Control", "no-store");
              ctx.json(page);
            })
        .onFailure(
            err ->
                ctx.fail(
                    err instanceof ApiException
                        ? err
                        : ApiException.unavailable(
                            "the audit log cannot be read now: " + err.getMessage())));
  }
}
