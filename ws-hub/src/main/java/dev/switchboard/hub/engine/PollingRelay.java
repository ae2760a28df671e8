package dev.switchboard.hub.engine;

import dev.switchboard.common.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polling requests for sessions another hub node owns, relayed to that node over the (clustered)
 * event bus, so that a load balancer in front of several hubs needs no sticky sessions.
 *
 * <p>Each node draws a {@value #NODE_LENGTH}-character node id at start; its Engine.IO session ids
 * are that id followed by the usual 20 random characters (so they stay as unguessable as before). A
 * node that gets a polling GET or POST for a session it does not hold, whose id names another node,
 * sends it to {@code hub.relay.<node>}; the owner replays it on its own Engine.IO server through a
 * loopback HTTP request (the same checks, long-poll and answers as a direct request) and replies
 * with the status, content type and body, which the first node sends on. An owner that is gone (no
 * consumer, or no answer within the timeout) is answered as Engine.IO answers an unknown session:
 * 400 {@code {"code":1,"message":"Session ID unknown"}}. An owner that dies while it holds a
 * relayed long-poll (a hub killed with {@code kill -9}) never answers, and its timeout is as long
 * as the ping interval: so while requests wait on an owner it is probed every {@value
 * #PROBE_MILLIS} ms, and when its consumer is gone, or two probes in a row go unanswered, what
 * waits on it is answered as an unknown session at once, and the client reconnects. Both sides hold
 * at most {@code maxInFlight} relayed requests at once; beyond that a request is answered 503 in
 * Engine.IO's error shape. POST bodies are bounded by {@code maxPayload} before they are relayed.
 *
 * <p>A websocket upgrade that reaches a node other than the session's owner is refused (HTTP 400,
 * as for an unknown sid): socket.io-client then abandons the upgrade and carries on over polling,
 * which the relay keeps working.
 */
public final class PollingRelay {

  /** Characters of a node id at the start of each session id. */
  public static final int NODE_LENGTH = 8;

  private static final int SID_LENGTH = NODE_LENGTH + 20;

  /** How often an owner that relayed requests wait on is asked whether it is still there. */
  static final long PROBE_MILLIS = 2_000;

  /** Unanswered probes in a row after which an owner is taken for dead. */
  private static final int PROBES_MISSED = 2;

  private static final String PING = "PING";
  private static final Logger LOG = LoggerFactory.getLogger(PollingRelay.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String BUSY =
      new JsonObject()
          .put("code", 4)
          .put("message", "Server busy: too many relayed requests")
          .encode();

  private final Vertx vertx;
  private final EngineServer engine;
  private final String node;
  private final int maxInFlight;
  private final long timeoutMillis;
  private HttpClient self;
  private MessageConsumer<Object> consumer;
  private final Map<String, Waiting> waiting = new HashMap<>();
  private int outgoing;
  private int incoming;
  private long relayed;

  /**
   * @param maxInFlight relayed requests held at once, in each direction
   * @param timeout how long a relayed request may take; more than the ping interval, since a
   *     polling GET is held until the owner has something to send, a ping at the latest
   */
  public PollingRelay(Vertx vertx, EngineServer engine, int maxInFlight, long timeoutMillis) {
    this.vertx = vertx;
    this.engine = engine;
    this.node = engine.node();
    this.maxInFlight = maxInFlight;
    this.timeoutMillis = timeoutMillis;
    engine.relay(this);
  }

  /** A fresh node id: {@value #NODE_LENGTH} URL-safe characters (6 random bytes). */
  static String newNode() {
    byte[] bytes = new byte[6];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public String node() {
    return node;
  }

  /**
   * Starts answering relayed requests, replayed on the Engine.IO server listening on {@code
   * host:port} (this node's hub), and makes the engine name its sessions after this node.
   */
  public Future<Void> start(String host, int port) {
    self =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setDefaultHost(loopback(host))
                .setDefaultPort(port)
                .setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(maxInFlight));
    consumer = vertx.eventBus().consumer(address(node), this::serve);
    return consumer.completion();
  }

  public Future<Void> stop() {
    engine.relay(null);
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return self == null ? unregistered : unregistered.compose(v -> self.close());
  }

  /** Requests relayed to other nodes, in all. */
  public long relayed() {
    return relayed;
  }

  static String address(String node) {
    return Addresses.HUB_RELAY + "." + node;
  }

  /** Whether {@code sid} names a session of another node. */
  boolean foreign(String sid) {
    return sid.length() == SID_LENGTH && !sid.startsWith(node);
  }

  // ---- this node: a request for another node's session ----

  /** Relays a polling request for a session of another node and sends its answer on. */
  void forward(HttpServerRequest request, String sid) {
    if (outgoing >= maxInFlight) {
      EngineServer.respond(request, engine.options(), 503, "application/json", BUSY);
      return;
    }
    JsonObject message =
        new JsonObject().put("method", request.method().name()).put("uri", request.uri());
    copyHeader(request, HttpHeaders.ORIGIN, "origin", message);
    copyHeader(request, HttpHeaders.HOST, "host", message);
    copyHeader(request, HttpHeaders.CONTENT_TYPE, "contentType", message);
    outgoing++;
    if (request.method() != HttpMethod.POST) {
      send(request, sid, message);
      return;
    }
    EngineServer.readPayload(
        request,
        engine.options(),
        body -> send(request, sid, message.put("body", body.toString())),
        () -> outgoing--);
  }

  private void send(HttpServerRequest request, String sid, JsonObject message) {
    relayed++;
    String owner = sid.substring(0, NODE_LENGTH);
    waiting.computeIfAbsent(owner, Waiting::new).requests.add(request);
    vertx
        .eventBus()
        .<JsonObject>request(
            address(owner), message, new DeliveryOptions().setSendTimeout(timeoutMillis))
        .onComplete(
            reply -> {
              if (!settled(owner, request)) {
                return; // answered already: its owner was found dead
              }
              if (reply.succeeded()) {
                JsonObject answer = reply.result().body();
                EngineServer.respond(
                    request,
                    engine.options(),
                    answer.getInteger("status", 500),
                    answer.getString("type", "text/plain; charset=UTF-8"),
                    answer.getString("body", ""));
              } else if (reply.cause() instanceof ReplyException e && e.failureCode() == 503) {
                EngineServer.respond(request, engine.options(), 503, "application/json", BUSY);
              } else {
                // the owner is gone (no consumer), or did not answer in time
                EngineServer.badRequest(request, engine.options(), 1, "Session ID unknown");
              }
            });
  }

  /**
   * Takes {@code request} off what waits on {@code owner}: false when it was not there any more,
   * answered when its owner was found dead.
   */
  private boolean settled(String owner, HttpServerRequest request) {
    Waiting on = waiting.get(owner);
    if (on == null || !on.requests.remove(request)) {
      return false;
    }
    outgoing--;
    if (on.requests.isEmpty()) {
      on.stop();
    }
    return true;
  }

  /**
   * The requests relayed to one owner that wait for its answer, and the probe that asks the owner
   * whether it is still there while any do.
   */
  private final class Waiting {

    final String owner;
    final Set<HttpServerRequest> requests = new LinkedHashSet<>();
    final long timer;
    int missed;

    Waiting(String owner) {
      this.owner = owner;
      this.timer = vertx.setPeriodic(PROBE_MILLIS, id -> probe());
    }

    private void probe() {
      vertx
          .eventBus()
          .request(address(owner), PING, new DeliveryOptions().setSendTimeout(PROBE_MILLIS))
          .onComplete(
              reply -> {
                if (waiting.get(owner) != this) {
                  return;
                }
                if (reply.succeeded()
                    || reply.cause() instanceof ReplyException e
                        && e.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
                  missed = 0; // it answered, if only to refuse
                } else if (reply.cause() instanceof ReplyException e
                        && e.failureType() == ReplyFailure.NO_HANDLERS
                    || ++missed >= PROBES_MISSED) {
                  dead(reply.cause());
                }
              });
    }

    private void dead(Throwable cause) {
      LOG.warn(
          "hub node {} is gone ({}): {} relayed polling requests answered as unknown sessions",
          owner,
          cause.getMessage(),
          requests.size());
      stop();
      outgoing -= requests.size();
      for (HttpServerRequest request : requests) {
        EngineServer.badRequest(request, engine.options(), 1, "Session ID unknown");
      }
      requests.clear();
    }

    private void stop() {
      vertx.cancelTimer(timer);
      waiting.remove(owner);
    }
  }

  private static void copyHeader(
      HttpServerRequest request, CharSequence name, String key, JsonObject message) {
    String value = request.getHeader(name);
    if (value != null) {
      message.put(key, value);
    }
  }

  // ---- the owner: a request another node relayed ----

  private void serve(Message<Object> msg) {
    if (PING.equals(msg.body())) {
      msg.reply(null);
      return;
    }
    if (!(msg.body() instanceof JsonObject body)) {
      msg.fail(400, "not a polling request");
      return;
    }
    if (incoming >= maxInFlight) {
      msg.fail(503, "too many relayed requests");
      return;
    }
    HttpMethod method = HttpMethod.valueOf(body.getString("method", "GET"));
    String uri = body.getString("uri", "");
    if (method != HttpMethod.GET && method != HttpMethod.POST || !engine.owns(path(uri))) {
      msg.fail(400, "not a polling request");
      return;
    }
    RequestOptions options =
        new RequestOptions().setMethod(method).setURI(uri).setIdleTimeout(timeoutMillis);
    if (body.getString("origin") != null) {
      options.putHeader(HttpHeaders.ORIGIN, body.getString("origin"));
    }
    if (body.getString("host") != null) {
      options.putHeader(HttpHeaders.HOST, body.getString("host"));
    }
    if (body.getString("contentType") != null) {
      options.putHeader(HttpHeaders.CONTENT_TYPE, body.getString("contentType"));
    }
    String payload = body.getString("body");
    incoming++;
    self.request(options)
        .compose(request -> payload == null ? request.send() : request.send(payload))
        .compose(
            response ->
                response
                    .body()
                    .map(
                        content ->
                            new JsonObject()
                                .put("status", response.statusCode())
                                .put("type", response.getHeader(HttpHeaders.CONTENT_TYPE))
                                .put("body", content.toString())))
        .onComplete(
            answer -> {
              incoming--;
              if (answer.succeeded()) {
                msg.reply(answer.result());
              } else {
                msg.fail(500, "relay failed");
              }
            });
  }

  private static String path(String uri) {
    int query = uri.indexOf('?');
    return query < 0 ? uri : uri.substring(0, query);
  }

  /** Where this node reaches its own server: the bound address, or loopback for a wildcard. */
  private static String loopback(String host) {
    return switch (host) {
      case "0.0.0.0" -> "127.0.0.1";
      case "::", "[::]" -> "::1";
      default -> host;
    };
  }
}
