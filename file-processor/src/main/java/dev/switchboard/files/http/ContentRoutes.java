package dev.switchboard.files.http;

import dev.switchboard.common.auth.Access;
import dev.switchboard.common.auth.Action;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.files.assets.AssetStore;
import dev.switchboard.files.assets.Storage;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * An asset's bytes and thumbnails over HTTP: {@code GET /api/v1/assets/{id}/content} with its type,
 * {@code Content-Disposition}, an {@code ETag} (its SHA-256) and single {@code Range}s, and {@code
 * GET /api/v1/assets/{id}/thumbnail?size=} (the smallest thumbnail at least that large, else the
 * largest). Files are sent with {@code sendFile}, never read into memory.
 */
public final class ContentRoutes {

  private final AssetStore store;
  private final Storage storage;

  public ContentRoutes(AssetStore store, Storage storage) {
    this.store = store;
    this.storage = storage;
  }

  public void mount(Router router) {
    Access.route(router, HttpMethod.GET, "/api/v1/assets/:id/content", Action.READ)
        .handler(this::content);
    Access.route(router, HttpMethod.GET, "/api/v1/assets/:id/thumbnail", Action.READ)
        .handler(this::thumbnail);
  }

  private void content(RoutingContext ctx) {
    UUID id = id(ctx);
    store
        .find(id)
        .map(found -> servable(found, id))
        .onSuccess(asset -> send(ctx, asset))
        .onFailure(ctx::fail);
  }

  /** An asset and where its bytes are; a problem when there is none or its bytes are gone. */
  private record Servable(JsonObject asset, Path file) {}

  private Servable servable(Optional<AssetStore.Stored> found, UUID id) {
    AssetStore.Stored stored = found.orElseThrow(() -> missing(id));
    JsonObject asset = stored.asset();
    Path file =
        storage
            .bytes(stored.storedAt(), asset.getString("libraryPath"))
            .filter(Files::isRegularFile)
            .orElseThrow(
                () ->
                    new ApiException(
                        ErrorType.NOT_FOUND,
                        "asset " + id + " is " + asset.getString("state") + ": its bytes are gone",
                        "id"));
    return new Servable(asset, file);
  }

  private static void send(RoutingContext ctx, Servable servable) {
    JsonObject asset = servable.asset();
    String file = servable.file().toString();
    String etag = "\"" + asset.getString("sha256") + "\"";
    HttpServerResponse response = ctx.response();
    response
        .putHeader(HttpHeaders.ETAG, etag)
        .putHeader(HttpHeaders.ACCEPT_RANGES, "bytes")
        .putHeader("Cache-Control", "private, no-cache")
        .putHeader(HttpHeaders.CONTENT_DISPOSITION, disposition(asset.getString("name")))
        .putHeader("X-Content-Type-Options", "nosniff");
    if (etag.equals(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
      response.setStatusCode(304).end();
      return;
    }
    response.putHeader(
        HttpHeaders.CONTENT_TYPE,
        Optional.ofNullable(asset.getString("mediaType")).orElse("application/octet-stream"));
    long size = asset.getLong("size");
    Optional<ByteRange> range = ByteRange.parse(ctx.request().getHeader("Range"), size);
    if (range.isEmpty()) {
      response.sendFile(file);
    } else if (range.get().unsatisfiable()) {
      response.setStatusCode(416).putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + size).end();
    } else {
      response
          .setStatusCode(206)
          .putHeader(HttpHeaders.CONTENT_RANGE, range.get().contentRange(size))
          .sendFile(file, range.get().first(), range.get().length());
    }
  }

  private void thumbnail(RoutingContext ctx) {
    UUID id = id(ctx);
    int wanted = size(ctx.queryParams().get("size"));
    store
        .find(id)
        .map(
            found -> {
              JsonObject asset = found.orElseThrow(() -> missing(id)).asset();
              return new Pick(asset, choose(asset.getJsonArray("thumbnails"), wanted, id));
            })
        .onSuccess(
            pick -> {
              JsonObject asset = pick.asset();
              JsonObject chosen = pick.thumbnail();
              ctx.response()
                  .putHeader(HttpHeaders.CONTENT_TYPE, chosen.getString("mediaType"))
                  .putHeader(
                      HttpHeaders.ETAG,
                      "\"" + asset.getString("sha256") + "-" + chosen.getInteger("size") + "\"")
                  .putHeader("Cache-Control", "private, max-age=86400")
                  .sendFile(storage.thumbnails(id).resolve(fileName(chosen)).toString())
                  .onFailure(
                      err ->
                          ctx.fail(ApiException.notFound("the thumbnail of " + id + " is gone")));
            })
        .onFailure(ctx::fail);
  }

  /** An asset and the thumbnail of it to send. */
  private record Pick(JsonObject asset, JsonObject thumbnail) {}

  /** The smallest thumbnail at least {@code wanted} on its long side, else the largest. */
  private static JsonObject choose(JsonArray thumbnails, int wanted, UUID id) {
    JsonObject chosen = null;
    for (Object entry : thumbnails) {
      JsonObject thumbnail = (JsonObject) entry;
      if (chosen == null
          || (chosen.getInteger("size") < wanted
              && thumbnail.getInteger("size") > chosen.getInteger("size"))) {
        chosen = thumbnail;
      }
    }
    if (chosen == null) {
      throw ApiException.notFound("asset " + id + " has no thumbnail");
    }
    return chosen;
  }

  private static String fileName(JsonObject thumbnail) {
    return thumbnail.getInteger("size")
        + (thumbnail.getString("mediaType").equals("image/png") ? ".png" : ".jpg");
  }

  private static int size(String text) {
    if (text == null) {
      return 0;
    }
    try {
      int size = Integer.parseInt(text);
      if (size >= 1 && size <= 10_000) {
        return size;
      }
    } catch (NumberFormatException e) {
      // falls through to the error below
    }
    throw ApiException.invalid("size", "must be a whole number of pixels from 1 to 10000");
  }

  private static UUID id(RoutingContext ctx) {
    String text = ctx.pathParam("id");
    try {
      if (text.length() == 36) {
        return UUID.fromString(text);
      }
    } catch (IllegalArgumentException e) {
      // falls through to the error below
    }
    throw ApiException.invalid("id", "must be an asset id (a UUID)");
  }

  private static ApiException missing(UUID id) {
    return ApiException.notFound("no asset " + id);
  }

  /** {@code attachment} with the name as ASCII and as UTF-8 (RFC 6266), quotes made safe. */
  static String disposition(String name) {
    String ascii = name.replaceAll("[^\\x20-\\x7e]|[\"\\\\]", "_");
    return "attachment; filename=\""
        + ascii
        + "\"; filename*=UTF-8''"
        + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
