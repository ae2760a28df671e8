package dev.switchboard.gateway;

import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/**
 * Streams every log line that matches a query as NDJSON (one JSON object a line), paging the
 * supervisor with {@code after} = the last seq and {@code limit} = {@value #PAGE} until a short
 * page, one page in memory at a time and the next asked for only once the client took the last.
 *
 * <p>The status is sent with the first page, so a bad query parameter is still a 400 problem; a
 * failure after that resets the connection (the client sees a cut stream, not a complete one).
 */
final class LogExport {

  static final String CONTENT_TYPE = "application/x-ndjson";
  static final int PAGE = 5000;

  private final Vertx vertx;
  private final RoutingContext ctx;
  private final String address;
  private final JsonObject query;
  private final Duration timeout;

  private LogExport(
      Vertx vertx, RoutingContext ctx, String address, JsonObject query, Duration timeout) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.address = address;
    this.query = query;
    this.timeout = timeout;
  }

  /**
   * Whether the client asked for NDJSON: {@code ?format=ndjson}, or {@code Accept:
   * application/x-ndjson}.
   */
  static boolean wanted(RoutingContext ctx) {
    String format = ctx.queryParams().get("format");
    if (format != null) {
      if (!format.equals("ndjson") && !format.equals("json")) {
        throw ApiException.invalid("format", "must be json or ndjson");
      }
      return format.equals("ndjson");
    }
    String accept = ctx.request().getHeader("Accept");
    return accept != null && accept.contains(CONTENT_TYPE);
  }

  /**
   * Starts the export of {@code query} (the log query and what names the source) from {@code after}
   * when given, else from the first line; {@code limit} is the page size here.
   */
  static void stream(
      Vertx vertx, RoutingContext ctx, String address, JsonObject query, Duration timeout) {
    JsonObject first = query.copy().put("limit", PAGE);
    if (!first.containsKey("after")) {
      first.put("after", 0);
    }
    new LogExport(vertx, ctx, address, first, timeout).page();
  }

  private void page() {
    HttpServerResponse response = ctx.response();
    if (response.closed()) {
      return;
    }
    Bus.request(vertx, address, query, timeout)
        .onSuccess(
            answer -> {
              if (response.closed()) {
                return;
              }
              JsonArray lines = answer.getJsonArray("lines", new JsonArray());
              if (!response.headWritten()) {
                response
                    .setStatusCode(200)
                    .setChunked(true)
                    .putHeader("Content-Type", CONTENT_TYPE);
              }
              Buffer chunk = Buffer.buffer(lines.size() * 96);
              for (int i = 0; i < lines.size(); i++) {
                chunk.appendBuffer(lines.getJsonObject(i).toBuffer()).appendByte((byte) '\n');
              }
              if (lines.size() < PAGE) {
                response.end(chunk);
                return;
              }
              query.put("after", lines.getJsonObject(lines.size() - 1).getLong("seq"));
              response.write(chunk);
              if (response.writeQueueFull()) {
                response.drainHandler(
                    v -> {
                      response.drainHandler(null);
                      page();
                    });
              } else {
                page();
              }
            })
        .onFailure(ctx::fail);
  }
}
