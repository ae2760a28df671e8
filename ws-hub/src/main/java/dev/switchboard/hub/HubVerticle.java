package dev.switchboard.hub;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.auth.Credentials;
import dev.switchboard.common.auth.Revocations;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ClientAddress;
import dev.switchboard.common.http.HostCheck;
import dev.switchboard.common.http.HttpServers;
import dev.switchboard.common.http.Problems;
import dev.switchboard.common.observability.OpsRoutes;
import dev.switchboard.common.observability.Ping;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.hub.engine.EngineOptions;
import dev.switchboard.hub.engine.EngineServer;
import dev.switchboard.hub.engine.PollingRelay;
import dev.switchboard.hub.socket.Namespace;
import dev.switchboard.hub.socket.SocketOptions;
import dev.switchboard.hub.socket.SocketServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The realtime hub: a Socket.IO v4-compatible server on {@code /socket.io/} with the six namespaces
 * of {@link HubNamespaces}, {@code POST /emit} for backend jobs (any event but those a namespace
 * sends of its own), {@code /health} in the shape the seed systems know, {@code /readiness} and
 * {@code /metrics}. Emits travel over {@code hub.broadcast}, so every hub node of a cluster
 * delivers them to its own sockets.
 *
 * <p>Config slice: {@code port}, {@code bindHost}, {@code maxPayload}, {@code pingInterval}, {@code
 * pingTimeout}, {@code connectTimeout}, {@code recoveryWindow} (milliseconds; 0 turns recovery
 * off), {@code eventsPerSecond}, {@code eventBurst}, {@code maxBufferedBytes}, {@code
 * maxPendingSessions}, {@code maxRoomsPerSocket}, {@code corsOrigins}, {@code relayPolling} ({@code
 * auto}, {@code on} or {@code off}: relay polling requests for other hubs' sessions; auto: when
 * clustered), {@code maxRelayedRequests}, {@code auth.adminToken}, {@code auth.viewerToken}, {@code
 * auth.emitToken}, {@code process}.
 */
public final class HubVerticle extends VerticleBase {

  public static final String NAME = "ws-hub";
  static final int MAX_EMITS_PER_REQUEST = 1_000;

  /** The key of the main namespace's sockets in {@code /health}'s {@code connections}. */
  static final String MAIN_CONNECTIONS = "main";

  private static final Set<String> RESERVED_EVENTS =
      Set.of(
          "connect",
          "connect_error",
          "disconnect",
          "disconnecting",
          "newListener",
          "removeListener");

  /**
   * The header of a broadcast accepted by POST /emit: {@code <node>:<System.nanoTime() at the
   * request>}. {@code System.nanoTime()} compares only within one JVM, so the node that delivers it
   * measures from the request only when it is the node that accepted it ({@link #NODE}).
   */
  private static final String ACCEPTED_HEADER = "hub-accepted";

  /** This JVM, in {@link #ACCEPTED_HEADER}. */
  private static final String NODE = UUID.randomUUID().toString();

  /** The namespaces, which know the events {@code /emit} may not forge. */
  private HubNamespaces namespaces;

  private SocketServer sockets;
  private Streams streams;
  private HubMetrics metrics;
  private HttpServer server;
  private PollingRelay relay;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    Authenticator authenticator =
        new Authenticator(
            vertx, Credentials.fromConfig(config.getJsonObject("auth", new JsonObject())));
    SocketOptions options =
        socketOptions(config)
            .withRecoveryInCluster(
                !"local".equals(config.getString("recoveryStore", "auto"))
                    && ("cluster".equals(config.getString("recoveryStore"))
                        || vertx.isClustered()));
    metrics = new HubMetrics(Telemetry.registry());
    sockets = new SocketServer(vertx, options, metrics);
    sockets.engine().trust(ClientAddress.fromConfig(config));
    streams = new Streams(vertx);
    // what a revocation (a named token revoked, a session signed out) ends: its sockets
    Revocations revocations = Revocations.listening(vertx);
    namespaces =
        new HubNamespaces(
            sockets,
            streams,
            authenticator,
            revocations,
            HubNamespaces.create(vertx, streams),
            // fire and forget: the gateway's audit log; without a gateway nobody records it
            entry -> vertx.eventBus().send(Addresses.AUDIT_RECORD, entry));
    namespaces.install();
    metrics.bind(sockets, streams);

    HostCheck hosts = HostCheck.fromConfig(config);
    Router router = Problems.install(Router.router(vertx));
    router.route().handler(hosts);
    router.get("/health").handler(this::health);
    OpsRoutes.mountReadinessAndMetrics(router, vertx, config.getJsonObject("process"));
    // Vert.x Web runs the body handler before user handlers; the body is bounded by maxPayload
    router
        .post("/emit")
        .handler(BodyHandler.create(false).setBodyLimit(options.engine().maxPayload()))
        .handler(BearerAuth.requiring(authenticator, Action.EMIT))
        .handler(this::emit);

    server =
        vertx
            .createHttpServer(EngineServer.httpServerOptions(options.engine()))
            .webSocketHandshakeHandler(
                handshake -> {
                  if (!hosts.allows(handshake.headers().get(HttpHeaders.HOST))) {
                    handshake.reject(403);
                  } else if (sockets.engine().owns(handshake.path())) {
                    sockets.engine().handshake(handshake);
                  } else {
                    handshake.reject(404);
                  }
                })
            .webSocketHandler(ws -> sockets.engine().webSocket(ws))
            .requestHandler(
                request -> {
                  if (sockets.engine().owns(request.path())
                      && hosts.allows(request.getHeader(HttpHeaders.HOST))) {
                    sockets.engine().handle(request);
                  } else {
                    router.handle(request);
                  }
                });
    MessageConsumer<JsonObject> broadcasts =
        vertx.eventBus().consumer(Addresses.HUB_BROADCAST, this::arrived);
    String bindHost = config.getString("bindHost", "127.0.0.1");
    if (enabled(config.getValue("relayPolling"), vertx.isClustered())) {
      EngineOptions engine = options.engine();
      relay =
          new PollingRelay(
              vertx,
              sockets.engine(),
              config.getInteger("maxRelayedRequests", 10_000),
              engine.pingInterval().plus(engine.pingTimeout()).toMillis());
    }
    return HttpServers.listen(server, bindHost, config.getInteger("port", 3007), "HUB_PORT")
        .compose(
            listening ->
                Future.all(
                    broadcasts.completion(),
                    revocations.ready(),
                    Ping.answer(vertx, NAME, Future::succeededFuture),
                    relay == null
                        ? Future.succeededFuture()
                        : relay.start(bindHost, server.actualPort())));
  }

  @Override
  public Future<?> stop() {
    Future<Void> relayed = relay == null ? Future.succeededFuture() : relay.stop();
    sockets.close();
    return server == null ? relayed : Future.all(relayed, server.close());
  }

  /**
   * A setting of {@code auto}, {@code on} or {@code off} (or a boolean); auto follows the cluster.
   */
  static boolean enabled(Object setting, boolean clustered) {
    if (setting instanceof Boolean on) {
      return on;
    }
    return switch (setting == null ? "auto" : setting.toString()) {
      case "on", "true" -> true;
      case "off", "false" -> false;
      default -> clustered;
    };
  }

  /**
   * The namespaces' counts of sockets a revocation could end ({@link HubNamespaces#revocable}),
   * read on the hub's event loop (tests).
   */
  Future<int[]> revocable() {
    Promise<int[]> counted = Promise.promise();
    context.runOnContext(v -> counted.complete(namespaces.revocable()));
    return counted.future();
  }

  /** The port actually bound (when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  static SocketOptions socketOptions(JsonObject config) {
    EngineOptions engine =
        EngineOptions.defaults("/socket.io/")
            .withHeartbeat(
                millis(config, "pingInterval", 25_000), millis(config, "pingTimeout", 20_000))
            .withMaxPayload(config.getInteger("maxPayload", 1_000_000))
            .withMaxBufferedBytes(config.getLong("maxBufferedBytes", 4L << 20))
            .withMaxPendingSessions(config.getInteger("maxPendingSessions", 10_000))
            .withCorsOrigins(
                config.getJsonArray("corsOrigins", new JsonArray()).stream()
                    .map(Object::toString)
                    .toList());
    // 0 turns recovery off, and with it the offset every kept event carries as its last argument
    Duration recoveryWindow = millis(config, "recoveryWindow", 120_000);
    return SocketOptions.defaults(engine)
        .withConnectTimeout(millis(config, "connectTimeout", 10_000))
        .withRecovery(!recoveryWindow.isZero(), recoveryWindow)
        .withLimits(
            10,
            config.getInteger("maxRoomsPerSocket", 100),
            config.getInteger("eventsPerSecond", 50),
            config.getInteger("eventBurst", 100));
  }

  private static Duration millis(JsonObject config, String key, long fallback) {
    return Duration.ofMillis(config.getLong(key, fallback));
  }

  // ---- /health ----

  /**
   * The sockets of each namespace, under its name without the slash, as the seed systems count
   * them; the main namespace {@code /} as {@value #MAIN_CONNECTIONS}.
   */
  private void health(RoutingContext ctx) {
    JsonObject connections = new JsonObject();
    for (String name : HubNamespaces.NAMES) {
      connections.put(
          name.equals(MainNamespace.NAME) ? MAIN_CONNECTIONS : name.substring(1),
          sockets.of(name).size());
    }
    ctx.json(
        new JsonObject()
            .put("success", true)
            .put("status", "healthy")
            .put("connections", connections)
            .put("activeStreams", streams.active()));
  }

  // ---- /emit ----

  /** Validates every emit before publishing any, so a bad batch is refused whole. */
  private void emit(RoutingContext ctx) {
    long accepted = System.nanoTime();
    Object body;
    try {
      body = ctx.body().buffer() == null ? null : Json.decodeValue(ctx.body().buffer());
    } catch (DecodeException e) {
      throw ApiException.invalid("body", "the body is not JSON");
    }
    List<JsonObject> emits;
    if (body instanceof JsonObject single) {
      emits = List.of(validEmit(single, ""));
    } else if (body instanceof JsonArray array) {
      if (array.isEmpty() || array.size() > MAX_EMITS_PER_REQUEST) {
        throw ApiException.invalid(
            "body", "an array of 1 to " + MAX_EMITS_PER_REQUEST + " emits is expected");
      }
      emits = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        Object item = array.getValue(i);
        if (!(item instanceof JsonObject object)) {
          throw ApiException.invalid("[" + i + "]", "each emit is an object");
        }
        emits.add(validEmit(object, "[" + i + "]."));
      }
    } else {
      throw ApiException.invalid(
          "body", "send {namespace, room?, event, data} or an array of them");
    }
    boolean named = sockets.options().recoveryInCluster();
    DeliveryOptions acceptedHere =
        new DeliveryOptions().addHeader(ACCEPTED_HEADER, NODE + ":" + accepted);
    for (JsonObject emit : emits) {
      if (named) {
        // the same on every hub: a client recovering on another hub gets the emit once
        emit.put("id", EngineServer.newId());
      }
      vertx.eventBus().publish(Addresses.HUB_BROADCAST, emit, acceptedHere);
    }
    metrics.emitted(emits.size());
    ctx.response().setStatusCode(202);
    ctx.json(new JsonObject().put("accepted", emits.size()));
  }

  private JsonObject validEmit(JsonObject emit, String prefix) {
    if (!(emit.getValue("namespace") instanceof String namespace)
        || !HubNamespaces.NAMES.contains(namespace)) {
      throw ApiException.invalid(
          prefix + "namespace",
          "namespace must be one of " + String.join(", ", HubNamespaces.NAMES));
    }
    if (!(emit.getValue("event") instanceof String event)
        || event.isEmpty()
        || event.length() > 128
        || RESERVED_EVENTS.contains(event)) {
      throw ApiException.invalid(
          prefix + "event", "event must be a name of 1 to 128 characters, not a reserved one");
    }
    if (namespaces.ownEvent(namespace, event)) {
      throw ApiException.invalid(
          prefix + "event",
          "'"
              + event
              + "' is an event the hub sends on "
              + namespace
              + " itself; /emit may not send it there");
    }
    Object room = emit.getValue("room");
    if (room != null && !(room instanceof String text && !text.isEmpty() && text.length() <= 128)) {
      throw ApiException.invalid(prefix + "room", "room must be a string of 1 to 128 characters");
    }
    Object isVolatile = emit.getValue("volatile");
    if (isVolatile != null && !(isVolatile instanceof Boolean)) {
      throw ApiException.invalid(prefix + "volatile", "volatile must be true or false");
    }
    JsonObject clean = new JsonObject().put("namespace", namespace).put("event", event);
    if (room != null) {
      clean.put("room", room);
    }
    if (emit.containsKey("data")) {
      clean.put("data", emit.getValue("data"));
    }
    if (Boolean.TRUE.equals(isVolatile)) {
      clean.put("volatile", true);
    }
    return clean;
  }

  /**
   * A broadcast from any hub node, delivered to this node's sockets, and its delivery latency
   * recorded: from this node's /emit that accepted it, or else from its arrival here.
   */
  private void arrived(Message<JsonObject> message) {
    long start = System.nanoTime();
    String accepted = message.headers().get(ACCEPTED_HEADER);
    boolean fromEmit = accepted != null && accepted.startsWith(NODE + ":");
    if (fromEmit) {
      start = Long.parseLong(accepted.substring(NODE.length() + 1));
    }
    deliver(message.body());
    metrics.delivered(fromEmit, System.nanoTime() - start);
  }

  private void deliver(JsonObject emit) {
    Namespace namespace = sockets.of(emit.getString("namespace"));
    JsonArray eventAndArgs = new JsonArray().add(emit.getString("event"));
    if (emit.containsKey("data")) {
      eventAndArgs.add(emit.getValue("data"));
    }
    String room = emit.getString("room");
    namespace.broadcast(
        room == null ? Set.of() : Set.of(room),
        Set.of(),
        emit.getBoolean("volatile", false),
        eventAndArgs,
        emit.getString("id"));
  }
}
