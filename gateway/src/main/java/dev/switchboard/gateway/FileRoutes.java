package dev.switchboard.gateway;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.List;

/**
 * The file-processor's routes. What moves bytes (uploads, tus, asset content and thumbnails) goes
 * to file-processor's own HTTP routes unchanged and never buffered: handed to its router in-process
 * when file-processor runs in this JVM (the bytes are read once, on this event loop), else streamed
 * to its HTTP server through a proxy ({@link Upstream}). Everything else is a command on the event
 * bus, as the other services' routes are. The bearer check runs here first, and file-processor
 * checks the same credential again.
 *
 * <p>Also the seed's {@code POST /api/files/process} (an upload) and {@code POST
 * /api/assets/confirm}.
 */
final class FileRoutes {

  private static final int BODY_LIMIT = 1024 * 1024;
  private static final String FILE_PROCESSOR = "file-processor";

  private final Vertx vertx;
  private final Upstream upstream;

  FileRoutes(Vertx vertx, URI filesUrl) {
    this.vertx = vertx;
    this.upstream = Upstream.inProcessOrProxied(vertx, FILE_PROCESSOR, filesUrl, 64);
  }

  static void mount(Operations api, Router router, Vertx vertx, URI filesUrl) {
    new FileRoutes(vertx, filesUrl).mount(api);
    // after every route above: where a request handed over in-process goes on
    Upstream.handOver(router);
  }

  private void mount(Operations api) {
    // streamed on to file-processor as they arrive: uploading (tus: creating, resuming, appending
    // and ending an upload are all the uploader's) operates, the bytes of an asset are read
    for (String upload :
        List.of(
            "uploadFiles",
            "seedProcessFiles",
            "tusOptions",
            "tusCreate",
            "tusOffset",
            "tusAppend",
            "tusTerminate")) {
      api.route(upload, Action.OPERATE).handler(this::forward);
    }
    api.route("assetContent", Action.READ).handler(this::forward);
    api.route("assetThumbnail", Action.READ).handler(this::forward);
    api.route("listAssets", Action.READ)
        .handler(
            ctx ->
                Forward.reply(
                    ctx,
                    vertx,
                    Addresses.FILES_ASSETS_LIST,
                    "state",
                    "type",
                    "name",
                    "hash",
                    "limit",
                    "offset"));
    api.route("checkAssets", Action.OPERATE, BODY_LIMIT).handler(this::check);
    api.route("confirmAssets", Action.OPERATE, BODY_LIMIT)
        .handler(ctx -> decide(ctx, Addresses.FILES_ASSETS_CONFIRM));
    api.route("rejectAssets", Action.OPERATE, BODY_LIMIT)
        .handler(ctx -> decide(ctx, Addresses.FILES_ASSETS_REJECT));
    api.route("seedConfirmAssets", Action.OPERATE, BODY_LIMIT)
        .handler(ctx -> decide(ctx, Addresses.FILES_ASSETS_CONFIRM));
    api.route("getAsset", Action.READ)
        .handler(
            ctx ->
                Forward.reply(
                    ctx,
                    vertx,
                    Addresses.FILES_ASSETS_GET,
                    new JsonObject().put("id", ctx.pathParam("id")),
                    Bus.DEFAULT_TIMEOUT));
    api.route("deleteAsset", Action.ADMINISTER)
        .handler(
            ctx ->
                Forward.reply(
                    ctx,
                    vertx,
                    Addresses.FILES_ASSETS_DELETE,
                    new JsonObject().put("id", ctx.pathParam("id")),
                    Bus.DEFAULT_TIMEOUT));
  }

  private void forward(RoutingContext ctx) {
    upstream.handle(ctx);
  }

  private void check(RoutingContext ctx) {
    JsonObject body = Forward.jsonBody(ctx);
    Forward.reply(
        ctx,
        vertx,
        Addresses.FILES_ASSETS_CHECK,
        new JsonObject().put("hashes", body.getValue("hashes")),
        Bus.DEFAULT_TIMEOUT);
  }

  /**
   * A confirmation or rejection: {@code {"ids": [...]}} (the seed's clients may send one {@code
   * "id"}), recorded as decided by the caller's role.
   */
  private void decide(RoutingContext ctx, String address) {
    JsonObject body = Forward.jsonBody(ctx);
    Object ids = body.getValue("ids");
    if (ids == null && body.getValue("id") != null) {
      ids = new JsonArray().add(body.getValue("id"));
    }
    Forward.reply(
        ctx,
        vertx,
        address,
        new JsonObject().put("ids", ids).put("by", BearerAuth.role(ctx).label()),
        Bus.DEFAULT_TIMEOUT);
  }
}
