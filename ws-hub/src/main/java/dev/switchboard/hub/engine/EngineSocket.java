package dev.switchboard.hub.engine;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.Map;

/**
 * One Engine.IO session: its transport (HTTP long-polling, possibly upgraded to websocket, or a
 * websocket from the start), the heartbeat, and the packets waiting for a polling GET. Everything
 * happens on the hub's event loop, so nothing here is synchronized.
 */
public final class EngineSocket {

  /** What the session hands up: each message (a String or a Buffer) and, once, why it closed. */
  public interface Listener {
    void onMessage(EngineSocket socket, Object data);

    void onClose(EngineSocket socket, String reason);
  }

  private final String id;
  private final Vertx vertx;
  private final EngineOptions options;
  private final WebSocketWriter writer;
  private final Map<String, String> handshakeQuery;
  private final Map<String, String> handshakeHeaders;
  private final Runnable onClosed;
  private Listener listener;

  private final HubWebSocket.Listener webSocketEvents = new WebSocketEvents();
  private HubWebSocket webSocket;
  private HubWebSocket probe;
  private long probeTimer = -1;
  private HttpServerRequest pendingGet;
  private final ArrayDeque<EnginePacket> buffered = new ArrayDeque<>();
  private long bufferedBytes;
  private boolean upgrading;
  private boolean closed;
  private long pingTimer = -1;
  private long pongTimer = -1;

  EngineSocket(String id, Vertx vertx, EngineOptions options, WebSocketWriter writer,
               Map<String, String> handshakeQuery, Map<String, String> handshakeHeaders, Runnable onClosed) {
    this.id = id;
    this.vertx = vertx;
    this.options = options;
    this.writer = writer;
    this.handshakeQuery = handshakeQuery;
    this.handshakeHeaders = handshakeHeaders;
    this.onClosed = onClosed;
  }

  public String id() {
    return id;
  }

  /** The query parameters of the request that opened the session. */
  public Map<String, String> handshakeQuery() {
    return handshakeQuery;
  }

  /** The headers (lower-case names) of the request that opened the session. */
  public Map<String, String> handshakeHeaders() {
    return handshakeHeaders;
  }

  public void listener(Listener listener) {
    this.listener = listener;
  }

  public boolean isOpen() {
    return !closed;
  }

  /** Whether the session runs on a websocket (from the start or after the upgrade). */
  public boolean isWebSocket() {
    return webSocket != null;
  }

  // ---- sending ----

  public void send(EnginePacket packet) {
    if (closed) {
      return;
    }
    if (webSocket != null) {
      if (webSocket.backlog() > options.maxBufferedBytes()) {
        // the backlog counts what this turn wrote but has not flushed yet: flush, then judge
        webSocket.flush();
        if (webSocket.backlog() > options.maxBufferedBytes()) {
          close("slow consumer");
          return;
        }
      }
      writer.write(webSocket, packet);
      return;
    }
    buffered.add(packet);
    bufferedBytes += packet.size();
    if (bufferedBytes > options.maxBufferedBytes()) {
      close("slow consumer");
      return;
    }
    flushToPendingGet();
  }

  /**
   * Whether a packet sent now would leave promptly: a websocket whose channel takes more, or a
   * polling session with little waiting. Volatile packets are dropped when this is false.
   */
  public boolean writable() {
    if (closed) {
      return false;
    }
    if (webSocket != null) {
      return webSocket.writable();
    }
    return bufferedBytes < options.maxBufferedBytes() / 4;
  }

  // ---- the transports ----

  void open(JsonObject handshake) {
    send(EnginePacket.of(EnginePacket.OPEN, handshake.encode()));
    schedulePing();
  }

  static JsonObject handshake(String sid, boolean polling, EngineOptions options) {
    return new JsonObject()
      .put("sid", sid)
      .put("upgrades", polling ? new JsonArray().add("websocket") : new JsonArray())
      .put("pingInterval", options.pingInterval().toMillis())
      .put("pingTimeout", options.pingTimeout().toMillis())
      .put("maxPayload", options.maxPayload());
  }

  /** A polling GET: answered at once when packets wait, otherwise held until some arrive. */
  void onPollingGet(HttpServerRequest request) {
    if (pendingGet != null) {
      // two concurrent GETs: a broken client; the first learns of the close, the second is refused
      EngineServer.badRequest(request, options, 3, "Bad request");
      close("transport error");
      return;
    }
    pendingGet = request;
    request.response().closeHandler(v -> {
      if (pendingGet == request) {
        pendingGet = null;
        close("transport close");
      }
    });
    if (upgrading) {
      respondToGet(EnginePacket.NOOP_PACKET.pollingText());
      return;
    }
    flushToPendingGet();
  }

  /** A polling POST's payload: packets separated by the record separator. */
  void onPollingPayload(String payload) {
    for (String record : payload.split("\u001e", -1)) {
      if (closed) {
        return;
      }
      onPacket(EnginePacket.decode(record));
    }
  }

  void attachWebSocket(HubWebSocket ws) {
    webSocket = ws;
    ws.listener(webSocketEvents);
  }

  /** A websocket that carries this polling session's sid: the upgrade probe. */
  void attachProbe(HubWebSocket ws) {
    probe = ws;
    ws.listener(webSocketEvents);
    probeTimer = vertx.setTimer(options.upgradeTimeout().toMillis(), t -> {
      probeTimer = -1;
      ws.close();
    });
  }

  /**
   * Routes the events of this session's websockets: the upgrade probe's, then the session's own.
   * One object per session rather than a lambda per handler, since idle sessions are the many.
   */
  private final class WebSocketEvents implements HubWebSocket.Listener {

    @Override
    public void onText(HubWebSocket ws, String text) {
      if (ws == probe) {
        onProbeText(ws, text);
      } else {
        onWebSocketText(ws, text);
      }
    }

    @Override
    public void onBinary(HubWebSocket ws, Buffer data) {
      if (ws == probe) {
        ws.close();
      } else {
        onWebSocketBinary(ws, data);
      }
    }

    @Override
    public void onClose(HubWebSocket ws) {
      if (ws == probe) {
        abandonProbe(ws);
      } else if (ws == webSocket) {
        close("transport close");
      }
    }
  }

  boolean acceptsProbe() {
    return !closed && webSocket == null && probe == null;
  }

  private void onProbeText(HubWebSocket ws, String text) {
    if (text.equals("2probe")) {
      upgrading = true;
      // flushed now, not with the rest of the turn: replies this turn sends on other connections
      // (a polling GET the client sent after its 2probe, say) must not overtake it
      writer.write(ws, EnginePacket.of(EnginePacket.PONG, "probe"));
      ws.flush();
      if (pendingGet != null) {
        respondToGet(EnginePacket.NOOP_PACKET.pollingText());
      }
    } else if (text.equals("5") && upgrading) {
      vertx.cancelTimer(probeTimer);
      probe = null;
      upgrading = false;
      if (pendingGet != null) {
        respondToGet(EnginePacket.NOOP_PACKET.pollingText());
      }
      attachWebSocket(ws);
      while (!buffered.isEmpty() && !closed) {
        writer.write(ws, buffered.poll());
      }
      bufferedBytes = 0;
    } else {
      ws.close();
    }
  }

  private void abandonProbe(HubWebSocket ws) {
    if (probe == ws) {
      probe = null;
      upgrading = false;
      vertx.cancelTimer(probeTimer);
    }
  }

  private void onWebSocketText(HubWebSocket ws, String text) {
    if (webSocket != ws || closed) {
      return;
    }
    try {
      onPacket(EnginePacket.decode(text));
    } catch (EngineProtocolException e) {
      close("parse error");
    }
  }

  private void onWebSocketBinary(HubWebSocket ws, Buffer data) {
    if (webSocket == ws && !closed) {
      listener.onMessage(this, data);
    }
  }

  private void onPacket(EnginePacket packet) {
    switch (packet.type()) {
      case EnginePacket.MESSAGE -> listener.onMessage(this, packet.isBinary() ? packet.binaryData() : packet.text());
      case EnginePacket.PONG -> {
        vertx.cancelTimer(pongTimer);
        pongTimer = -1;
        schedulePing();
      }
      case EnginePacket.CLOSE -> close("transport close");
      // v4 clients never ping; open, upgrade (outside a probe) and noop are not theirs to send
      default -> throw new EngineProtocolException("unexpected packet type " + packet.type());
    }
  }

  // ---- heartbeat ----

  private void schedulePing() {
    vertx.cancelTimer(pingTimer);
    pingTimer = vertx.setTimer(options.pingInterval().toMillis(), t -> {
      pingTimer = -1;
      send(EnginePacket.PING_PACKET);
      pongTimer = vertx.setTimer(options.pingTimeout().toMillis(), p -> close("ping timeout"));
    });
  }

  // ---- closing ----

  /** Closes the session (idempotent); the listener hears the reason once. */
  public void close(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    vertx.cancelTimer(pingTimer);
    vertx.cancelTimer(pongTimer);
    vertx.cancelTimer(probeTimer);
    if (pendingGet != null) {
      // a client that asked to close learns it by a noop; a session ended here, by a close packet
      respondToGet(reason.equals("transport close") ? EnginePacket.NOOP_PACKET.pollingText() : EnginePacket.CLOSE_PACKET.pollingText());
    }
    if (webSocket != null) {
      webSocket.close();
    }
    if (probe != null) {
      probe.close();
    }
    buffered.clear();
    bufferedBytes = 0;
    onClosed.run();
    if (listener != null) {
      listener.onClose(this, reason);
    }
  }

  private void flushToPendingGet() {
    if (pendingGet == null || buffered.isEmpty()) {
      return;
    }
    StringBuilder payload = new StringBuilder();
    for (EnginePacket packet : buffered) {
      if (payload.length() > 0) {
        payload.append('\u001e');
      }
      payload.append(packet.pollingText());
    }
    buffered.clear();
    bufferedBytes = 0;
    respondToGet(payload.toString());
  }

  private void respondToGet(String payload) {
    HttpServerRequest request = pendingGet;
    pendingGet = null;
    EngineServer.respond(request, options, 200, "text/plain; charset=UTF-8", payload);
  }
}
