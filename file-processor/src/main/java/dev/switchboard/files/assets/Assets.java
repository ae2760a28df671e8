package dev.switchboard.files.assets;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.files.upload.Intake;
import dev.switchboard.files.upload.Received;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The assets: what a finished upload becomes ({@link Intake}), and the commands on them over the
 * event bus ({@code files.assets.*}: list, get, check, confirm, reject, delete). Each command
 * checks its input and names the bad field; a confirmation or rejection of many ids answers for
 * each.
 */
public final class Assets implements Intake {

  static final int MAX_IDS = 500;
  static final int MAX_PAGE = 500;
  static final int DEFAULT_PAGE = 50;
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern MEDIA_TYPE = Pattern.compile("[a-z0-9.+-]+/([a-z0-9.+-]+|\\*)");

  private final Vertx vertx;
  private final AssetStore store;
  private final Storage storage;
  private final Consumer<JsonObject> events;
  private final Runnable queued;

  /**
   * @param events where each state change is published
   * @param queued told when a file joins the queue
   */
  public Assets(
      Vertx vertx,
      AssetStore store,
      Storage storage,
      Consumer<JsonObject> events,
      Runnable queued) {
    this.vertx = vertx;
    this.store = store;
    this.storage = storage;
    this.events = events;
    this.queued = queued;
  }

  /** Registers the {@code files.assets.*} commands. */
  public Future<Void> serve() {
    return Future.all(
            List.of(
                Bus.serve(vertx, Addresses.FILES_ASSETS_LIST, this::list),
                Bus.serve(vertx, Addresses.FILES_ASSETS_GET, query -> get(id(query))),
                Bus.serve(vertx, Addresses.FILES_ASSETS_CHECK, this::check),
                Bus.serve(vertx, Addresses.FILES_ASSETS_CONFIRM, decide(this::confirm)),
                Bus.serve(vertx, Addresses.FILES_ASSETS_REJECT, decide(this::reject)),
                Bus.serve(vertx, Addresses.FILES_ASSETS_DELETE, query -> delete(id(query)))))
        .mapEmpty();
  }

  @Override
  public Future<JsonObject> accept(Received received) {
    UUID id = UUID.randomUUID();
    return vertx
        .executeBlocking(() -> storage.take(received.file(), id))
        .compose(
            storedAt ->
                store
                    .insertUploaded(
                        id,
                        received.name(),
                        received.declaredType(),
                        received.detectedType(),
                        received.size(),
                        received.sha256(),
                        storedAt)
                    .recover(
                        err -> discard(storedAt, id).compose(ignored -> Future.failedFuture(err)))
                    .compose(
                        inserted -> {
                          if (inserted.isPresent()) {
                            events.accept(AssetEvents.of(inserted.get().asset()));
                            queued.run();
                            return Future.succeededFuture(inserted.get().asset());
                          }
                          // the same bytes are an asset already: answer with it, keep one copy
                          return discard(storedAt, id)
                              .compose(ignored -> store.liveByHash(List.of(received.sha256())))
                              .map(
                                  held ->
                                      held.isEmpty()
                                          ? null
                                          : held.get(0).asset().copy().put("duplicate", true));
                        }))
        .compose(
            asset ->
                asset != null
                    ? Future.succeededFuture(asset)
                    : Future.failedFuture(
                        new ApiException(
                            ErrorType.CONFLICT,
                            "an asset with these bytes changed state while this upload was stored;"
                                + " send it again",
                            "file")));
  }

  Future<JsonObject> list(JsonObject query) {
    AssetState state =
        optionalText(query, "state")
            .map(
                text ->
                    AssetState.fromWire(text)
                        .orElseThrow(
                            () ->
                                ApiException.invalid(
                                    "state",
                                    "must be one of "
                                        + java.util.Arrays.stream(AssetState.values())
                                            .map(AssetState::wire)
                                            .collect(Collectors.joining(", ")))))
            .orElse(null);
    String type =
        optionalText(query, "type")
            .map(t -> matching(t, MEDIA_TYPE, "type", "a media type like image/png or image/*"))
            .orElse(null);
    String name = optionalText(query, "name").map(n -> boundedText(n, "name", 200)).orElse(null);
    String hash =
        optionalText(query, "hash")
            .map(h -> matching(h, SHA256, "hash", "64 lower-case hex digits (a SHA-256)"))
            .orElse(null);
    int limit = (int) number(query, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
    long offset = number(query, "offset", 0, 0, Long.MAX_VALUE / 2);
    return store
        .list(new AssetStore.Filter(state, type, name, hash, limit, offset))
        .map(
            page ->
                new JsonObject()
                    .put("assets", new JsonArray(page.assets()))
                    .put("total", page.total())
                    .put("limit", limit)
                    .put("offset", offset));
  }

  Future<JsonObject> get(UUID id) {
    return store.find(id).map(found -> found.orElseThrow(() -> missing(id)).asset());
  }

  /** Which of these hashes are held already, so a client uploads only the others. */
  Future<JsonObject> check(JsonObject query) {
    JsonArray hashes = array(query, "hashes");
    List<String> wanted = new ArrayList<>();
    for (int i = 0; i < hashes.size(); i++) {
      if (!(hashes.getValue(i) instanceof String hash) || !SHA256.matcher(hash).matches()) {
        throw ApiException.invalid(
            "hashes[" + i + "]", "must be 64 lower-case hex digits (a SHA-256)");
      }
      wanted.add(hash);
    }
    return store
        .liveByHash(wanted)
        .map(
            held -> {
              Map<String, JsonObject> known =
                  held.stream()
                      .collect(
                          Collectors.toMap(
                              stored -> stored.asset().getString("sha256"),
                              AssetStore.Stored::asset,
                              (first, second) -> first));
              JsonObject knownJson = new JsonObject();
              known.forEach(knownJson::put);
              return new JsonObject()
                  .put("known", knownJson)
                  .put(
                      "missing",
                      new JsonArray(
                          wanted.stream().distinct().filter(h -> !known.containsKey(h)).toList()));
            });
  }

  private Future<JsonObject> confirm(UUID id, String by) {
    return store
        .find(id)
        .compose(
            found -> {
              AssetStore.Stored asset = found.orElseThrow(() -> missing(id));
              if (!AssetState.CONFIRMABLE.contains(asset.state())) {
                throw conflict(asset, "confirmed", "processed");
              }
              // move first: if the database then refuses, the bytes go back where they were
              return vertx
                  .executeBlocking(
                      () -> storage.confirm(asset.storedAt(), asset.asset().getString("name")))
                  .compose(
                      libraryPath ->
                          store
                              .confirm(id, by, libraryPath)
                              .compose(
                                  confirmed ->
                                      confirmed.isPresent()
                                          ? Future.succeededFuture(confirmed.get())
                                          : undoConfirm(libraryPath, asset)));
            })
        .map(this::published);
  }

  private Future<AssetStore.Stored> undoConfirm(String libraryPath, AssetStore.Stored asset) {
    return vertx
        .executeBlocking(
            () -> {
              storage.unconfirm(libraryPath, asset.storedAt());
              return null;
            })
        .compose(
            ignored ->
                Future.failedFuture(
                    new ApiException(
                        ErrorType.CONFLICT,
                        "the asset changed state while it was confirmed",
                        "ids")));
  }

  private Future<JsonObject> reject(UUID id, String by) {
    return store
        .reject(id, by, null)
        .compose(
            rejected -> {
              if (rejected.isEmpty()) {
                return store
                    .find(id)
                    .map(
                        found -> {
                          throw conflict(
                              found.orElseThrow(() -> missing(id)),
                              "rejected",
                              "uploaded, processed or failed");
                        });
              }
              return discard(rejected.get().storedAt(), id).map(ignored -> rejected.get());
            })
        .map(this::published);
  }

  Future<JsonObject> delete(UUID id) {
    return store
        .delete(id)
        .compose(
            deleted -> {
              if (deleted.isEmpty()) {
                return store
                    .find(id)
                    .map(
                        found -> {
                          found.orElseThrow(() -> missing(id));
                          throw new ApiException(
                              ErrorType.CONFLICT,
                              "asset " + id + " is being processed; delete it when it is done",
                              "id");
                        });
              }
              AssetStore.Stored row = deleted.get();
              return vertx
                  .executeBlocking(
                      () -> {
                        storage.delete(row.storedAt(), row.asset().getString("libraryPath"), id);
                        return null;
                      })
                  .map(
                      ignored -> {
                        events.accept(AssetEvents.of(row.asset()).put("state", "deleted"));
                        return new JsonObject().put("id", id.toString()).put("deleted", true);
                      });
            });
  }

  private JsonObject published(AssetStore.Stored stored) {
    events.accept(AssetEvents.of(stored.asset()));
    return stored.asset();
  }

  /**
   * A confirmation or rejection of {@code {ids, by}}: every id is tried, and each answers for
   * itself ({@code {id, ok, asset}} or {@code {id, ok:false, error:{code, message}}}).
   */
  private Function<JsonObject, Future<JsonObject>> decide(
      java.util.function.BiFunction<UUID, String, Future<JsonObject>> decision) {
    return query -> {
      List<UUID> ids = ids(query);
      String by = optionalText(query, "by").orElse("unknown");
      List<Future<JsonObject>> outcomes = new ArrayList<>();
      for (UUID id : ids) {
        outcomes.add(
            decision
                .apply(id, by)
                .map(
                    asset ->
                        new JsonObject()
                            .put("id", id.toString())
                            .put("ok", true)
                            .put("asset", asset))
                .recover(err -> Future.succeededFuture(failure(id, err))));
      }
      return Future.join(outcomes)
          .map(
              all -> {
                JsonArray results = new JsonArray();
                outcomes.forEach(outcome -> results.add(outcome.result()));
                long ok = outcomes.stream().filter(o -> o.result().getBoolean("ok")).count();
                return new JsonObject()
                    .put("results", results)
                    .put("succeeded", ok)
                    .put("failed", ids.size() - ok);
              });
    };
  }

  private static JsonObject failure(UUID id, Throwable err) {
    ApiException api = err instanceof ApiException e ? e : ApiException.internal(err);
    return new JsonObject()
        .put("id", id.toString())
        .put("ok", false)
        .put(
            "error",
            new JsonObject().put("code", api.type().code()).put("message", api.wireMessage()));
  }

  private Future<Void> discard(String storedAt, UUID id) {
    return vertx.executeBlocking(
        () -> {
          storage.delete(storedAt, null, id);
          return null;
        });
  }

  private static ApiException missing(UUID id) {
    return ApiException.notFound("no asset " + id);
  }

  private static ApiException conflict(AssetStore.Stored asset, String wanted, String from) {
    return new ApiException(
        ErrorType.CONFLICT,
        "asset "
            + asset.id()
            + " is "
            + asset.state().wire()
            + ": only an asset that is "
            + from
            + " can be "
            + wanted,
        "ids");
  }

  static UUID id(JsonObject query) {
    return uuid(query.getValue("id"), "id");
  }

  private static List<UUID> ids(JsonObject query) {
    JsonArray ids = array(query, "ids");
    if (ids.isEmpty() || ids.size() > MAX_IDS) {
      throw ApiException.invalid("ids", "must hold 1 to " + MAX_IDS + " asset ids");
    }
    List<UUID> parsed = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      UUID id = uuid(ids.getValue(i), "ids[" + i + "]");
      if (!parsed.contains(id)) {
        parsed.add(id);
      }
    }
    return parsed;
  }

  private static UUID uuid(Object value, String field) {
    if (value instanceof String text && text.length() == 36) {
      try {
        return UUID.fromString(text);
      } catch (IllegalArgumentException e) {
        // falls through to the error below
      }
    }
    throw ApiException.invalid(field, "must be an asset id (a UUID)");
  }

  private static JsonArray array(JsonObject query, String field) {
    if (!(query.getValue(field) instanceof JsonArray array)) {
      throw ApiException.invalid(field, "is required: an array");
    }
    return array;
  }

  private static Optional<String> optionalText(JsonObject query, String field) {
    Object value = query.getValue(field);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text)) {
      throw ApiException.invalid(field, "must be a string");
    }
    return Optional.of(text);
  }

  private static String matching(String text, Pattern pattern, String field, String expected) {
    if (!pattern.matcher(text).matches()) {
      throw ApiException.invalid(field, "must be " + expected);
    }
    return text;
  }

  private static String boundedText(String text, String field, int longest) {
    if (text.isEmpty() || text.length() > longest || text.indexOf('\0') >= 0) {
      throw ApiException.invalid(field, "must be 1 to " + longest + " characters, without NUL");
    }
    return text;
  }

  private static long number(JsonObject query, String field, long fallback, long min, long max) {
    Object value = query.getValue(field);
    if (value == null) {
      return fallback;
    }
    try {
      long number = value instanceof Number n ? n.longValue() : Long.parseLong(value.toString());
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException e) {
      // falls through to the error below
    }
    throw ApiException.invalid(field, "must be a whole number from " + min + " to " + max);
  }
}
