package dev.switchboard.hub;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.hub.socket.ConnectError;
import dev.switchboard.hub.socket.Handshake;
import dev.switchboard.hub.socket.Namespace;
import dev.switchboard.hub.socket.Socket;
import dev.switchboard.hub.socket.SocketServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The hub's namespaces and their events, as the systems Switchboard replaces know them:
 * {@code /services} and {@code /deployments} (live logs, status, service control), {@code /system}
 * (host stats), {@code /mcp} (rooms for MCP events) and {@code /files} (directory watches). Every
 * namespace demands a token in the handshake's {@code auth}, greets with {@code connected}, and
 * answers every client command through its acknowledgement: {@code {ok:true, ...}} or
 * {@code {ok:false, error:{code, message}}}.
 */
final class HubNamespaces {

  static final List<String> NAMES = List.of("/services", "/deployments", "/system", "/mcp", "/files");
  static final String ROLE = "role";
  static final String ADMIN = "admin";
  static final String EMITTER = "emitter";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern ROOM = Pattern.compile("[^\\s]{1,128}");
  private static final String STATS_ROOM = "stats";
  private static final String LOGS = "logs:";
  private static final Set<String> ERROR_STATES = Set.of("failed", "errored", "unhealthy");
  private static final String WATCH = "watch:";
  private static final Map<String, String> CONTROL = Map.of(
    "start", Addresses.SUPERVISOR_SERVICES_START,
    "stop", Addresses.SUPERVISOR_SERVICES_STOP,
    "restart", Addresses.SUPERVISOR_SERVICES_RESTART,
    "refresh", Addresses.SUPERVISOR_SERVICES_REFRESH);

  private final Vertx vertx;
  private final SocketServer server;
  private final Streams streams;
  private final Map<String, String> roleByToken;

  HubNamespaces(Vertx vertx, SocketServer server, Streams streams, String adminToken, String emitToken) {
    this.vertx = vertx;
    this.server = server;
    this.streams = streams;
    this.roleByToken = Map.of(adminToken, ADMIN, emitToken, EMITTER);
  }

  void install() {
    for (String name : NAMES) {
      server.of(name)
        .use(this::authenticate)
        .onConnection(socket -> {
          socket.onDisconnect(reason -> streams.releaseIdle());
          if (socket.recovered()) {
            resumeStreams(socket);
          }
        });
    }
    server.of("/services").onConnection(socket -> {
      greet(socket);
      logs(socket, "serviceId", Addresses::serviceLogs,
        id -> new JsonObject().put("name", id), Addresses.SUPERVISOR_SERVICES_LOGS);
      CONTROL.forEach((action, address) ->
        socket.on("services:" + action, (s, args, ack) -> control(s, action, address, args, ack)));
      Bus.request(vertx, Addresses.SUPERVISOR_SERVICES_STATUS, new JsonObject())
        .onSuccess(status -> socket.emit("services:status", status));
      followServices(socket.namespace());
    });
    server.of("/deployments").onConnection(socket -> {
      greet(socket);
      logs(socket, "deploymentId", Addresses::deploymentLogs,
        id -> new JsonObject().put("id", id), Addresses.SUPERVISOR_DEPLOYMENTS_LOGS);
      followToNamespace(socket.namespace(), Addresses.DEPLOYMENTS_STATUS, "deployments:update");
    });
    server.of("/system").onConnection(socket -> {
      greet(socket);
      socket.on("subscribe:stats", this::subscribeStats);
      socket.on("unsubscribe:stats", (s, args, ack) -> {
        s.leave(STATS_ROOM);
        streams.releaseIdle();
        ok(ack, new JsonObject());
      });
    });
    server.of("/mcp").onConnection(socket -> {
      greet(socket);
      socket.on("join", (s, args, ack) -> {
        String room = field(args, "room", ROOM);
        if (room == null) {
          fail(ack, "bad_request", "join needs {room}: 1 to 128 characters without spaces");
        } else if (!s.join(room)) {
          fail(ack, "too_many_rooms", "this socket is in as many rooms as it may be");
        } else {
          s.emit("joined", new JsonObject().put("room", room));
          ok(ack, new JsonObject().put("room", room));
        }
      });
      socket.on("leave", (s, args, ack) -> {
        String room = field(args, "room", ROOM);
        if (room == null) {
          fail(ack, "bad_request", "leave needs {room}");
          return;
        }
        s.leave(room);
        ok(ack, new JsonObject().put("room", room));
      });
    });
    server.of("/files").onConnection(socket -> {
      greet(socket);
      socket.on("watch", this::watch);
      socket.on("unwatch", this::unwatch);
    });
  }

  // ---- auth ----

  private Future<Void> authenticate(Handshake handshake) {
    Object token = handshake.auth().getValue("token");
    String role = token instanceof String given ? roleOf(given) : null;
    if (role == null) {
      return Future.failedFuture(new ConnectError(token == null ? "authentication required" : "invalid token",
        new JsonObject().put("code", "unauthorized")));
    }
    handshake.auth().put(ROLE, role);
    return Future.succeededFuture();
  }

  /** Compares with every known token in constant time. */
  private String roleOf(String given) {
    byte[] bytes = given.getBytes(StandardCharsets.UTF_8);
    String role = null;
    for (Map.Entry<String, String> entry : roleByToken.entrySet()) {
      if (MessageDigest.isEqual(entry.getKey().getBytes(StandardCharsets.UTF_8), bytes)) {
        role = entry.getValue();
      }
    }
    return role;
  }

  private static void greet(Socket socket) {
    if (!socket.recovered()) {
      // a recovered socket skipped the middleware and got its data, role included, back
      socket.data().put(ROLE, socket.handshake().auth().getString(ROLE));
    }
    socket.emitToConnection("connected", new JsonObject()
      .put("id", socket.id())
      .put("namespace", socket.namespace().name())
      .put("recovered", socket.recovered()));
  }

  // ---- logs (/services, /deployments) ----

  /**
   * {@code subscribe:logs}: the last lines first, then the live stream. The stream's consumer is
   * registered before the tail is asked for, and the tail's answer and the stream's batches come
   * in on this same event loop: the socket joins the room when the tail goes out, so it gets every
   * line after the tail once, in order.
   */
  private void logs(Socket socket, String idField, Function<String, String> address, Function<String, JsonObject> tailQuery,
                    String tailAddress) {
    socket.on("subscribe:logs", (s, args, ack) -> {
      String id = field(args, idField, ID);
      if (id == null) {
        fail(ack, "bad_request", "subscribe:logs needs {" + idField + "}: letters, digits, '.', '_' or '-'");
        return;
      }
      if (!s.mayJoin(LOGS + id)) {
        fail(ack, "too_many_rooms", "this socket follows as many streams as it may");
        return;
      }
      int tail = tailLines(args);
      followLogs(s.namespace(), idField, address, id)
        .compose(v -> tail == 0 ? Future.succeededFuture(new JsonObject())
          : Bus.request(vertx, tailAddress, tailQuery.apply(id).put("tail", true).put("limit", tail)))
        .onComplete(result -> {
          if (result.succeeded() && result.result().getJsonArray("lines", new JsonArray()).size() > 0) {
            s.emit("logs", new JsonObject().put(idField, id).put("lines", result.result().getJsonArray("lines")).put("tail", true));
          }
          s.join(LOGS + id);
          ok(ack, new JsonObject().put(idField, id));
        });
    });
    socket.on("unsubscribe:logs", (s, args, ack) -> {
      String id = field(args, idField, ID);
      if (id == null) {
        s.rooms().stream().filter(room -> room.startsWith(LOGS)).forEach(s::leave);
      } else {
        s.leave(LOGS + id);
      }
      streams.releaseIdle();
      ok(ack, new JsonObject());
    });
  }

  /** How many past lines a subscriber asks for first ({@code tail}, 0..1000; 100 when not given). */
  private static int tailLines(JsonArray args) {
    Object first = args.isEmpty() ? null : args.getValue(0);
    if (first instanceof JsonObject options && options.getValue("tail") instanceof Number n) {
      return Math.max(0, Math.min(1000, n.intValue()));
    }
    return 100;
  }

  /** Relays a log stream to its room until it ends; then the room is emptied too. */
  private Future<Void> followLogs(Namespace namespace, String idField, Function<String, String> address, String id) {
    String room = LOGS + id;
    String stream = address.apply(id);
    return streams.follow(stream, namespace, room, body -> {
      if (Boolean.TRUE.equals(body.getBoolean("closed"))) {
        namespace.emitTo(room, "stream:closed", new JsonObject().put(idField, id).put("reason", body.getString("reason")));
        namespace.clearRoom(room);
        streams.end(stream);
      } else {
        namespace.emitTo(room, "logs", body);
      }
    });
  }

  /**
   * A recovered socket is back in its rooms, but the streams behind them may have been released
   * while it was away: follow them again.
   */
  private void resumeStreams(Socket socket) {
    Namespace namespace = socket.namespace();
    for (String room : socket.rooms()) {
      if (room.equals(STATS_ROOM) && namespace.name().equals("/system")) {
        followStats(namespace);
      } else if (room.startsWith(LOGS) && namespace.name().equals("/services")) {
        followLogs(namespace, "serviceId", Addresses::serviceLogs, room.substring(LOGS.length()));
      } else if (room.startsWith(LOGS) && namespace.name().equals("/deployments")) {
        followLogs(namespace, "deploymentId", Addresses::deploymentLogs, room.substring(LOGS.length()));
      } else if (room.startsWith(WATCH) && namespace.name().equals("/files")) {
        followChanges(namespace, room.substring(WATCH.length()));
      }
    }
  }

  private void control(Socket socket, String action, String address, JsonArray args, Socket.Ack ack) {
    if (!ADMIN.equals(socket.data().get(ROLE))) {
      fail(ack, "forbidden", "services:" + action + " needs the admin role");
      return;
    }
    String name = field(args, "name", ID);
    if (name == null && !action.equals("refresh")) {
      fail(ack, "bad_request", "services:" + action + " needs {name}");
      return;
    }
    JsonObject request = name == null ? new JsonObject() : new JsonObject().put("name", name);
    Bus.request(vertx, address, request)
      .onSuccess(result -> ok(ack, result))
      .onFailure(err -> failFrom(ack, err));
  }

  // ---- /system ----

  private void subscribeStats(Socket socket, JsonArray args, Socket.Ack ack) {
    socket.join(STATS_ROOM);
    followStats(socket.namespace()).onComplete(r -> ok(ack, new JsonObject()));
    // the latest sample at once, rather than up to one interval later
    Bus.request(vertx, Addresses.STATS_LATEST, new JsonObject()).onSuccess(sample -> socket.emit("stats", sample));
  }

  /** Host samples go out volatile: a client that is behind gets the next one instead. */
  private Future<Void> followStats(Namespace namespace) {
    return streams.follow(Addresses.STATS_SYSTEM, namespace, STATS_ROOM,
      sample -> namespace.broadcast(Set.of(STATS_ROOM), Set.of(), true, new JsonArray().add("stats").add(sample)));
  }

  // ---- /files ----

  private void watch(Socket socket, JsonArray args, Socket.Ack ack) {
    String path = field(args, "path", Pattern.compile(".{1,4096}"));
    if (path == null) {
      fail(ack, "bad_request", "watch needs {path}");
      return;
    }
    Bus.request(vertx, Addresses.FILES_WATCH, new JsonObject().put("path", path)).onSuccess(watch -> {
      String watchId = watch.getString("watchId");
      socket.join(WATCH + watchId);
      followChanges(socket.namespace(), watchId)
        .onComplete(r -> ok(ack, new JsonObject().put("watchId", watchId).put("path", path)));
    }).onFailure(err -> failFrom(ack, err));
  }

  private Future<Void> followChanges(Namespace namespace, String watchId) {
    String room = WATCH + watchId;
    return streams.follow(Addresses.fileChanges(watchId), namespace, room, change -> namespace.emitTo(room, "change", change));
  }

  private void unwatch(Socket socket, JsonArray args, Socket.Ack ack) {
    String watchId = field(args, "watchId", ID);
    if (watchId == null) {
      fail(ack, "bad_request", "unwatch needs {watchId}");
      return;
    }
    socket.leave(WATCH + watchId);
    streams.releaseIdle();
    ok(ack, new JsonObject().put("watchId", watchId));
  }

  // ---- helpers ----

  /** Relays a stream to the whole namespace while it has sockets. */
  /**
   * {@code services:update} for every change; a transition into {@code failed}, {@code errored}
   * or {@code unhealthy} also gets the seed's {@code services:error}.
   */
  private void followServices(Namespace namespace) {
    streams.follow(Addresses.SERVICES_STATUS, namespace, null, body -> {
      namespace.emit("services:update", body);
      if ("state".equals(body.getString("update")) && ERROR_STATES.contains(body.getString("state"))) {
        namespace.emit("services:error", new JsonObject().put("name", body.getString("name"))
          .put("state", body.getString("state")).put("message", body.getString("reason")));
      }
    });
  }

  private void followToNamespace(Namespace namespace, String address, String event) {
    streams.follow(address, namespace, null, body -> namespace.emit(event, body));
  }

  /** The named string field of the first argument, when it matches; null otherwise. */
  private static String field(JsonArray args, String name, Pattern valid) {
    if (args.isEmpty() || !(args.getValue(0) instanceof JsonObject object)) {
      return null;
    }
    Object value = object.getValue(name);
    return value instanceof String text && valid.matcher(text).matches() ? text : null;
  }

  private static void ok(Socket.Ack ack, JsonObject result) {
    if (ack != null) {
      ack.send(result.copy().put("ok", true));
    }
  }

  private static void fail(Socket.Ack ack, String code, String message) {
    if (ack != null) {
      ack.send(Socket.error(code, message));
    }
  }

  /** A failed event-bus request as the client should see it; an absent service is {@code unavailable}. */
  private static void failFrom(Socket.Ack ack, Throwable err) {
    ApiException api = err instanceof ApiException e ? e : ApiException.internal(err);
    String code = switch (api.type()) {
      case UNAVAILABLE -> "unavailable";
      case TIMEOUT -> "timeout";
      case BAD_REQUEST -> "bad_request";
      case NOT_FOUND -> "not_found";
      case CONFLICT -> "conflict";
      case FORBIDDEN, UNAUTHORIZED -> "forbidden";
      default -> "internal";
    };
    fail(ack, code, api.type() == ErrorType.INTERNAL ? "internal error" : api.getMessage());
  }
}
