package dev.switchboard.hub;

import dev.switchboard.hub.socket.Socket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code /mcp}: rooms a client joins and leaves by name, for the events backend jobs send them with
 * {@code POST /emit}. No stream is behind a room, so a recovered socket has nothing to follow
 * again.
 */
final class McpNamespace implements HubNamespace {

  static final String NAME = "/mcp";
  static final String JOIN = "join";
  static final String LEAVE = "leave";
  static final String JOINED = "joined";
  private static final Pattern ROOM = Pattern.compile("[^\\s]{1,128}");

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ClientEvent> clientEvents() {
    return List.of(
        ClientEvent.read(JOIN, McpNamespace::join), ClientEvent.read(LEAVE, McpNamespace::leave));
  }

  @Override
  public List<String> serverEvents() {
    return List.of(HubNamespaces.GREETING, HubNamespaces.ERROR, JOINED);
  }

  private static void join(Socket socket, JsonArray args, Socket.Ack ack) {
    String room = Commands.field(args, "room", ROOM);
    if (room == null) {
      Commands.fail(
          ack, AckError.BAD_REQUEST, "join needs {room}: 1 to 128 characters without spaces");
    } else if (!socket.join(room)) {
      Commands.fail(ack, AckError.TOO_MANY_ROOMS, "this socket is in as many rooms as it may be");
    } else {
      socket.emit(JOINED, new JsonObject().put("room", room));
      Commands.ok(ack, new JsonObject().put("room", room));
    }
  }

  private static void leave(Socket socket, JsonArray args, Socket.Ack ack) {
    String room = Commands.field(args, "room", ROOM);
    if (room == null) {
      Commands.fail(ack, AckError.BAD_REQUEST, "leave needs {room}");
      return;
    }
    socket.leave(room);
    Commands.ok(ack, new JsonObject().put("room", room));
  }
}
