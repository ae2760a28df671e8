package dev.switchboard.hub.engine;

import dev.switchboard.common.http.ClientAddress;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An Engine.IO v4 server on a Vert.x HTTP server: the handshake, HTTP long-polling (GET receives,
 * POST sends), websockets (from the start, or as an upgrade of a polling session), heartbeats and
 * the protocol's errors. It owns the sessions by id; every call comes on the hub's event loop.
 *
 * <p>Mount it with {@link #handle(HttpServerRequest)} for plain requests on {@link #path()} and
 * {@link #handshake(ServerWebSocketHandshake)} / {@link #webSocket(ServerWebSocket)} for
 * websockets.
 */
public final class EngineServer {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Why every session closes when the server stops. */
  public static final String SHUTTING_DOWN = "server shutting down";

  /**
   * The answer to a handshake over {@link EngineOptions#maxPendingSessions}, in Engine.IO's error
   * shape.
   */
  private static final String BUSY =
      new JsonObject()
          .put("code", 4)
          .put("message", "Server busy: too many sessions waiting to join a namespace")
          .encode();

  private final Vertx vertx;
  private final EngineOptions options;
  private final Consumer<EngineSocket> connectionHandler;
  private final Map<String, EngineSocket> sessions = new HashMap<>();
  private final WebSocketWriter writer = new WebSocketWriter();

  /** How every websocket's frames are decoded: one object for all of them. */
  private final WebSocketDecoderConfig decoderConfig;

  private final Heartbeat heartbeat;
  private final StormCollector stormCollector;

  /** Relays requests for other nodes' sessions; null when this hub is the only one it knows. */
  private PollingRelay relay;

  /** What this node's session ids start with when it relays (see {@link PollingRelay}), or "". */
  private String sidPrefix = "";

  /** This server's node id: its session ids' prefix when it relays, and its recovery epoch. */
  private final String node = PollingRelay.newNode();

  /**
   * Open sessions not {@linkplain EngineSocket#established() established} yet, in all and by remote
   * address.
   */
  private int pending;

  private final Map<String, Integer> pendingByAddress = new HashMap<>();

  /** Who a request is from: its peer, or the client a trusted proxy names. */
  private ClientAddress clients = ClientAddress.peers();

  public EngineServer(
      Vertx vertx, EngineOptions options, Consumer<EngineSocket> connectionHandler) {
    this.vertx = vertx;
    this.options = options;
    this.connectionHandler = connectionHandler;
    this.decoderConfig = decoderConfig(options);
    this.heartbeat = new Heartbeat(vertx, options);
    this.stormCollector = new StormCollector(vertx);
  }

  public String path() {
    return options.path();
  }

  public EngineOptions options() {
    return options;
  }

  public int sessionCount() {
    return sessions.size();
  }

  /**
   * Full collections run after a burst of new sessions, to give back the heap a reconnect storm
   * grew (see {@link StormCollector}).
   */
  public long stormCollections() {
    return stormCollector.collections();
  }

  /** Open sessions that have not been taken up yet (for Socket.IO: that joined no namespace). */
  public int pendingCount() {
    return pending;
  }

  /**
   * Whether a request or handshake path is this server's ({@code /socket.io/} with or without the
   * slash).
   */
  public boolean owns(String path) {
    String base =
        options.path().endsWith("/")
            ? options.path().substring(0, options.path().length() - 1)
            : options.path();
    return path.equals(base) || path.equals(base + "/");
  }

  /**
   * The HTTP server settings an Engine.IO server wants: websocket messages bounded by {@code
   * maxPayload}, and no websocket compression. Compression is off in the reference server too
   * ({@code perMessageDeflate: false}): it would deflate every broadcast once per recipient instead
   * of sharing one encoded frame, and a client that negotiates it deflates its own messages
   * asynchronously, so they can reach the server after a request it issued later (a {@code 5} that
   * completes an upgrade arriving after the polling GET sent behind it).
   */
  public static HttpServerOptions httpServerOptions(EngineOptions options) {
    return new HttpServerOptions()
        .setMaxWebSocketMessageSize(options.maxPayload())
        .setMaxWebSocketFrameSize(options.maxPayload())
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false);
  }

  /**
   * What Vert.x configures the frame decoder of each websocket with, on a server of {@link
   * #httpServerOptions} ({@code Http1xServerConnection.createHandshaker}: extensions only with
   * compression, frames up to the maximum frame size, masks as the options say, no close of its own
   * on a protocol violation). The hub's websockets decode with it in place of that decoder ({@link
   * HubWebSocket#takeOver}); {@code HubWebSocketInternalsTest} checks that the two agree.
   */
  static WebSocketDecoderConfig decoderConfig(EngineOptions options) {
    HttpServerOptions http = httpServerOptions(options);
    return WebSocketDecoderConfig.newBuilder()
        .allowExtensions(
            http.getPerMessageWebSocketCompressionSupported()
                || http.getPerFrameWebSocketCompressionSupported())
        .maxFramePayloadLength(http.getMaxWebSocketFrameSize())
        .allowMaskMismatch(http.isAcceptUnmaskedFrames())
        .closeOnProtocolViolation(false)
        .build();
  }

  // ---- HTTP long-polling ----

  public void handle(HttpServerRequest request) {
    if (request.method() == HttpMethod.OPTIONS) {
      preflight(request);
      return;
    }
    if (!options.originAllowed(
        request.getHeader(HttpHeaders.ORIGIN), request.getHeader(HttpHeaders.HOST))) {
      respond(
          request,
          options,
          403,
          "application/json",
          new JsonObject().put("code", 4).put("message", "Forbidden").encode());
      return;
    }
    String problem = checkQuery(request.getParam("EIO"), request.getParam("transport"));
    if (problem != null) {
      badRequest(
          request,
          options,
          problem.equals("version") ? 5 : 0,
          problem.equals("version") ? "Unsupported protocol version" : "Transport unknown");
      return;
    }
    if (!"polling".equals(request.getParam("transport"))) {
      // a websocket request without the Upgrade header
      badRequest(request, options, 3, "Bad request");
      return;
    }
    String sid = request.getParam("sid");
    if (sid == null) {
      if (request.method() != HttpMethod.GET) {
        badRequest(request, options, 2, "Bad handshake method");
        return;
      }
      String address = clientOf(request.remoteAddress(), request.headers());
      if (!admits(address)) {
        respond(request, options, 503, "application/json", BUSY);
        return;
      }
      EngineSocket socket = newSession(request.query(), request.headers(), address);
      socket.onPollingGet(request);
      socket.open(EngineSocket.handshake(socket.id(), true, options));
      return;
    }
    EngineSocket socket = session(sid);
    if (socket == null) {
      if (relay != null && relay.foreign(sid)) {
        relay.forward(request, sid);
      } else {
        badRequest(request, options, 1, "Session ID unknown");
      }
      return;
    }
    if (socket.isWebSocket()) {
      // upgraded: polling is over for this session
      badRequest(request, options, 3, "Bad request");
      return;
    }
    if (request.method() == HttpMethod.GET) {
      socket.onPollingGet(request);
    } else if (request.method() == HttpMethod.POST) {
      receivePost(request, socket);
    } else {
      badRequest(request, options, 2, "Bad handshake method");
    }
  }

  private void receivePost(HttpServerRequest request, EngineSocket socket) {
    readPayload(
        request,
        options,
        body -> {
          try {
            socket.onPollingPayload(body.toString());
            respond(request, options, 200, "text/html", "ok");
          } catch (EngineProtocolException e) {
            badRequest(request, options, 3, "Bad request");
            socket.close("parse error");
          }
        },
        () -> {});
  }

  /**
   * Reads a polling POST's body, at most {@code maxPayload} bytes: the whole body goes to {@code
   * whole}; a body over the limit (by its {@code Content-Length} or as it arrives) is answered 413
   * and, like a request that fails on the way, goes to {@code lost} instead, once.
   */
  static void readPayload(
      HttpServerRequest request, EngineOptions options, Handler<Buffer> whole, Runnable lost) {
    int max = options.maxPayload();
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && parseLong(length) > max) {
      tooLarge(request, options);
      lost.run();
      return;
    }
    Buffer body = Buffer.buffer();
    boolean[] refused = {false};
    request.handler(
        chunk -> {
          if (refused[0]) {
            return;
          }
          body.appendBuffer(chunk);
          if (body.length() > max) {
            refused[0] = true;
            tooLarge(request, options);
            lost.run();
          }
        });
    request.exceptionHandler(
        e -> {
          if (!refused[0]) {
            refused[0] = true;
            lost.run();
          }
        });
    request.endHandler(
        v -> {
          if (!refused[0]) {
            whole.handle(body);
          }
        });
  }

  static void tooLarge(HttpServerRequest request, EngineOptions options) {
    HttpServerResponse response = request.response();
    corsFor(request, response, options);
    response.setStatusCode(413).putHeader(HttpHeaders.CONNECTION, "close").end();
  }

  private void preflight(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    if (!cors(request, response)) {
      response.setStatusCode(403).end();
      return;
    }
    response.putHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    String headers = request.getHeader("Access-Control-Request-Headers");
    if (headers != null) {
      response.putHeader("Access-Control-Allow-Headers", headers);
    }
    response.setStatusCode(204).end();
  }

  // ---- websockets ----

  /**
   * Accepts or refuses a websocket handshake, before Vert.x upgrades the connection: a bad query, a
   * forbidden origin or an unknown sid get HTTP 400. A websocket for a live session that cannot
   * take a probe now (already upgraded, or another probe under way) is accepted and then closed by
   * {@link #webSocket}, as the reference server does: clients see a close, not a failed handshake.
   */
  public void handshake(ServerWebSocketHandshake handshake) {
    MultiMap query = Handshakes.decodeQueryParams(handshake.query());
    boolean ok =
        checkQuery(query.get("EIO"), query.get("transport")) == null
            && "websocket".equals(query.get("transport"))
            && options.originAllowed(
                handshake.headers().get(HttpHeaders.ORIGIN),
                handshake.headers().get(HttpHeaders.HOST));
    String sid = query.get("sid");
    if (ok && sid != null) {
      ok = session(sid) != null;
    } else if (ok && !admits(clientOf(handshake.remoteAddress(), handshake.headers()))) {
      handshake.reject(503);
      return;
    }
    if (ok) {
      handshake.accept();
    } else {
      handshake.reject(400);
    }
  }

  /**
   * A websocket that passed {@link #handshake}: a new session, or the upgrade probe of one. Its
   * channel is taken over by a {@link HubWebSocket}; the Vert.x websocket is not used past this
   * call.
   */
  public void webSocket(ServerWebSocket ws) {
    String sid = Handshakes.decodeQueryParams(ws.query()).get("sid");
    if (sid == null) {
      EngineSocket socket =
          newSession(ws.query(), ws.headers(), clientOf(ws.remoteAddress(), ws.headers()));
      socket.attachWebSocket(HubWebSocket.takeOver(ws, options.maxPayload(), decoderConfig));
      socket.open(EngineSocket.handshake(socket.id(), false, options));
      return;
    }
    EngineSocket socket = session(sid);
    if (socket == null || !socket.acceptsProbe()) {
      // the session went away since the handshake, is upgraded already, or has a probe under way
      ws.close();
      return;
    }
    socket.attachProbe(HubWebSocket.takeOver(ws, options.maxPayload(), decoderConfig));
  }

  // ---- sessions ----

  /**
   * Trusts the proxies of {@code clients} ({@code TRUSTED_PROXIES}): a session opened through one
   * is from the client its {@code X-Forwarded-For} names, so that each client behind nginx has its
   * own share of the pending sessions.
   */
  public void trust(ClientAddress clients) {
    this.clients = clients;
  }

  private String clientOf(SocketAddress peer, MultiMap headers) {
    return clients.of(peer == null ? null : peer.hostAddress(), headers.get("X-Forwarded-For"));
  }

  /**
   * Whether a new session from this address stays within {@link EngineOptions#maxPendingSessions},
   * and within half of it for the address, so that one client's handshakes cannot shut out the
   * others. Sessions whose heartbeat is overdue are closed first, so that only live ones count.
   */
  private boolean admits(String address) {
    heartbeat.catchUp();
    int max = options.maxPendingSessions();
    return pending < max && pendingByAddress.getOrDefault(address, 0) < Math.max(1, max / 2);
  }

  private EngineSocket newSession(String query, MultiMap headers, String client) {
    // one string per address for all its sessions (many clients share one behind NAT or a proxy)
    String address = client == null ? null : client.intern();
    EngineSocket socket =
        new EngineSocket(
            sidPrefix + newId(),
            this,
            Handshakes.canonicalQuery(query),
            Handshakes.encodeHeaders(headers));
    sessions.put(socket.id(), socket);
    stormCollector.opened();
    socket.pendingFrom = address;
    socket.remoteAddress = address;
    pending++;
    pendingByAddress.merge(address, 1, Integer::sum);
    connectionHandler.accept(socket);
    return socket;
  }

  /**
   * The open session with this id, or null. The heartbeat catches up first: a session whose pong is
   * overdue is closed, not found, even when the heartbeat's timer has not fired yet.
   */
  private EngineSocket session(String sid) {
    heartbeat.catchUp();
    return sessions.get(sid);
  }

  /** A session closed: it is no longer found by its id. */
  void forget(EngineSocket socket) {
    sessions.remove(socket.id(), socket);
    established(socket);
  }

  /**
   * A session was taken up or closed: it no longer counts against {@link
   * EngineOptions#maxPendingSessions}.
   */
  void established(EngineSocket socket) {
    String address = socket.pendingFrom;
    if (address != null) {
      socket.pendingFrom = null;
      pending--;
      pendingByAddress.computeIfPresent(address, (a, count) -> count == 1 ? null : count - 1);
    }
  }

  Vertx vertx() {
    return vertx;
  }

  /**
   * Relays polling requests for other nodes' sessions through {@code relay}, and names new sessions
   * after its node; null stops relaying (new sessions keep the prefix).
   */
  void relay(PollingRelay relay) {
    this.relay = relay;
    if (relay != null) {
      sidPrefix = node;
    }
  }

  /** A random id drawn when the server was made, that names it among the hubs of a cluster. */
  public String node() {
    return node;
  }

  WebSocketWriter writer() {
    return writer;
  }

  Heartbeat heartbeat() {
    return heartbeat;
  }

  /** 15 random bytes as 20 URL-safe characters. */
  public static String newId() {
    byte[] bytes = new byte[15];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Closes every session and stops the heartbeat, as when the server stops. */
  public void closeAll() {
    heartbeat.stop();
    stormCollector.stop();
    for (EngineSocket socket : sessions.values().toArray(EngineSocket[]::new)) {
      socket.close(SHUTTING_DOWN);
    }
  }

  // ---- HTTP helpers ----

  /** Null when the query is fine, else "version" or "transport". */
  private static String checkQuery(String eio, String transport) {
    if (!"4".equals(eio)) {
      return "version";
    }
    if (!"polling".equals(transport) && !"websocket".equals(transport)) {
      return "transport";
    }
    return null;
  }

  static void badRequest(
      HttpServerRequest request, EngineOptions options, int code, String message) {
    respond(
        request,
        options,
        400,
        "application/json",
        new JsonObject().put("code", code).put("message", message).encode());
  }

  static void respond(
      HttpServerRequest request,
      EngineOptions options,
      int status,
      String contentType,
      String body) {
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    corsFor(request, response, options);
    response
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, contentType)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body);
  }

  private boolean cors(HttpServerRequest request, HttpServerResponse response) {
    return corsFor(request, response, options);
  }

  /**
   * Adds the CORS headers an allowed browser origin needs; false when the origin is not allowed.
   */
  private static boolean corsFor(
      HttpServerRequest request, HttpServerResponse response, EngineOptions options) {
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin == null) {
      return true;
    }
    if (!options.originAllowed(origin, request.getHeader(HttpHeaders.HOST))) {
      return false;
    }
    response.putHeader("Access-Control-Allow-Origin", origin);
    response.putHeader("Access-Control-Allow-Credentials", "true");
    response.putHeader(HttpHeaders.VARY, "Origin");
    return true;
  }

  static long parseLong(String text) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }
}
