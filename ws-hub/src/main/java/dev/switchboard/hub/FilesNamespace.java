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
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code /files}: directory watches, each relayed as {@code change} to the room {@code watch:<id>}.
 * The watches themselves are the file-processor's ({@code files.watch}), and Switchboard has no
 * file-processor yet: until it does, {@code watch} answers {@code unavailable}.
 */
final class FilesNamespace implements HubNamespace {

  static final String NAME = "/files";
  static final String WATCH = "watch";
  static final String UNWATCH = "unwatch";
  static final String CHANGE = "change";
  private static final String ROOM_PREFIX = "watch:";
  private static final Pattern PATH = Pattern.compile(".{1,4096}");

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
    return List.of(HubNamespaces.GREETING, CHANGE);
  }

  @Override
  public void resume(Socket socket) {
    for (String room : socket.rooms()) {
      if (room.startsWith(ROOM_PREFIX)) {
        follow(socket.namespace(), room.substring(ROOM_PREFIX.length()));
      }
    }
  }

  private void watch(Socket socket, JsonArray args, Socket.Ack ack) {
    String path = Commands.field(args, "path", PATH);
    if (path == null) {
      Commands.fail(ack, AckError.BAD_REQUEST, "watch needs {path}");
      return;
    }
    Bus.request(vertx, Addresses.FILES_WATCH, new JsonObject().put("path", path))
        .onSuccess(
            watch -> {
              String watchId = watch.getString("watchId");
              if (!socket.join(ROOM_PREFIX + watchId)) {
                Commands.fail(
                    ack, AckError.TOO_MANY_ROOMS, "this socket follows as many watches as it may");
                return;
              }
              follow(socket.namespace(), watchId)
                  .onComplete(
                      r ->
                          Commands.ok(
                              ack, new JsonObject().put("watchId", watchId).put("path", path)));
            })
        .onFailure(
            err -> {
              if (err instanceof ApiException api && api.type() == ErrorType.UNAVAILABLE) {
                Commands.fail(
                    ack,
                    AckError.UNAVAILABLE,
                    "no file-processor is running to serve watches (Switchboard has none yet)");
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
    Commands.ok(ack, new JsonObject().put("watchId", watchId));
  }

  private Future<Void> follow(Namespace namespace, String watchId) {
    String room = ROOM_PREFIX + watchId;
    return streams.follow(
        Addresses.fileChanges(watchId),
        namespace,
        room,
        change -> namespace.emitTo(room, CHANGE, change));
  }
}
