package dev.switchboard.mcp;

import dev.switchboard.common.auth.Caller;
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
 * (list changes, logging) go to every session of the instance; {@code resources/updated} only to
 * the sessions subscribed to its URI (a URI is subscribed at the server once per instance, and
 * unsubscribed when its last session unsubscribes or ends). A request the server makes of a client
 * (sampling, elicitation, roots) goes to the one session that can have caused it (see {@link
 * #toClient}) with an id of the host's, and its answer goes back with the server's id; when no
 * session, or more than one, could take it, the server gets a JSON-RPC error saying why. Everything
 * runs on one context, the verticle's.
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

  /** A tool call's tool, when it came, and who made it (the session's caller at that moment). */
  private record Call(String tool, long startedNanos, Caller caller) {}

  /**
   * A request of the server passed on to a session's client: the instance that asked, its id there,
   * the method, and the timer that answers it when the client does not.
   */
  record Asked(Instance instance, Object serverId, String method, long timer) {}

  /** The client capability a request of a server needs. */
  static final Map<String, String> CAPABILITIES =
      Map.of(
          "sampling/createMessage", "sampling",
          "elicitation/create", "elicitation",
          "roots/list", "roots");

  /** Resource subscriptions one session may hold. */
  static final int MAX_SUBSCRIPTIONS = 256;

  /** How long a client has to answer a request of the server passed on to it, by default. */
  static final Duration CLIENT_REQUEST_TIMEOUT = Duration.ofMinutes(5);

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
  private CallListener calls = (session, caller, request, outcome, answer, took) -> {};

  /** Told of every finished {@code tools/call} (the audit, {@link CallAudit}). */
  interface CallListener {
    /**
     * @param caller who made the call: the session's caller when the request came
     * @param outcome as the meters count it ({@code ok}, {@code error}, {@code crash}, {@code
     *     refused}, {@code cancelled})
     * @param answer the JSON-RPC answer; null when the call was cancelled
     */
    void toolCall(
        Session session,
        Caller caller,
        JsonObject request,
        String outcome,
        JsonObject answer,
        Duration took);
  }

  void onToolCall(CallListener listener) {
    this.calls = listener;
  }

  private Duration clientRequestTimeout = CLIENT_REQUEST_TIMEOUT;
  private ServerProcess.Spawner spawner;
  private Session.ReplayLimits replayLimits = Session.ReplayLimits.DEFAULT;
  private long asks;

  Host(Context context, HostMeters.Factory meters, int maxSessions, Duration sessionTimeout) {
    this.context = context;
    this.meters = meters.create(sessions::size);
    this.maxSessions = maxSessions;
    this.sessionTimeout = sessionTimeout;
    this.spawner = ChildProcess.spawner(context);
  }

  /** What each session keeps of its SSE events for resumption (MCP_REPLAY_EVENTS, _BYTES). */
  Host replayLimits(Session.ReplayLimits limits) {
    this.replayLimits = limits;
    return this;
  }

  /** Who starts the processes of stdio servers (MCP_PROCESSES). */
  Host spawner(ServerProcess.Spawner spawner) {
    this.spawner = spawner;
    return this;
  }

  /** How long a client has to answer a request of a server (MCP_CLIENT_REQUEST_TIMEOUT). */
  Host clientRequestTimeout(Duration timeout) {
    this.clientRequestTimeout = timeout;
    return this;
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
              Session session =
                  new Session(
                      newSessionId(),
                      key,
                      version,
                      params.getValue("capabilities") instanceof JsonObject declared
                          ? declared.copy()
                          : null,
                      replayLimits);
              sessions.put(session.id, session);
              // a client's initialize is a message to the instance too, though answered here
              instance.touch();
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
    Instance running = instances.get(session.key);
    for (String uri : session.subscriptions) {
      if (running != null && running.state() == Instance.State.READY && !subscribed(session, uri)) {
        running.send(subscription(running, "resources/unsubscribe", uri));
      }
    }
    session.subscriptions.clear();
    for (Asked asked : session.asked.values()) {
      context.owner().cancelTimer(asked.timer());
      answerServer(
          asked,
          error(
              asked.serverId(),
              -32603,
              "the client session that was asked for " + asked.method() + " ended first"));
    }
    session.asked.clear();
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
                key,
                def,
                context,
                meters,
                message -> fromServer(key, message),
                this::ended,
                spawner);
    instances.put(key, instance);
    pending.put(instance, new HashMap<>());
    instance.ready().onSuccess(result -> resubscribe(instance));
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
      Duration took = Duration.ofNanos(System.nanoTime() - p.call().startedNanos());
      meters.toolCall(p.session().key.server(), p.call().tool(), outcome, took);
      calls.toolCall(p.session(), p.call().caller(), p.request(), outcome, answer, took);
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
    sessions.values().forEach(this::endSession);
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
      call = new Call(tool instanceof String name ? name : "", System.nanoTime(), session.caller);
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
    if (("resources/subscribe".equals(method) || "resources/unsubscribe".equals(method))
        && request.getJsonObject("params", new JsonObject()).getValue("uri") instanceof String uri
        && answeredHere(session, request, uri, reply)) {
      return;
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
    if (method == null) {
      answered(session, message);
      return;
    }
    if ("notifications/initialized".equals(method)) {
      return; // the host sent its own
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
          Duration took = Duration.ofNanos(System.nanoTime() - cancelled.call().startedNanos());
          meters.toolCall(session.key.server(), cancelled.call().tool(), "cancelled", took);
          calls.toolCall(
              session, cancelled.call().caller(), cancelled.request(), "cancelled", null, took);
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
          if ("resources/subscribe".equals(p.request().getString("method"))
              && answer.containsKey("error")) {
            p.session().subscriptions.remove(p.request().getJsonObject("params").getString("uri"));
          }
          if ("tools/list".equals(p.request().getString("method"))) {
            answer = allowedOnly(answer, instance.definition());
          }
          complete(p, answer, outcome(answer));
        }
      }
      return;
    }
    if (id != null) {
      toClient(instance, message);
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
      serverCancelled(instance, message);
      return;
    }
    if ("notifications/resources/updated".equals(method)) {
      Object uri = message.getJsonObject("params", new JsonObject()).getValue("uri");
      for (Session session : sessions.values()) {
        if (session.key.equals(key)
            && session.subscriptions.contains(uri)
            && !session.deliver(message)) {
          meters.dropped();
        }
      }
      return;
    }
    // list changes, logging: every session of this instance
    observers.forEach(observer -> observer.accept(key, message));
    for (Session session : sessions.values()) {
      if (session.key.equals(key) && !session.deliver(message)) {
        meters.dropped();
      }
    }
  }

  // ---- subscriptions ----

  /**
   * Records a session's {@code resources/subscribe} or {@code unsubscribe} of {@code uri}; answers
   * it here (true) when the server need not hear of it: another session of the instance is
   * subscribed to the URI already (or still), or the session was (or was not) already.
   */
  private boolean answeredHere(Session session, JsonObject request, String uri, Reply reply) {
    Object id = request.getValue("id");
    boolean others = subscribed(session, uri);
    boolean changed;
    if ("resources/subscribe".equals(request.getString("method"))) {
      if (!session.subscriptions.contains(uri)
          && session.subscriptions.size() >= MAX_SUBSCRIPTIONS) {
        reply.answer(
            error(
                id,
                -32602,
                "this session holds "
                    + MAX_SUBSCRIPTIONS
                    + " resource subscriptions, as many as it may; unsubscribe first"));
        return true;
      }
      changed = session.subscriptions.add(uri);
    } else {
      changed = session.subscriptions.remove(uri);
    }
    if (others || !changed) {
      reply.answer(
          new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", new JsonObject()));
      return true;
    }
    return false;
  }

  /** Whether a session of {@code session}'s instance other than it is subscribed to {@code uri}. */
  private boolean subscribed(Session session, String uri) {
    return sessions.values().stream()
        .anyMatch(s -> s != session && s.key.equals(session.key) && s.subscriptions.contains(uri));
  }

  /** A subscribe or unsubscribe of the host's own (its answer is of no session's concern). */
  private static JsonObject subscription(Instance instance, String method, String uri) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", instance.nextId())
        .put("method", method)
        .put("params", new JsonObject().put("uri", uri));
  }

  /** A new instance (a restart, or after an idle stop) gets the subscriptions of its sessions. */
  private void resubscribe(Instance instance) {
    sessions.values().stream()
        .filter(s -> s.key.equals(instance.key()))
        .flatMap(s -> s.subscriptions.stream())
        .distinct()
        .forEach(uri -> instance.send(subscription(instance, "resources/subscribe", uri)));
  }

  // ---- server → client requests ----

  /**
   * A request of the server to a client. Over stdio it names no request of a client (the SDKs
   * relate it to the request being handled only for a transport that can use it), so the host picks
   * its session by a rule: only sessions whose {@code initialize} declared the capability it needs
   * qualify; a progress token of the host's in its {@code _meta} names the request (so its session)
   * directly; else the one qualifying session with requests in flight on this instance; else, with
   * none in flight, the one qualifying session of the instance. Anything else (no qualifying
   * session, several with requests in flight, several and none in flight) is answered to the server
   * with an error saying why: a guess could hand one user's prompt to another's client. The request
   * goes on the SSE stream of the session's latest request in flight that has one open, else on the
   * session's own stream; with an id of the host's, mapped back when the client answers; a client
   * that does not answer within the timeout gets a cancellation and the server an error.
   */
  private void toClient(Instance instance, JsonObject request) {
    Object serverId = request.getValue("id");
    String method = request.getString("method");
    if ("ping".equals(method)) {
      instance.send(
          new JsonObject()
              .put("jsonrpc", "2.0")
              .put("id", serverId)
              .put("result", new JsonObject()));
      return;
    }
    String capability = CAPABILITIES.get(method);
    if (capability == null) {
      instance.send(
          error(
              serverId,
              -32601,
              "no client can take "
                  + method
                  + ": the host passes only sampling/createMessage, elicitation/create and"
                  + " roots/list on to clients"));
      return;
    }
    Map<Long, Pending> open = pending.getOrDefault(instance, Map.of());
    List<Session> qualifying =
        sessions.values().stream()
            .filter(s -> s.key.equals(instance.key()) && s.declared(capability))
            .toList();
    if (qualifying.isEmpty()) {
      instance.send(
          error(
              serverId,
              -32601,
              "no client can take "
                  + method
                  + ": no session of "
                  + instance.key()
                  + " declared the "
                  + capability
                  + " capability"));
      return;
    }
    Session target = null;
    Pending named = byToken(open, request.getJsonObject("params"));
    if (named != null && qualifying.contains(named.session())) {
      target = named.session();
    } else {
      List<Session> busy =
          qualifying.stream()
              .filter(s -> open.values().stream().anyMatch(p -> p.session() == s))
              .toList();
      if (busy.size() == 1) {
        target = busy.get(0);
      } else if (busy.isEmpty() && qualifying.size() == 1) {
        target = qualifying.get(0);
      } else {
        instance.send(
            error(
                serverId,
                -32603,
                "cannot tell which client should take "
                    + method
                    + ": "
                    + (busy.isEmpty() ? qualifying.size() : busy.size())
                    + " sessions of "
                    + instance.key()
                    + " declared "
                    + capability
                    + (busy.isEmpty()
                        ? " and none has a request in flight"
                        : " and have requests in flight")
                    + ", and a request over stdio does not say which request caused it"));
        return;
      }
    }
    Session session = target;
    String clientId = "sb-ask-" + ++asks;
    JsonObject out = request.copy().put("id", clientId);
    List<Pending> theirs =
        open.entrySet().stream()
            .filter(e -> e.getValue().session() == session)
            .sorted(Map.Entry.<Long, Pending>comparingByKey().reversed())
            .map(Map.Entry::getValue)
            .toList();
    boolean delivered = false;
    for (Pending p : theirs) {
      if (p.reply().related(out)) {
        delivered = true;
        break;
      }
    }
    if (!delivered && !session.deliver(out)) {
      meters.dropped();
      instance.send(
          error(
              serverId,
              -32603,
              "the client session that should take " + method + " has no open stream to get it"));
      return;
    }
    long timer =
        context
            .owner()
            .setTimer(
                Math.max(1, clientRequestTimeout.toMillis()),
                t -> {
                  Asked late = session.asked.remove(Json.encodeId(clientId));
                  if (late == null) {
                    return;
                  }
                  session.deliver(
                      new JsonObject()
                          .put("jsonrpc", "2.0")
                          .put("method", "notifications/cancelled")
                          .put(
                              "params",
                              new JsonObject()
                                  .put("requestId", clientId)
                                  .put("reason", "not answered in time")));
                  answerServer(
                      late,
                      error(
                          serverId,
                          -32603,
                          "the client did not answer "
                              + method
                              + " within "
                              + Durations.format(clientRequestTimeout)));
                });
    session.asked.put(Json.encodeId(clientId), new Asked(instance, serverId, method, timer));
  }

  /** The request in flight whose progress token (one of the host's) {@code params} carries. */
  private static Pending byToken(Map<Long, Pending> open, JsonObject params) {
    JsonObject meta = params == null ? null : params.getJsonObject("_meta");
    if (meta != null
        && meta.getValue("progressToken") instanceof String token
        && token.startsWith("sb-")) {
      try {
        return open.get(Long.parseLong(token.substring(3)));
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  /** A client's answer to a request of the server: back to the server with the server's id. */
  private void answered(Session session, JsonObject response) {
    Asked asked = session.asked.remove(Json.encodeId(response.getValue("id")));
    if (asked == null) {
      return; // not a request of ours, or answered already (or too late)
    }
    context.owner().cancelTimer(asked.timer());
    JsonObject out = new JsonObject().put("jsonrpc", "2.0").put("id", asked.serverId());
    if (response.containsKey("error")) {
      out.put("error", response.getValue("error"));
    } else {
      out.put("result", response.getValue("result"));
    }
    answerServer(asked, out);
  }

  /** Sends the answer to the instance that asked, if it is still the running one. */
  private void answerServer(Asked asked, JsonObject answer) {
    if (instances.get(asked.instance().key()) == asked.instance()) {
      asked.instance().send(answer);
    }
  }

  /** The server cancels a request of its own: the client that has it gets the cancellation. */
  private void serverCancelled(Instance instance, JsonObject message) {
    JsonObject params = message.getJsonObject("params", new JsonObject());
    Object serverId = params.getValue("requestId");
    for (Session session : sessions.values()) {
      for (Map.Entry<String, Asked> e : session.asked.entrySet()) {
        Asked asked = e.getValue();
        if (asked.instance() == instance && java.util.Objects.equals(asked.serverId(), serverId)) {
          session.asked.remove(e.getKey());
          context.owner().cancelTimer(asked.timer());
          session.deliver(
              // the ids the host gives are strings: the key is "s:" and the id
              message
                  .copy()
                  .put("params", params.copy().put("requestId", e.getKey().substring(2))));
          return;
        }
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
