package dev.switchboard.mcp;

import dev.switchboard.common.config.Durations;
import dev.switchboard.common.db.Backoff;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
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

  /**
   * A client request on its way: the request as the client sent it (for its own id and progress
   * token, and to replay it), and for a {@code tools/call} its tool and when it came.
   */
  private record Pending(Session session, JsonObject request, Reply reply, Call call) {
    Object originalId() {
      return request.getValue("id");
    }

    Object originalToken() {
      JsonObject meta = request.getJsonObject("params", new JsonObject()).getJsonObject("_meta");
      return meta == null ? null : meta.getValue("progressToken");
    }
  }

  private record Call(String tool, long startedNanos) {}

  /** Requests that only read, replayed on the new instance when theirs crashed. */
  static final Set<String> READS =
      Set.of(
          "tools/list",
          "resources/list",
          "resources/templates/list",
          "resources/read",
          "prompts/list",
          "prompts/get",
          "completion/complete");

  /**
   * One key's crash restarts under its definition's policy: the backoff, the exits within the
   * policy's window, the restart pending.
   */
  private static final class Restarts {
    final McpServerDefinition.RestartPolicy policy;
    final Backoff backoff;
    final java.util.ArrayDeque<Instant> exits = new java.util.ArrayDeque<>();
    Instance last;

    Restarts(McpServerDefinition.RestartPolicy policy) {
      this.policy = policy;
      this.backoff = new Backoff(policy.initialDelay(), policy.maxDelay());
    }
  }

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
  private final Map<InstanceKey, Restarts> restarts = new HashMap<>();

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
    restarts.keySet().removeIf(key -> key.server().equalsIgnoreCase(name));
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
    Instance instance = newInstance(key, def);
    instance.start();
    return instance.ready().map(result -> instance);
  }

  private Instance newInstance(InstanceKey key, McpServerDefinition def) {
    Instance instance =
        def.remote()
            ? new RemoteInstance(
                key, def, context, meters, message -> fromServer(key, message), this::ended)
            : new StdioInstance(
                key, def, context, meters, message -> fromServer(key, message), this::ended);
    instances.put(key, instance);
    pending.put(instance, new HashMap<>());
    return instance;
  }

  private void ended(Instance instance) {
    instances.remove(instance.key(), instance);
    JsonObject how = instance.toJson().put("endedAt", Instant.now().toString());
    lastEnded.put(instance.key(), how);
    Instance next = restart(instance, how);
    Map<Long, Pending> open = pending.remove(instance);
    if (open == null) {
      return;
    }
    String why = "MCP server " + instance.key() + " " + instance.reason();
    for (Pending p : open.values()) {
      p.session().inFlight.remove(Json.encodeId(p.originalId()));
      String method = p.request().getString("method");
      boolean replay =
          next != null
              && (READS.contains(method)
                  || (p.call() != null && next.definition().idempotentTools()));
      if (replay) {
        next.ready()
            .onSuccess(result -> forward(next, p.session(), p.request(), p.reply(), p.call()))
            .onFailure(
                err -> complete(p, error(p.originalId(), -32603, err.getMessage()), "crash"));
      } else {
        complete(
            p, error(p.originalId(), -32603, why + " while this request was in flight"), "crash");
      }
    }
  }

  /**
   * After an instance ended: when it exited by itself (once initialized, or as a restart) and its
   * definition's {@code restart} policy restarts on that exit, a new instance for the key that
   * starts after a capped, jittered exponential backoff; null when none comes (no restart on this
   * exit, or the policy's {@code limit} exits within its {@code window}: given up, said in {@code
   * how}). The figures are the definition's {@code restart}.
   */
  private Instance restart(Instance ended, JsonObject how) {
    InstanceKey key = ended.key();
    Integer code = ended.exitCode();
    McpServerDefinition def = definitions.get(key.server().toLowerCase(Locale.ROOT));
    Restarts budget =
        restarts.computeIfAbsent(key, k -> new Restarts(ended.definition().restart()));
    boolean aRestart = budget.last == ended;
    budget.last = null;
    if (code == null
        || def == null
        || !def.equals(ended.definition())
        || (ended.readyAt() == null && !aRestart)
        || !def.restart().restarts(code)) {
      return null;
    }
    if (!budget.policy.equals(def.restart())) {
      // the definition changed since: its figures from now on
      budget = new Restarts(def.restart());
      restarts.put(key, budget);
    }
    McpServerDefinition.RestartPolicy policy = budget.policy;
    Instant now = Instant.now();
    if (ended.readyAt() != null && ended.readyAt().plus(policy.resetAfter()).isBefore(now)) {
      budget.backoff.reset();
      budget.exits.clear();
    }
    budget.exits.addLast(now);
    while (budget.exits.peekFirst().isBefore(now.minus(policy.window()))) {
      budget.exits.removeFirst();
    }
    if (budget.exits.size() >= policy.limit()) {
      String gaveUp =
          ended.reason()
              + "; gave up restarting after "
              + budget.exits.size()
              + " exits within "
              + Durations.format(policy.window());
      how.put("reason", gaveUp);
      LOG.warn("MCP server {} {}", key, gaveUp);
      budget.exits.clear();
      budget.backoff.reset();
      return null;
    }
    Duration delay = budget.backoff.next();
    Instance next = newInstance(key, def);
    budget.last = next;
    meters.restarted(key.server());
    String why = ended.reason() + "; restart in " + Durations.format(delay);
    LOG.info("MCP server {} {}", key, why);
    next.startAfter(delay, why);
    return next;
  }

  /** Answers a request; a {@code tools/call} is counted with its outcome. */
  private void complete(Pending p, JsonObject answer, String outcome) {
    if (p.call() != null) {
      meters.toolCall(
          p.session().key.server(),
          p.call().tool(),
          outcome,
          Duration.ofNanos(System.nanoTime() - p.call().startedNanos()));
    }
    p.reply().answer(answer);
  }

  private static String outcome(JsonObject answer) {
    JsonObject result = answer.getJsonObject("result");
    return answer.containsKey("error") || (result != null && result.getBoolean("isError", false))
        ? "error"
        : "ok";
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
      long idle = now - instance.lastActivity();
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
    Call call = null;
    if ("tools/call".equals(method)) {
      Object tool = request.getJsonObject("params", new JsonObject()).getValue("name");
      call = new Call(tool instanceof String name ? name : "", System.nanoTime());
      if (!def.allows(call.tool())) {
        complete(
            new Pending(session, request, reply, call),
            error(
                id,
                -32602,
                "the tool "
                    + call.tool()
                    + " is not allowed on the MCP server "
                    + def.name()
                    + " (its allowedTools)"),
            "refused");
        return;
      }
    }
    Call asked = call;
    instance(session.key, def)
        .onSuccess(instance -> forward(instance, session, request, reply, asked))
        .onFailure(
            err ->
                complete(
                    new Pending(session, request, reply, asked),
                    error(
                        id,
                        -32603,
                        err instanceof ApiException api ? api.getMessage() : err.getMessage()),
                    "error"));
  }

  private void forward(
      Instance instance, Session session, JsonObject request, Reply reply, Call call) {
    Pending p = new Pending(session, request, reply, call);
    Map<Long, Pending> open = pending.get(instance);
    if (open == null) { // ended meanwhile
      complete(
          p,
          error(
              request.getValue("id"),
              -32603,
              "MCP server " + instance.key() + " " + instance.reason()),
          "crash");
      return;
    }
    long hostId = instance.nextId();
    JsonObject out = request.copy().put("id", hostId);
    JsonObject params = out.getJsonObject("params");
    if (p.originalToken() != null) {
      params.getJsonObject("_meta").put("progressToken", "sb-" + hostId);
    }
    open.put(hostId, p);
    session.inFlight.put(Json.encodeId(p.originalId()), hostId);
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
        if (cancelled.call() != null) {
          meters.toolCall(
              session.key.server(),
              cancelled.call().tool(),
              "cancelled",
              Duration.ofNanos(System.nanoTime() - cancelled.call().startedNanos()));
        }
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
          JsonObject answer = message.copy().put("id", p.originalId());
          if ("tools/list".equals(p.request().getString("method"))) {
            answer = allowedOnly(answer, instance.definition());
          }
          complete(p, answer, outcome(answer));
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

  /** A {@code tools/list} answer with only the tools the definition allows. */
  private static JsonObject allowedOnly(JsonObject answer, McpServerDefinition def) {
    JsonObject result = answer.getJsonObject("result");
    if (def.allowedTools() == null || result == null || result.getJsonArray("tools") == null) {
      return answer;
    }
    JsonArray allowed = new JsonArray();
    for (Object tool : result.getJsonArray("tools")) {
      if (tool instanceof JsonObject t && def.allows(t.getString("name"))) {
        allowed.add(t);
      }
    }
    result.put("tools", allowed);
    return answer;
  }

  static JsonObject error(Object id, int code, String message) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", id)
        .put("error", new JsonObject().put("code", code).put("message", message));
  }
}
