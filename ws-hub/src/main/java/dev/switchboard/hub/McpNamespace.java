package dev.switchboard.hub;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.Caller;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.hub.socket.Namespace;
import dev.switchboard.hub.socket.Socket;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /mcp}: rooms a client joins and leaves by name, for the events backend jobs send them with
 * {@code POST /emit}; and the MCP servers of mcp-host, over the event bus: {@code mcp:servers}
 * lists them with their state and tools, {@code mcp:request {server, project?, message}} sends one
 * JSON-RPC message through the socket's own MCP session (mcp-host opens one per socket, server and
 * project) and acks with the response. Notifications (a request's progress, list changes, logging)
 * come as {@code mcp:notification} to the socket whose session or request they concern and to the
 * room {@code mcp:<server>:<project>} ({@code mcp:<server>} for a shared server). Reading lists
 * needs the read action; any other method (a tool call) needs operate.
 */
final class McpNamespace implements HubNamespace {

  static final String NAME = "/mcp";
  static final String JOIN = "join";
  static final String LEAVE = "leave";
  static final String JOINED = "joined";
  static final String SERVERS = "mcp:servers";
  static final String REQUEST = "mcp:request";
  static final String NOTIFICATION = "mcp:notification";
  static final String PREFIX = "mcp:";

  /** Requests one socket may have waiting for their answer at once. */
  static final int MAX_IN_FLIGHT = 16;

  /**
   * How long a request may take before its ack says {@code timeout} (a long tool call needs time; a
   * mcp-host that is not running is {@code unavailable} at once).
   */
  static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);

  /** The methods that only read a list, which the read action may send. */
  static final Set<String> READS =
      Set.of(
          "initialize",
          "ping",
          "tools/list",
          "prompts/list",
          "resources/list",
          "resources/templates/list",
          "notifications/initialized");

  private static final Pattern ROOM = Pattern.compile("[^\\s]{1,128}");
  private static final Pattern SERVER = Pattern.compile("[A-Za-z0-9-]{1,63}");
  private static final String IN_FLIGHT = "mcp.inFlight";

  private final Vertx vertx;
  private final Streams streams;

  McpNamespace(Vertx vertx, Streams streams) {
    this.vertx = vertx;
    this.streams = streams;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ClientEvent> clientEvents() {
    return List.of(
        ClientEvent.read(JOIN, McpNamespace::join),
        ClientEvent.read(LEAVE, McpNamespace::leave),
        ClientEvent.read(SERVERS, this::servers),
        // read here; a method that does more than read a list is checked for operate in request
        ClientEvent.read(REQUEST, this::request));
  }

  @Override
  public List<String> serverEvents() {
    return List.of(HubNamespaces.GREETING, HubNamespaces.ERROR, JOINED, NOTIFICATION);
  }

  @Override
  public List<String> reservedPrefixes() {
    return List.of(PREFIX);
  }

  /**
   * MCP notifications for every socket of the namespace while it has any; the socket's sessions end
   * with it.
   */
  @Override
  public void connected(Socket socket) {
    Namespace namespace = socket.namespace();
    streams.follow(
        Addresses.MCP_SOCKET_NOTIFICATIONS,
        namespace,
        null,
        body -> {
          Set<String> to = new HashSet<>();
          body.getJsonArray("holders", new JsonArray()).forEach(h -> to.add(h.toString()));
          String room = body.getString("room");
          if (room != null) { // none for a request of a server: the asking socket only
            to.add(room);
          }
          namespace.broadcast(
              to,
              Set.of(),
              false,
              new JsonArray()
                  .add(NOTIFICATION)
                  .add(
                      new JsonObject()
                          .put("server", body.getString("server"))
                          .put("project", body.getString("project"))
                          .put("message", body.getJsonObject("message"))),
              body.getString("id"));
        });
  }

  /** The socket's MCP sessions end with it. */
  @Override
  public void disconnected(Socket socket) {
    vertx
        .eventBus()
        .send(Addresses.MCP_SOCKET_RELEASE, new JsonObject().put("holder", socket.id()));
  }

  private void servers(Socket socket, JsonArray args, Socket.Ack ack) {
    Bus.request(vertx, Addresses.MCP_SOCKET_SERVERS, new JsonObject())
        .onSuccess(list -> Commands.ok(ack, list))
        .onFailure(err -> Commands.failFrom(ack, err));
  }

  private void request(Socket socket, JsonArray args, Socket.Ack ack) {
    String server = Commands.field(args, "server", SERVER);
    JsonObject given = args.isEmpty() ? null : args.getValue(0) instanceof JsonObject o ? o : null;
    if (server == null || given == null || !(given.getValue("message") instanceof JsonObject)) {
      Commands.fail(
          ack,
          AckError.BAD_REQUEST,
          REQUEST
              + " needs {server, project?, message}: message one JSON-RPC request or"
              + " notification");
      return;
    }
    JsonObject message = given.getJsonObject("message");
    String method = message.getValue("method") instanceof String m ? m : "";
    if (!READS.contains(method)) {
      Optional<String> refused = HubNamespaces.refusal(socket, Action.OPERATE);
      if (refused.isPresent()) {
        Commands.fail(ack, AckError.FORBIDDEN, REQUEST + " " + method + ": " + refused.get());
        return;
      }
    }
    int[] inFlight = (int[]) socket.data().computeIfAbsent(IN_FLIGHT, key -> new int[1]);
    if (inFlight[0] >= MAX_IN_FLIGHT) {
      Commands.fail(
          ack,
          AckError.TOO_MANY_REQUESTS,
          "this socket has " + MAX_IN_FLIGHT + " MCP requests in flight; wait for an answer");
      return;
    }
    inFlight[0]++;
    JsonObject request =
        new JsonObject()
            .put("holder", socket.id())
            .put("server", server)
            .put("project", given.getValue("project"))
            .put("message", message)
            // for mcp-host's call audit: the credential's name and role, never the token
            .put("caller", HubNamespaces.caller(socket).map(Caller::toJson).orElse(null));
    Bus.request(vertx, Addresses.MCP_SOCKET_REQUEST, request, REQUEST_TIMEOUT)
        .onComplete(done -> inFlight[0]--)
        .onSuccess(answer -> Commands.ok(ack, answer))
        .onFailure(
            err -> {
              if (err instanceof dev.switchboard.common.http.ApiException api
                  && api.type() == dev.switchboard.common.http.ErrorType.UNAVAILABLE
                  && api.getMessage().startsWith("no service answers")) {
                Commands.fail(ack, AckError.UNAVAILABLE, "no mcp-host is running to serve MCP");
              } else {
                Commands.failFrom(ack, err);
              }
            });
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
