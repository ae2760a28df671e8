package dev.switchboard.hub;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.hub.socket.Namespace;
import dev.switchboard.hub.socket.Socket;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /files}: directory watches, the file-processor's ({@code files.watch}), each relayed as
 * {@code change} to the room {@code watch:<id>}; and every asset's state and every upload's
 * progress to the whole namespace.
 *
 * <p>The file-processor keeps one OS watch per request and counts its holders, the sockets: a
 * socket holds a watch from {@code watch} until {@code unwatch} or its disconnect. A socket that
 * comes back through connection-state recovery asks for its watches again (the same request gets
 * the same id, so its rooms still fit); what changed while it was away is in the recovery buffer
 * when another socket held the watch meanwhile, and lost otherwise.
 */
final class FilesNamespace implements HubNamespace {

  static final String NAME = "/files";
  static final String WATCH = "watch";
  static final String UNWATCH = "unwatch";
  static final String CHANGE = "change";
  static final String WATCH_ERROR = "watch:error";
  static final String ASSET_STATE = "asset:state";
  static final String UPLOAD_PROGRESS = "upload:progress";
  private static final String ROOM_PREFIX = "watch:";
  private static final Pattern PATH = Pattern.compile(".{1,4096}");

  /** The socket-data key of the watches a socket holds: watch id → its request. */
  private static final String HELD = "files.watches";

  private final Vertx vertx;
  private final Streams streams;

  FilesNamespace(Vertx vertx, Streams streams) {
    this.vertx = vertx;
    this.streams = streams;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ClientEvent> clientEvents() {
    return List.of(ClientEvent.read(WATCH, this::watch), ClientEvent.read(UNWATCH, this::unwatch));
  }

  @Override
  public List<String> serverEvents() {
    return List.of(
        HubNamespaces.GREETING,
        HubNamespaces.ERROR,
        CHANGE,
        WATCH_ERROR,
        ASSET_STATE,
        UPLOAD_PROGRESS);
  }

  /**
   * Asset states and upload progress for every socket while the namespace has any; its watches
   * released when it goes.
   */
  @Override
  public void connected(Socket socket) {
    Namespace namespace = socket.namespace();
    streams.follow(
        Addresses.FILES_ASSETS, namespace, null, state -> namespace.emit(ASSET_STATE, state));
    // progress goes out volatile: a client that is behind gets the next one, and its seq says so
    streams.follow(
        Addresses.FILES_UPLOADS,
        namespace,
        null,
        progress ->
            namespace.broadcast(
                Set.of(), Set.of(), true, new JsonArray().add(UPLOAD_PROGRESS).add(progress)));
  }

  /** The watches the socket held are released. */
  @Override
  public void disconnected(Socket socket) {
    held(socket).keySet().forEach(id -> release(socket, id));
  }

  /** A recovered socket holds its watches again, in the rooms it is back in. */
  @Override
  public void resume(Socket socket) {
    Map<String, JsonObject> held = held(socket);
    for (Map.Entry<String, JsonObject> watch : List.copyOf(held.entrySet())) {
      String watchId = watch.getKey();
      Bus.request(vertx, Addresses.FILES_WATCH, watch.getValue())
          .onSuccess(answer -> follow(socket.namespace(), watchId))
          .onFailure(
              err -> {
                held.remove(watchId);
                socket.leave(ROOM_PREFIX + watchId);
                streams.releaseIdle();
                ApiException api = err instanceof ApiException e ? e : ApiException.internal(err);
                socket.emit(
                    WATCH_ERROR,
                    new JsonObject()
                        .put("watchId", watchId)
                        .put("code", api.type().code())
                        .put("message", "the watch could not be resumed: " + api.getMessage()));
              });
    }
  }

  private void watch(Socket socket, JsonArray args, Socket.Ack ack) {
    String path = Commands.field(args, "path", PATH);
    if (path == null) {
      Commands.fail(ack, AckError.BAD_REQUEST, "watch needs {path, recursive?, exclude?}");
      return;
    }
    JsonObject given = args.getJsonObject(0);
    JsonObject request =
        new JsonObject()
            .put("path", path)
            .put("recursive", given.getValue("recursive"))
            .put("exclude", given.getValue("exclude"))
            .put("holder", socket.id());
    Bus.request(vertx, Addresses.FILES_WATCH, request)
        .onSuccess(
            watch -> {
              String watchId = watch.getString("watchId");
              if (!socket.connected()) {
                release(socket, watchId);
              } else if (!socket.join(ROOM_PREFIX + watchId)) {
                release(socket, watchId);
                Commands.fail(
                    ack, AckError.TOO_MANY_ROOMS, "this socket follows as many watches as it may");
              } else {
                held(socket).put(watchId, request);
                follow(socket.namespace(), watchId)
                    .onComplete(
                        r ->
                            Commands.ok(
                                ack, new JsonObject().put("watchId", watchId).put("path", path)));
              }
            })
        .onFailure(
            err -> {
              if (err instanceof ApiException api && api.type() == ErrorType.UNAVAILABLE) {
                // the file-processor's own 503 (an OS limit) says what it is; a missing one does
                // not
                Commands.fail(
                    ack,
                    AckError.UNAVAILABLE,
                    api.getMessage().startsWith("no service answers")
                        ? "no file-processor is running to serve watches"
                        : api.getMessage());
              } else {
                Commands.failFrom(ack, err);
              }
            });
  }

  private void unwatch(Socket socket, JsonArray args, Socket.Ack ack) {
    String watchId = Commands.field(args, "watchId", Commands.ID);
    if (watchId == null) {
      Commands.fail(ack, AckError.BAD_REQUEST, "unwatch needs {watchId}");
      return;
    }
    socket.leave(ROOM_PREFIX + watchId);
    streams.releaseIdle();
    if (held(socket).remove(watchId) != null) {
      release(socket, watchId);
    }
    Commands.ok(ack, new JsonObject().put("watchId", watchId));
  }

  /**
   * Tells the file-processor this socket holds the watch no more. Nothing waits for the answer: a
   * file-processor that is not running holds no watch.
   */
  private void release(Socket socket, String watchId) {
    Bus.request(
        vertx,
        Addresses.FILES_UNWATCH,
        new JsonObject().put("watchId", watchId).put("holder", socket.id()));
  }

  /** Relays a watch's changes, one {@code change} each, and its errors to its room. */
  private Future<Void> follow(Namespace namespace, String watchId) {
    String room = ROOM_PREFIX + watchId;
    return streams.follow(
        Addresses.fileChanges(watchId),
        namespace,
        room,
        message -> {
          JsonObject error = message.getJsonObject("error");
          if (error != null) {
            namespace.emitTo(room, WATCH_ERROR, error.copy().put("watchId", watchId));
            return;
          }
          for (Object change : message.getJsonArray("changes", new JsonArray())) {
            namespace.emitTo(room, CHANGE, change);
          }
        });
  }

  @SuppressWarnings("unchecked")
  private static Map<String, JsonObject> held(Socket socket) {
    return (Map<String, JsonObject>)
        socket.data().computeIfAbsent(HELD, key -> new LinkedHashMap<String, JsonObject>());
  }
}
