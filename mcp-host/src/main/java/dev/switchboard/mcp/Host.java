package dev.switchboard.mcp;

import dev.switchboard.common.config.Durations;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The multiplexer: the definitions, the running instances (one per key), the client sessions, and
 * the routing of every JSON-RPC message between them. Each client request gets an id of the
 * instance's own on the way in (so two sessions may both send id 1) and its own id back on the way
 * out; a progress token is replaced the same way and mapped back to its session; a client's
 * cancellation is mapped to the server's id; {@code initialize} and {@code ping} are answered here
 * (the instance was initialized once, by the host). Notifications the server sends for everyone
 * (list changes, logging, resource updates) go to every session of the instance. A request the
 * server makes of a client (sampling, elicitation, roots) is answered with a JSON-RPC error saying
 * no client can take it. Everything runs on one context, the verticle's.
 */
final class Host {

  /** Protocol versions whose clients are served. */
  static final Set<String> VERSIONS = Set.of("2025-11-25", "2025-06-18", "2025-03-26");

  private static final Logger LOG = LoggerFactory.getLogger(Host.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Where a client request's answer and its progress go (the POST's response). */
  interface Reply {
    /** A message related to the request (its progress); false if it could not be delivered. */
    boolean related(JsonObject message);

    void answer(JsonObject response);

    /**
     * The client cancelled the request: its answer will not come (a server does not answer a
     * cancelled request), so the response is ended here.
     */
    void cancelled(Object id);
  }

  private record Pending(Session session, Object originalId, Object originalToken, Reply reply) {}

  private final Context context;
  private final HostMeters meters;
  private final int maxSessions;
  private final Duration sessionTimeout;
  private final Map<String, McpServerDefinition> definitions = new LinkedHashMap<>();
  private final Map<InstanceKey, Instance> instances = new HashMap<>();
  private final Map<Instance, Map<Long, Pending>> pending = new HashMap<>();
  private final Map<InstanceKey, JsonObject> lastEnded = new HashMap<>();
  private final Map<String, Session> sessions = new HashMap<>();
  private final List<java.util.function.BiConsumer<InstanceKey, JsonObject>> observers =
      new ArrayList<>();

  Host(Context context, HostMeters.Factory meters, int maxSessions, Duration sessionTimeout) {
    this.context = context;
    this.meters = meters.create(sessions::size);
    this.maxSessions = maxSessions;
    this.sessionTimeout = sessionTimeout;
  }

  // ---- definitions ----

  Optional<McpServerDefinition> definition(String name) {
    return Optional.ofNullable(definitions.get(name.toLowerCase(Locale.ROOT)));
  }

  /** Adds or replaces a definition; the instances of a replaced one are stopped (sessions stay). */
  void put(McpServerDefinition def) {
    McpServerDefinition old = definitions.put(def.name().toLowerCase(Locale.ROOT), def);
    if (old != null && !old.equals(def)) {
      stopInstances(def.name(), "its definition changed");
    }
  }

  /** Removes a definition, stops its instances and ends its sessions. */
  void remove(String name) {
    definitions.remove(name.toLowerCase(Locale.ROOT));
    stopInstances(name, "its definition was deleted");
    sessions.values().removeIf(s -> matches(s.key, name) && endSession(s));
    lastEnded.keySet().removeIf(key -> key.server().equalsIgnoreCase(name));
  }

  List<McpServerDefinition> definitions() {
    return List.copyOf(definitions.values());
  }

  /** A definition as the API shows it: masked env, its instances and sessions. */
  JsonObject status(McpServerDefinition def) {
    JsonArray running = new JsonArray();
    instances.values().stream()
        .filter(i -> matches(i.key(), def.name()))
        .forEach(
            i ->
                running.add(
                    i.toJson()
                        .put(
                            "sessions",
                            sessions.values().stream().filter(s -> s.key.equals(i.key())).count())
                        .put("inFlight", pending.getOrDefault(i, Map.of()).size())));
    JsonArray ended = new JsonArray();
    lastEnded.entrySet().stream()
        .filter(e -> matches(e.getKey(), def.name()))
        .forEach(e -> ended.add(e.getValue().copy()));
    return def.toPublicJson()
        .put("instances", running)
        .put("lastEnded", ended)
        .put(
            "sessions", sessions.values().stream().filter(s -> matches(s.key, def.name())).count());
  }

  private static boolean matches(InstanceKey key, String server) {
    return key.server().equalsIgnoreCase(server);
  }

  private void stopInstances(String server, String why) {
    new ArrayList<>(instances.values())
        .stream().filter(i -> matches(i.key(), server)).forEach(i -> i.stop(why));
  }

  /**
   * {@code observer} sees, once each, the notifications an instance sends for all its sessions
   * (list changes, logging, resource updates), whether or not it has any: the hub's rooms {@code
   * mcp:<server>:<project>} follow an instance this way.
   */
  void observe(java.util.function.BiConsumer<InstanceKey, JsonObject> observer) {
    observers.add(observer);
  }

  // ---- sessions ----

  /**
   * A client's {@code initialize}: starts (or finds) the instance for its key, and opens a session
   * answered from the instance's negotiated result.
   */
  Future<Map.Entry<Session, JsonObject>> open(String server, String project, JsonObject request) {
    McpServerDefinition def =
        definition(server)
            .orElseThrow(() -> ApiException.notFound("no MCP server named " + server));
    if (sessions.size() >= maxSessions) {
      throw ApiException.unavailable(
          "the MCP host holds " + maxSessions + " sessions (MCP_MAX_SESSIONS); end one first");
    }
    InstanceKey key = key(def, project);
    JsonObject params = request.getJsonObject("params", new JsonObject());
    String asked = params.getString("protocolVersion");
    // Set.of(...).contains(null) throws: an initialize without a version gets the default
    String version = asked != null && VERSIONS.contains(asked) ? asked : Instance.PROTOCOL_VERSION;
    return instance(key, def)
        .map(
            instance -> {
              if (sessions.size() >= maxSessions) {
                throw ApiException.unavailable(
                    "the MCP host holds " + maxSessions + " sessions (MCP_MAX_SESSIONS)");
              }
              Session session = new Session(newSessionId(), key, version);
              sessions.put(session.id, session);
              JsonObject result = instance.ready().result().copy().put("protocolVersion", version);
              return Map.entry(session, result);
            });
  }

  Optional<Session> session(String id) {
    Session session = sessions.get(id);
    if (session != null) {
      session.lastSeen = System.currentTimeMillis();
    }
    return Optional.ofNullable(session);
  }

  void close(Session session) {
    sessions.remove(session.id);
    endSession(session);
  }

  private boolean endSession(Session session) {
    session.closeStream();
    return true;
  }

  int sessionCount() {
    return sessions.size();
  }

  static InstanceKey key(McpServerDefinition def, String project) {
    if (def.pool() == McpServerDefinition.PoolMode.SHARED) {
      return new InstanceKey(def.name(), "");
    }
    if (project == null || project.isEmpty()) {
      throw ApiException.invalid(
          "project",
          "is required: "
              + def.name()
              + " runs one instance per project (?project= or the Mcp-Project header)");
    }
    return new InstanceKey(def.name(), project);
  }

  private static String newSessionId() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  // ---- instances ----

  private Future<Instance> instance(InstanceKey key, McpServerDefinition def) {
    Instance running = instances.get(key);
    if (running != null) {
      return running.ready().map(result -> running);
    }
    long ofServer = instances.keySet().stream().filter(k -> matches(k, def.name())).count();
    if (ofServer >= def.maxInstances()) {
      return Future.failedFuture(
          ApiException.unavailable(
              def.name() + " runs " + ofServer + " instances, its maxInstances; try again later"));
    }
    Instance instance =
        new Instance(key, def, context, meters, message -> fromServer(key, message), this::ended);
    instances.put(key, instance);
    pending.put(instance, new HashMap<>());
    instance.start();
    return instance.ready().map(result -> instance);
  }

  private void ended(Instance instance) {
    instances.remove(instance.key(), instance);
    lastEnded.put(
        instance.key(), instance.toJson().put("endedAt", java.time.Instant.now().toString()));
    Map<Long, Pending> open = pending.remove(instance);
    if (open != null) {
      String why = "MCP server " + instance.key() + " " + instance.reason();
      open.values()
          .forEach(
              p -> {
                p.session().inFlight.values().removeIf(id -> true);
                p.reply()
                    .answer(
                        error(p.originalId(), -32603, why + " while this request was in flight"));
              });
    }
  }

  /**
   * Stops every instance idle for its idle timeout: nothing in flight, no open stream, no message.
   */
  void reap() {
    long now = System.currentTimeMillis();
    for (Instance instance : new ArrayList<>(instances.values())) {
      if (instance.state() != Instance.State.READY
          || !pending.getOrDefault(instance, Map.of()).isEmpty()) {
        continue;
      }
      boolean streaming =
          sessions.values().stream().anyMatch(s -> s.key.equals(instance.key()) && s.hasStream());
      long idle = now - instance.lastActivity;
      if (!streaming && idle >= instance.definition().idleTimeout().toMillis()) {
        instance.stop("idle for " + Durations.format(instance.definition().idleTimeout()));
      }
    }
    sessions
        .values()
        .removeIf(
            s ->
                !s.hasStream()
                    && s.inFlight.isEmpty()
                    && now - s.lastSeen > sessionTimeout.toMillis()
                    && endSession(s));
  }

  void stopAll() {
    new ArrayList<>(instances.values()).forEach(i -> i.stop("the MCP host is stopping"));
    sessions.values().forEach(Session::closeStream);
    sessions.clear();
  }

  // ---- client → server ----

  /** A request of a session's client; its answer (and its progress) go to {@code reply}. */
  void request(Session session, JsonObject request, Reply reply) {
    Object id = request.getValue("id");
    String method = request.getString("method");
    meters.request(session.key.server());
    if ("initialize".equals(method)) {
      reply.answer(
          error(
              id,
              -32600,
              "this session is already initialized; start a new session to initialize again"));
      return;
    }
    if ("ping".equals(method)) {
      reply.answer(
          new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", new JsonObject()));
      return;
    }
    McpServerDefinition def = definition(session.key.server()).orElse(null);
    if (def == null) {
      reply.answer(error(id, -32603, "the MCP server " + session.key.server() + " was deleted"));
      return;
    }
    instance(session.key, def)
        .onSuccess(instance -> forward(instance, session, request, reply))
        .onFailure(
            err ->
                reply.answer(
                    error(
                        id,
                        -32603,
                        err instanceof ApiException api ? api.getMessage() : err.getMessage())));
  }

  private void forward(Instance instance, Session session, JsonObject request, Reply reply) {
    Map<Long, Pending> open = pending.get(instance);
    if (open == null) { // ended meanwhile
      reply.answer(
          error(
              request.getValue("id"),
              -32603,
              "MCP server " + instance.key() + " " + instance.reason()));
      return;
    }
    long hostId = instance.nextId();
    Object originalId = request.getValue("id");
    JsonObject out = request.copy().put("id", hostId);
    Object token = null;
    JsonObject params = out.getJsonObject("params");
    if (params != null && params.getJsonObject("_meta") != null) {
      JsonObject meta = params.getJsonObject("_meta");
      token = meta.getValue("progressToken");
      if (token != null) {
        meta.put("progressToken", "sb-" + hostId);
      }
    }
    open.put(hostId, new Pending(session, originalId, token, reply));
    session.inFlight.put(Json.encodeId(originalId), hostId);
    instance.send(out);
  }

  /** A notification (or a response to a server's request) from a session's client. */
  void notify(Session session, JsonObject message) {
    String method = message.getString("method");
    if (method == null || "notifications/initialized".equals(method)) {
      // responses: the host never passes a server's request on; initialized: the host sent its own
      return;
    }
    Instance instance = instances.get(session.key);
    if (instance == null || instance.state() != Instance.State.READY) {
      return;
    }
    if ("notifications/cancelled".equals(method)) {
      JsonObject params = message.getJsonObject("params", new JsonObject());
      Long hostId = session.inFlight.remove(Json.encodeId(params.getValue("requestId")));
      if (hostId == null) {
        return;
      }
      instance.send(message.copy().put("params", params.copy().put("requestId", hostId)));
      Pending cancelled = pending.getOrDefault(instance, new HashMap<>()).remove(hostId);
      if (cancelled != null) {
        cancelled.reply().cancelled(cancelled.originalId());
      }
      return;
    }
    instance.send(message);
  }

  // ---- server → client ----

  private void fromServer(InstanceKey key, JsonObject message) {
    Instance instance = instances.get(key);
    if (instance == null) {
      return;
    }
    String method = message.getString("method");
    Object id = message.getValue("id");
    if (method == null) {
      if (id instanceof Number n) {
        Pending p = pending.get(instance).remove(n.longValue());
        if (p != null) {
          p.session().inFlight.remove(Json.encodeId(p.originalId()));
          p.reply().answer(message.copy().put("id", p.originalId()));
        }
      }
      return;
    }
    if (id != null) {
      instance.send(
          error(
              id,
              -32601,
              "no client can take "
                  + method
                  + ": the Switchboard MCP host does not pass requests of a server on to its clients yet"));
      return;
    }
    if ("notifications/progress".equals(method)) {
      JsonObject params = message.getJsonObject("params", new JsonObject());
      Object token = params.getValue("progressToken");
      if (token instanceof String host && host.startsWith("sb-")) {
        Pending p = null;
        try {
          p = pending.get(instance).get(Long.parseLong(host.substring(3)));
        } catch (NumberFormatException e) {
          // not one of ours
        }
        if (p != null) {
          JsonObject out =
              message.copy().put("params", params.copy().put("progressToken", p.originalToken()));
          if (!p.reply().related(out) && !p.session().deliver(out)) {
            meters.dropped();
          }
        }
      }
      return;
    }
    if ("notifications/cancelled".equals(method)) {
      return; // the server cancels a request of its own, which no client got
    }
    // list changes, logging, resource updates: every session of this instance
    observers.forEach(observer -> observer.accept(key, message));
    for (Session session : sessions.values()) {
      if (session.key.equals(key) && !session.deliver(message)) {
        meters.dropped();
      }
    }
  }

  static JsonObject error(Object id, int code, String message) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", id)
        .put("error", new JsonObject().put("code", code).put("message", message));
  }
}
