package dev.switchboard.files.watch;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.observability.Telemetry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Directory watches over the event bus: {@code files.watch} {@code {path, recursive?, exclude?,
 * holder}} answers {@code {watchId, path}}, {@code files.unwatch} {@code {watchId, holder}} answers
 * {@code {watchId, ended}}, and each watch's changes are published on {@code
 * files.changes.<watchId>} as {@code {changes: [{watchId, path, changeType, size?, mtime?,
 * directory?}]}} (or {@code {error: {code, message}}} when part of the tree cannot be watched). The
 * holders are the hub's socket ids: one OS watch serves every holder of the same request, and ends
 * with the last.
 *
 * <p>The file-processor's verticle makes one, calls {@link #start()} and {@link #stop()}; the event
 * bus consumers go with that verticle. Requests that touch the file system run through {@code
 * executeBlocking}; events are read on a thread of the {@link Watcher}'s own.
 */
public final class Watches {

  private static final int MAX_HOLDER_LENGTH = 256;

  private final Vertx vertx;
  private final WatchOptions options;
  private volatile Watcher watcher;

  public Watches(Vertx vertx, WatchOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  /** Opens the OS watch service and serves {@code files.watch} and {@code files.unwatch}. */
  public Future<Void> start() {
    return vertx
        .executeBlocking(
            () ->
                Watcher.open(
                    options,
                    (watchId, message) ->
                        vertx.eventBus().publish(Addresses.fileChanges(watchId), message),
                    Telemetry.registry()))
        .compose(
            opened -> {
              watcher = opened;
              return Future.all(
                  Bus.serve(vertx, Addresses.FILES_WATCH, this::watch),
                  Bus.serve(vertx, Addresses.FILES_UNWATCH, this::unwatch));
            })
        .mapEmpty();
  }

  /** Ends every watch; requests that still come are answered {@code unavailable}. */
  public Future<Void> stop() {
    Watcher stopping = watcher;
    watcher = null;
    if (stopping == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(
        () -> {
          stopping.close();
          return null;
        });
  }

  /**
   * {@code native} (inotify) or {@code polling} (the JDK lists directories every few seconds, where
   * the OS offers it no watch): for {@code /health}.
   */
  public String mode() {
    return running().mode();
  }

  /** Watches held now, all holders together. */
  public int watchCount() {
    return running().watchCount();
  }

  /** Directories under OS watch now, each counted once. */
  public int directoryCount() {
    return running().directoryCount();
  }

  private Future<JsonObject> watch(JsonObject body) {
    String holder = holder(body);
    Watcher current = running();
    return vertx.executeBlocking(
        () ->
            new JsonObject()
                .put("watchId", current.watch(body, holder))
                .put("path", body.getString("path")));
  }

  private Future<JsonObject> unwatch(JsonObject body) {
    String holder = holder(body);
    Object watchId = body.getValue("watchId");
    if (!(watchId instanceof String id)) {
      throw ApiException.invalid("watchId", "unwatch needs {watchId}");
    }
    Watcher current = running();
    return vertx.executeBlocking(
        () -> new JsonObject().put("watchId", id).put("ended", current.unwatch(id, holder)));
  }

  private Watcher running() {
    Watcher current = watcher;
    if (current == null) {
      throw ApiException.unavailable("directory watches are not running");
    }
    return current;
  }

  private static String holder(JsonObject body) {
    Object holder = body.getValue("holder");
    if (!(holder instanceof String text) || text.isBlank() || text.length() > MAX_HOLDER_LENGTH) {
      throw ApiException.invalid(
          "holder",
          "a watch needs {holder}: who holds it, 1 to " + MAX_HOLDER_LENGTH + " characters");
    }
    return text;
  }
}
