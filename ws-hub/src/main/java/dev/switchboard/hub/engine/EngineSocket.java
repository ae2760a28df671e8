package dev.switchboard.hub.engine;

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
public final class EngineSocket implements HubWebSocket.Listener {

  /** What the session hands up: each message (a String or a Buffer) and, once, why it closed. */
  public interface Listener {
    void onMessage(EngineSocket socket, Object data);

    void onClose(EngineSocket socket, String reason);
  }

  // Idle sessions are the many, so a session keeps little: what it shares (options, writer,
  // heartbeat) comes from its server, the handshake stays in its compact text form until asked for,
  // the polling queue exists only while polling, and the session hears its websockets itself.
  private final String id;
  private final EngineServer server;
  private final String handshakeQuery;
  private String handshakeHeaders;
  private Listener listener;

  private HubWebSocket webSocket;
  private HubWebSocket probe;
  private long probeTimer = -1;
  private HttpServerRequest pendingGet;
  private ArrayDeque<EnginePacket> buffered;
  private long bufferedBytes;
  private boolean upgrading;
  private boolean closed;

  /** The client's IP address, as the request that opened the session came from it. */
  String remoteAddress;

  /**
   * The remote address while the session is pending, until it is {@linkplain #established() taken
   * up}; then null.
   */
  String pendingFrom;

  // the heartbeat's links and deadline (see Heartbeat)
  Heartbeat.Queue heartbeatQueue;
  EngineSocket heartbeatPrev;
  EngineSocket heartbeatNext;
  long heartbeatDue;

  /**
   * @param handshakeQuery the raw query string of the request that opened the session
   * @param handshakeHeaders its headers in the form of {@link Handshakes#encodeHeaders}
   */
  EngineSocket(String id, EngineServer server, String handshakeQuery, String handshakeHeaders) {
    this.id = id;
    this.server = server;
    this.handshakeQuery = handshakeQuery;
    this.handshakeHeaders = handshakeHeaders;
  }

  public String id() {
    return id;
  }

  /** The query parameters of the request that opened the session (decoded anew at each call). */
  public Map<String, String> handshakeQuery() {
    return Handshakes.decodeQuery(handshakeQuery);
  }

  /** The client's IP address (of the request that opened the session); null when unknown. */
  public String remoteAddress() {
    return remoteAddress;
  }

  /**
   * The headers (lower-case names) of the request that opened the session (decoded anew at each
   * call), until {@link #forgetHandshakeHeaders}.
   */
  public Map<String, String> handshakeHeaders() {
    return Handshakes.decodeHeaders(handshakeHeaders);
  }

  /**
   * The session's owner needs the headers no more: {@link #handshakeHeaders()} is empty from now
   * on. Idle sessions are the many, and a browser's headers take half a kilobyte and more.
   */
  public void forgetHandshakeHeaders() {
    handshakeHeaders = "";
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
      if (webSocket.backlog() > server.options().maxBufferedBytes()) {
        // the backlog counts what this turn wrote but has not flushed yet: flush, then judge
        webSocket.flush();
        if (webSocket.backlog() > server.options().maxBufferedBytes()) {
          close("slow consumer");
          return;
        }
      }
      server.writer().write(webSocket, packet);
      return;
    }
    if (buffered == null) {
      buffered = new ArrayDeque<>();
    }
    buffered.add(packet);
    bufferedBytes += packet.size();
    if (bufferedBytes > server.options().maxBufferedBytes()) {
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
    return bufferedBytes < server.options().maxBufferedBytes() / 4;
  }

  // ---- the transports ----

  void open(JsonObject handshake) {
    send(EnginePacket.of(EnginePacket.OPEN, handshake.encode()));
    server.heartbeat().schedulePing(this);
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
      EngineServer.badRequest(request, server.options(), 3, "Bad request");
      close("transport error");
      return;
    }
    pendingGet = request;
    request
        .response()
        .closeHandler(
            v -> {
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
    ws.listener(this);
  }

  /** A websocket that carries this polling session's sid: the upgrade probe. */
  void attachProbe(HubWebSocket ws) {
    probe = ws;
    ws.listener(this);
    probeTimer =
        server
            .vertx()
            .setTimer(
                server.options().upgradeTimeout().toMillis(),
                t -> {
                  probeTimer = -1;
                  ws.close();
                });
  }

  // The events of this session's websockets, the upgrade probe's and then the session's own, come
  // to the session itself (HubWebSocket.Listener, package-private), not to a listener object of its
  // own: idle sessions are the many.

  /** A websocket's text message (for the websocket code of this package only). */
  @Override
  public void onText(HubWebSocket ws, String text) {
    if (ws == probe) {
      onProbeText(ws, text);
    } else {
      onWebSocketText(ws, text);
    }
  }

  /** A websocket's binary message (for the websocket code of this package only). */
  @Override
  public void onBinary(HubWebSocket ws, Buffer data) {
    if (ws == probe) {
      ws.close();
    } else {
      onWebSocketBinary(ws, data);
    }
  }

  /** A websocket ended (for the websocket code of this package only). */
  @Override
  public void onClose(HubWebSocket ws) {
    if (ws == probe) {
      abandonProbe(ws);
    } else if (ws == webSocket) {
      close("transport close");
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
      server.writer().write(ws, EnginePacket.of(EnginePacket.PONG, "probe"));
      ws.flush();
      if (pendingGet != null) {
        respondToGet(EnginePacket.NOOP_PACKET.pollingText());
      }
    } else if (text.equals("5") && upgrading) {
      server.vertx().cancelTimer(probeTimer);
      probe = null;
      upgrading = false;
      if (pendingGet != null) {
        respondToGet(EnginePacket.NOOP_PACKET.pollingText());
      }
      attachWebSocket(ws);
      while (buffered != null && !buffered.isEmpty() && !closed) {
        server.writer().write(ws, buffered.poll());
      }
      buffered = null;
      bufferedBytes = 0;
    } else {
      ws.close();
    }
  }

  private void abandonProbe(HubWebSocket ws) {
    if (probe == ws) {
      probe = null;
      upgrading = false;
      server.vertx().cancelTimer(probeTimer);
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
      case EnginePacket.MESSAGE ->
          listener.onMessage(this, packet.isBinary() ? packet.binaryData() : packet.text());
      case EnginePacket.PONG -> {
        server.heartbeat().schedulePing(this);
      }
      case EnginePacket.CLOSE -> close("transport close");
      // v4 clients never ping; open, upgrade (outside a probe) and noop are not theirs to send
      default -> throw new EngineProtocolException("unexpected packet type " + packet.type());
    }
  }

  // ---- heartbeat ----

  /** The heartbeat says it is time for a ping; the pong is awaited there too. */
  void sendPing() {
    send(EnginePacket.PING_PACKET);
  }

  // ---- established ----

  /**
   * The session's owner took it up (Socket.IO: the client joined a namespace): it no longer counts
   * against {@link EngineOptions#maxPendingSessions}. Idempotent.
   */
  public void established() {
    server.established(this);
  }

  // ---- closing ----

  /** Closes the session (idempotent); the listener hears the reason once. */
  public void close(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    server.heartbeat().remove(this);
    server.vertx().cancelTimer(probeTimer);
    if (pendingGet != null) {
      // a client that asked to close learns it by a noop; a session ended here, by a close packet
      respondToGet(
          reason.equals("transport close")
              ? EnginePacket.NOOP_PACKET.pollingText()
              : EnginePacket.CLOSE_PACKET.pollingText());
    }
    if (webSocket != null) {
      webSocket.close();
    }
    if (probe != null) {
      probe.close();
    }
    buffered = null;
    bufferedBytes = 0;
    server.forget(this);
    if (listener != null) {
      listener.onClose(this, reason);
    }
  }

  private void flushToPendingGet() {
    if (pendingGet == null || buffered == null || buffered.isEmpty()) {
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
    EngineServer.respond(request, server.options(), 200, "text/plain; charset=UTF-8", payload);
  }
}
