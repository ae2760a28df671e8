package dev.switchboard.mcp;

import dev.switchboard.common.auth.Caller;
import dev.switchboard.common.auth.Role;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The hub's {@code /mcp} sockets as MCP clients, over the event bus ({@code mcp.socket.*}): each
 * socket (the holder, by its id) gets one session of the {@link Host} per server and project,
 * opened by its first message (an {@code initialize} or any other), and ended when the hub says the
 * socket is gone or after the host's session timeout. Requests go through the multiplexer like any
 * session's; their answers are the bus replies, and their progress, with the notifications an
 * instance sends for everyone (list changes, logging), is published on {@code
 * mcp.socket.notifications} for the room {@code mcp:<server>:<project>} ({@code mcp:<server>} for a
 * shared server) and the holders it concerns. A socket session does not keep its instance from
 * idling: the instance stops after its idle timeout, and the session's next request starts it
 * again.
 */
final class SocketSessions {

  /** Sessions (servers and projects) one socket may hold at once. */
  static final int MAX_SESSIONS_PER_HOLDER = 8;

  /** How long {@code mcp:servers} waits for a running instance's {@code tools/list}. */
  private static final long TOOLS_WAIT_MS = 3_000;

  private static final String TOOLS_LIST = "tools/list";

  /** At most this many pages of a server's tools are read for {@code mcp:servers}... */
  static final int TOOL_PAGES = 20;

  /** ...and at most this many tools kept. */
  static final int TOOLS_KEPT = 1000;

  /** A holder's session and the result its {@code initialize} got. */
  private record Held(Session session, JsonObject initialized) {}

  private final Vertx vertx;
  private final Host host;
  private final Map<String, Map<InstanceKey, Future<Held>>> holders = new HashMap<>();

  /** The last tools a running instance of each server listed (lower-case name). */
  private final Map<String, JsonArray> tools = new HashMap<>();

  private long generatedIds;

  SocketSessions(Vertx vertx, Host host) {
    this.vertx = vertx;
    this.host = host;
    host.observe((key, message) -> publish(key, holdersOf(key), message));
  }

  /** Serves {@code mcp.socket.servers}, {@code mcp.socket.request} and {@code .release}. */
  Future<Void> serve() {
    vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.MCP_SOCKET_RELEASE, message -> release(message.body().getString("holder")));
    return Future.all(
            Bus.serve(vertx, Addresses.MCP_SOCKET_SERVERS, body -> servers()),
            Bus.serve(vertx, Addresses.MCP_SOCKET_REQUEST, this::request))
        .mapEmpty();
  }

  // ---- mcp:servers ----

  /** Every server with its state and tools, as {@code mcp:servers} shows them. */
  private Future<JsonObject> servers() {
    List<Future<JsonObject>> listed = new ArrayList<>();
    for (McpServerDefinition def : host.definitions()) {
      JsonObject status = host.status(def);
      JsonArray instances = status.getJsonArray("instances");
      String state = "stopped";
      String readyProject = null;
      for (int i = 0; i < instances.size(); i++) {
        JsonObject instance = instances.getJsonObject(i);
        if ("ready".equals(instance.getString("state"))) {
          state = "ready";
          readyProject = readyProject == null ? instance.getString("project") : readyProject;
        } else if ("starting".equals(instance.getString("state")) && !"ready".equals(state)) {
          state = "starting";
        }
      }
      status.put("state", state);
      Future<JsonArray> listing =
          readyProject == null
              ? Future.succeededFuture(null)
              : listTools(def, readyProject).otherwise((JsonArray) null);
      listed.add(
          listing.map(
              fresh -> {
                String name = def.name().toLowerCase(java.util.Locale.ROOT);
                if (fresh != null) {
                  tools.put(name, fresh);
                }
                JsonArray known = tools.get(name);
                return status.put("tools", known == null ? null : known.copy());
              }));
    }
    return Future.all(listed)
        .map(
            all ->
                new JsonObject()
                    .put("servers", new JsonArray(listed.stream().map(Future::result).toList())));
  }

  /**
   * {@code tools/list} on a running instance, every page of it (at most {@link #TOOL_PAGES} pages
   * and {@link #TOOLS_KEPT} tools), through a session of its own, closed after.
   */
  private Future<JsonArray> listTools(McpServerDefinition def, String project) {
    Promise<JsonArray> listed = Promise.promise();
    long timer =
        vertx.setTimer(
            TOOLS_WAIT_MS,
            id -> listed.tryFail("no tools/list answer in " + TOOLS_WAIT_MS + " ms"));
    Session[] opened = {null};
    host.open(def.name(), project.isEmpty() ? null : project, new JsonObject())
        .onFailure(listed::tryFail)
        .onSuccess(
            entry -> {
              opened[0] = entry.getKey();
              listPage(opened[0], null, new JsonArray(), 1, listed);
            });
    return listed
        .future()
        .onComplete(
            done -> {
              vertx.cancelTimer(timer);
              if (opened[0] != null) {
                host.close(opened[0]);
              }
            });
  }

  /** One page of {@code tools/list} (the first with no cursor), added to {@code tools}. */
  private void listPage(
      Session session, String cursor, JsonArray tools, int page, Promise<JsonArray> listed) {
    JsonObject params = cursor == null ? new JsonObject() : new JsonObject().put("cursor", cursor);
    JsonObject request =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", page)
            .put("method", TOOLS_LIST)
            .put("params", params);
    host.request(
        session,
        request,
        new Reply(
            answer -> {
              JsonObject result = answer.getJsonObject("result");
              if (result == null || result.getJsonArray("tools") == null) {
                listed.tryFail("tools/list answered " + answer.encode());
                return;
              }
              for (Object tool : result.getJsonArray("tools")) {
                if (tools.size() < TOOLS_KEPT) {
                  tools.add(tool);
                }
              }
              if (result.getValue("nextCursor") instanceof String next
                  && page < TOOL_PAGES
                  && tools.size() < TOOLS_KEPT) {
                listPage(session, next, tools, page + 1, listed);
              } else {
                listed.tryComplete(tools);
              }
            },
            null,
            null));
  }

  // ---- mcp:request ----

  /** One client message of a holder, answered with {@code {response}}. */
  private Future<JsonObject> request(JsonObject body) {
    String holder = body.getString("holder");
    String server = body.getValue("server") instanceof String s ? s : null;
    if (holder == null) {
      throw ApiException.invalid("holder", "is required: the socket the session is for");
    }
    if (server == null) {
      throw ApiException.invalid("server", "is required: the name of an MCP server");
    }
    Object project = body.getValue("project");
    if (project != null
        && !(project instanceof String text
            && StreamableHttp.PROJECT_NAME.matcher(text).matches())) {
      throw ApiException.invalid(
          "project", "must be 1 to 128 characters of letters, digits, '.', '_' and '-'");
    }
    JsonObject message = message(body.getValue("message"));
    McpServerDefinition def =
        host.definition(server)
            .orElseThrow(() -> ApiException.notFound("no MCP server named " + server));
    InstanceKey key = Host.key(def, (String) project);
    String method = message.getString("method");
    if ("initialize".equals(method)) {
      return held(holder, key, message)
          .map(
              held ->
                  response(
                      new JsonObject()
                          .put("jsonrpc", "2.0")
                          .put("id", message.getValue("id"))
                          .put("result", held.initialized().copy())));
    }
    Caller caller = caller(body.getValue("caller"));
    return held(holder, key, null)
        .compose(
            held -> {
              held.session().caller = caller;
              return send(holder, held.session(), message);
            });
  }

  /**
   * The socket's caller as the hub knows it ({@code {name, role}}, from the credential the socket
   * connected with); null when the hub sent none.
   */
  private static Caller caller(Object given) {
    if (given instanceof JsonObject caller
        && caller.getValue("name") instanceof String name
        && caller.getValue("role") instanceof String label) {
      return Role.ofLabel(label).map(role -> new Caller(name, role)).orElse(null);
    }
    return null;
  }

  /** The client's message, checked: one JSON-RPC request or notification. */
  private JsonObject message(Object given) {
    if (!(given instanceof JsonObject object)) {
      throw ApiException.invalid("message", "must be one JSON-RPC message (an object)");
    }
    if (object.containsKey("jsonrpc") && !"2.0".equals(object.getValue("jsonrpc"))) {
      throw ApiException.invalid("message.jsonrpc", "must be \"2.0\"");
    }
    Object id = object.getValue("id");
    if (id != null && !(id instanceof String) && !(id instanceof Number)) {
      throw ApiException.invalid("message.id", "must be a string or a number");
    }
    if (object.getValue("method") == null
        && id != null
        && (object.containsKey("result") || object.containsKey("error"))) {
      // an answer to a request of the server (sampling, elicitation, roots) the socket got
      return object.copy().put("jsonrpc", "2.0");
    }
    if (!(object.getValue("method") instanceof String method) || method.isEmpty()) {
      throw ApiException.invalid(
          "message.method",
          "is required: a request, a notification, or an answer (id with result or error) to a"
              + " request of the server");
    }
    JsonObject message = object.copy().put("jsonrpc", "2.0");
    if (id == null && !method.startsWith("notifications/")) {
      // a request sent without an id (its answer comes through the ack): one of the host's
      message.put("id", "sb-socket-" + ++generatedIds);
    }
    return message;
  }

  private Future<JsonObject> send(String holder, Session session, JsonObject message) {
    if (!message.containsKey("id") || !message.containsKey("method")) {
      host.notify(session, message);
      return Future.succeededFuture(response(null));
    }
    Promise<JsonObject> answered = Promise.promise();
    host.request(
        session,
        message,
        new Reply(
            answer -> answered.tryComplete(response(answer)),
            related ->
                // a request of the server goes to the asking socket only, never to the room
                publish(session.key, List.of(holder), related, !related.containsKey("id")),
            id ->
                answered.tryComplete(
                    response(Host.error(id, -32800, "request cancelled by the client")))));
    return answered.future();
  }

  private static JsonObject response(JsonObject response) {
    return new JsonObject().put("response", response);
  }

  /**
   * The holder's session for {@code key}, opened when it has none (or the host forgot it). An
   * {@code initialize} opens it with the client's own request, so its protocol version is
   * negotiated as over HTTP.
   */
  private Future<Held> held(String holder, InstanceKey key, JsonObject initialize) {
    Map<InstanceKey, Future<Held>> sessions = holders.computeIfAbsent(holder, h -> new HashMap<>());
    Future<Held> existing = sessions.get(key);
    if (existing != null
        && (!existing.isComplete()
            || (existing.succeeded()
                && host.session(existing.result().session().id).isPresent()))) {
      return existing;
    }
    if (existing == null && sessions.size() >= MAX_SESSIONS_PER_HOLDER) {
      throw new ApiException(
          ErrorType.TOO_MANY_REQUESTS,
          "this socket holds "
              + MAX_SESSIONS_PER_HOLDER
              + " MCP sessions (servers and projects), as many as it may",
          "server");
    }
    Future<Held> opened =
        host.open(
                key.server(),
                key.project().isEmpty() ? null : key.project(),
                initialize == null ? new JsonObject() : initialize)
            .recover(
                err ->
                    Future.failedFuture(
                        err instanceof ApiException
                            ? err
                            : ApiException.unavailable(
                                "MCP server "
                                    + key
                                    + " could not be started: "
                                    + err.getMessage())))
            .map(
                entry -> {
                  Session session = entry.getKey();
                  session.outlet(new HolderOutlet(holder, key, session));
                  session.via = "socket";
                  return new Held(session, entry.getValue());
                });
    sessions.put(key, opened);
    opened.onFailure(err -> forget(holder, key, opened));
    return opened;
  }

  private void forget(String holder, InstanceKey key, Future<Held> which) {
    Map<InstanceKey, Future<Held>> sessions = holders.get(holder);
    if (sessions != null && sessions.remove(key, which) && sessions.isEmpty()) {
      holders.remove(holder);
    }
  }

  /** The socket is gone: its sessions end (their requests in flight are answered to nobody). */
  private void release(String holder) {
    Map<InstanceKey, Future<Held>> sessions = holders.remove(holder);
    if (sessions != null) {
      sessions.values().forEach(opened -> opened.onSuccess(held -> host.close(held.session())));
    }
  }

  // ---- notifications ----

  private List<String> holdersOf(InstanceKey key) {
    List<String> found = new ArrayList<>();
    holders.forEach(
        (holder, sessions) -> {
          if (sessions.containsKey(key)) {
            found.add(holder);
          }
        });
    return found;
  }

  private void publish(InstanceKey key, List<String> to, JsonObject message) {
    publish(key, to, message, true);
  }

  /** To the holders {@code to}, and to the instance's room when {@code toRoom}. */
  private void publish(InstanceKey key, List<String> to, JsonObject message, boolean toRoom) {
    JsonObject body =
        new JsonObject()
            .put("id", UUID.randomUUID().toString())
            .put("server", key.server())
            .put("project", key.project())
            .put("holders", new JsonArray(to))
            .put("message", message);
    if (toRoom) {
      body.put("room", room(key));
    }
    vertx.eventBus().publish(Addresses.MCP_SOCKET_NOTIFICATIONS, body);
  }

  /** {@code mcp:<server>:<project>}, or {@code mcp:<server>} for a shared server. */
  static String room(InstanceKey key) {
    return "mcp:" + key.server() + (key.project().isEmpty() ? "" : ":" + key.project());
  }

  /**
   * A socket session's outlet: what the instance sends for everyone reaches the holder through the
   * observer's publication (once, with the room), so nothing more is sent here; what is for this
   * session alone (a request of the server, its cancellation, an update of a resource it subscribed
   * to) goes to the holder only.
   */
  private final class HolderOutlet implements Session.Outlet {
    private final String holder;
    private final InstanceKey key;
    private final Session session;

    HolderOutlet(String holder, InstanceKey key, Session session) {
      this.holder = holder;
      this.key = key;
      this.session = session;
    }

    @Override
    public boolean deliver(JsonObject message) {
      String method = message.getString("method");
      if (message.containsKey("id")
          || "notifications/cancelled".equals(method)
          || "notifications/resources/updated".equals(method)) {
        publish(key, List.of(holder), message, false);
      }
      return true;
    }

    @Override
    public boolean open() {
      return false;
    }

    @Override
    public void close() {
      Map<InstanceKey, Future<Held>> sessions = holders.get(holder);
      Future<Held> opened = sessions == null ? null : sessions.get(key);
      if (opened != null && opened.succeeded() && opened.result().session() == session) {
        forget(holder, key, opened);
      }
    }
  }

  /** A {@link Host.Reply} of three functions; absent ones ignore what they get. */
  private record Reply(
      java.util.function.Consumer<JsonObject> onAnswer,
      java.util.function.Consumer<JsonObject> onRelated,
      java.util.function.Consumer<Object> onCancelled)
      implements Host.Reply {
    @Override
    public boolean related(JsonObject message) {
      if (onRelated == null) {
        return false;
      }
      onRelated.accept(message);
      return true;
    }

    @Override
    public void answer(JsonObject response) {
      onAnswer.accept(response);
    }

    @Override
    public void cancelled(Object id) {
      if (onCancelled != null) {
        onCancelled.accept(id);
      }
    }
  }
}
