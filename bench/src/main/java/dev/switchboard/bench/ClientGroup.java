package dev.switchboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The socket clients of one event loop. Each speaks Engine.IO 4 / Socket.IO 5 over a plain
 * websocket: open packet, CONNECT with the token, ping/pong, events. Everything here runs on this
 * verticle's event loop, so the per-client state is plain fields.
 */
final class ClientGroup extends VerticleBase {

  private static final byte AWAIT_OPEN = 0;
  private static final byte AWAIT_CONNECT = 1;
  private static final byte CONNECTED = 2;
  private static final byte CLOSED = 3;

  private final BenchConfig cfg;
  private final Receipts receipts;
  private final byte[] eventPrefix;
  private final String connectFrame;
  private final BenchPayload.Fields fields = new BenchPayload.Fields();
  private final List<Client> clients = new ArrayList<>();
  private WebSocketClient wsClient;
  private WebSocketConnectOptions connectOptions;
  private boolean closing;

  // connect phase, touched only on this event loop
  private final Histogram handshakeUs = LatencySummary.newHistogram();
  private final Map<String, Integer> failures = new TreeMap<>();
  private int connected;
  private int failed;
  private int settledCount;
  private int inflight;
  private int target;
  private Promise<ConnectResult> connectPromise;
  private JsonObject openPacket;

  ClientGroup(BenchConfig cfg, Receipts receipts, int share) {
    this.cfg = cfg;
    this.receipts = receipts;
    this.eventPrefix =
        SioFrames.eventPrefix(cfg.namespace, cfg.event).getBytes(StandardCharsets.UTF_8);
    this.connectFrame = SioFrames.connectFrame(cfg.namespace, cfg.token);
    this.target = share;
  }

  /** Outcome of one group's connect phase. */
  record ConnectResult(
      int connected,
      int failed,
      Map<String, Integer> failures,
      Histogram handshakeUs,
      JsonObject openPacket) {}

  @Override
  public Future<?> start() {
    wsClient =
        vertx.createWebSocketClient(
            new WebSocketClientOptions()
                .setMaxConnections(Math.max(target, 1) + 16)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, cfg.handshakeTimeoutMs))
                .setMaxFrameSize(1 << 20)
                .setMaxMessageSize(4 << 20)
                .setTcpNoDelay(true)
                .setClosingTimeout(1));
    connectOptions =
        new WebSocketConnectOptions()
            .setHost(cfg.host())
            .setPort(cfg.port())
            .setURI(SioFrames.websocketUri(cfg.path))
            .setTimeout(cfg.handshakeTimeoutMs);
    return Future.succeededFuture();
  }

  /**
   * Opens this group's share of clients at {@code rate} per second (0: as fast as they complete)
   * with at most {@code maxInflight} handshakes at once.
   */
  Future<ConnectResult> connectAll(double rate, int maxInflight) {
    Promise<ConnectResult> promise = Promise.promise();
    context.runOnContext(
        v -> {
          connectPromise = promise;
          if (target == 0) {
            finishConnect();
            return;
          }
          long t0 = System.nanoTime();
          int[] started = {0};
          Handler<Long> pump =
              id -> {
                long allowed =
                    rate == 0
                        ? target
                        : Math.min(target, (long) ((System.nanoTime() - t0) / 1e9 * rate) + 1);
                while (started[0] < allowed && inflight < maxInflight) {
                  started[0]++;
                  inflight++;
                  openOne();
                }
                if (started[0] >= target) {
                  vertx.cancelTimer(id);
                }
              };
          long timer = vertx.setPeriodic(5, pump);
          pump.handle(timer);
        });
    return promise.future();
  }

  private void openOne() {
    Client c = new Client();
    c.startNanos = System.nanoTime();
    clients.add(c);
    c.timer =
        vertx.setTimer(
            cfg.handshakeTimeoutMs,
            id -> {
              c.timer = -1;
              if (c.state < CONNECTED) {
                c.settle(false, "handshake timeout");
                if (c.ws != null) {
                  c.ws.close();
                }
              }
            });
    wsClient
        .connect(connectOptions)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                c.settle(false, "websocket: " + simpleMessage(ar.cause()));
                return;
              }
              WebSocket ws = ar.result();
              if (c.state == CLOSED) {
                ws.close();
                return;
              }
              c.ws = ws;
              ws.frameHandler(c);
              ws.closeHandler(x -> c.onClose());
              ws.exceptionHandler(err -> receipts.protocolErrors.increment());
            });
  }

  private void finishConnect() {
    if (connectPromise != null) {
      Promise<ConnectResult> p = connectPromise;
      connectPromise = null;
      p.complete(
          new ConnectResult(
              connected, failed, new TreeMap<>(failures), handshakeUs.copy(), openPacket));
    }
  }

  /** Closes every client; resolves when the close frames are written. */
  Future<Void> closeAll() {
    Promise<Void> promise = Promise.promise();
    context.runOnContext(
        v -> {
          closing = true;
          List<Future<Void>> closes = new ArrayList<>();
          for (Client c : clients) {
            if (c.ws != null && !c.ws.isClosed()) {
              closes.add(c.ws.close().recover(err -> Future.succeededFuture()));
            }
          }
          Future.join(closes).onComplete(ar -> promise.complete());
        });
    return promise.future();
  }

  /** Clients currently connected to the namespace (read on this loop). */
  Future<Integer> connectedNow() {
    Promise<Integer> promise = Promise.promise();
    context.runOnContext(
        v -> {
          int n = 0;
          for (Client c : clients) {
            if (c.state == CONNECTED) {
              n++;
            }
          }
          promise.complete(n);
        });
    return promise.future();
  }

  /**
   * The hot path: {@code 42/mcp,["bench",{...}]} with the exact prefix. False when the frame is
   * something else.
   */
  private boolean fastEvent(Buffer b) {
    int n = b.length();
    byte[] prefix = eventPrefix;
    if (n <= prefix.length) {
      return false;
    }
    byte[] bytes = b.getBytes(); // one small copy beats a bounds-checked getByte per character
    if (!Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length)) {
      return false;
    }
    int end = BenchPayload.parse(bytes, prefix.length, n, fields);
    if (end < 0 || !fields.complete()) {
      return false;
    }
    receipts.record(fields.t, fields.k, System.nanoTime());
    return true;
  }

  private static String simpleMessage(Throwable t) {
    String m = t.getMessage();
    if (m == null) {
      return t.getClass().getSimpleName();
    }
    // connection errors carry the address; keep the reason short and groupable
    int colon = m.indexOf(": ");
    return colon > 0 && m.startsWith("Connection refused")
        ? "Connection refused"
        : m.length() > 120 ? m.substring(0, 120) : m;
  }

  /** One socket client. Kept small: ten thousand of them share an event loop. */
  private final class Client implements Handler<WebSocketFrame> {
    WebSocket ws;
    byte state = AWAIT_OPEN;
    boolean settled;
    long startNanos;
    long timer = -1;
    Buffer partial;

    @Override
    public void handle(WebSocketFrame f) {
      if (f.isText()) {
        if (f.isFinal()) {
          onMessage(f.binaryData());
        } else {
          partial = Buffer.buffer().appendBuffer(f.binaryData());
        }
      } else if (f.isContinuation() && partial != null) {
        partial.appendBuffer(f.binaryData());
        if (f.isFinal()) {
          Buffer b = partial;
          partial = null;
          onMessage(b);
        }
      }
      // binary frames (Socket.IO attachments) are not part of this benchmark; control frames are
      // handled by Vert.x
    }

    private void onMessage(Buffer b) {
      if (b.length() == 0) {
        return;
      }
      byte c0 = b.getByte(0);
      if (c0 == SioFrames.EIO_MESSAGE && state == CONNECTED && fastEvent(b)) {
        return;
      }
      switch (c0) {
        case SioFrames.EIO_PING -> ws.writeFinalTextFrame(SioFrames.PONG);
        case SioFrames.EIO_OPEN -> {
          if (state == AWAIT_OPEN) {
            state = AWAIT_CONNECT;
            if (openPacket == null) {
              try {
                openPacket = new JsonObject(b.getString(1, b.length()));
              } catch (RuntimeException e) {
                receipts.protocolErrors.increment();
              }
            }
            ws.writeFinalTextFrame(connectFrame);
          }
        }
        case SioFrames.EIO_MESSAGE -> slowMessage(b.toString(StandardCharsets.UTF_8));
        case SioFrames.EIO_CLOSE -> ws.close();
        default -> {
          // noop, pong, upgrade: nothing to do
        }
      }
    }

    private void slowMessage(String frame) {
      SioFrames.Packet p;
      try {
        p = SioFrames.parse(frame);
      } catch (SioFrames.ProtocolException e) {
        receipts.protocolErrors.increment();
        return;
      }
      if (!cfg.namespace.equals(p.namespace())) {
        return;
      }
      switch (p.sioType()) {
        case SioFrames.SIO_CONNECT -> {
          if (state == AWAIT_CONNECT) {
            state = CONNECTED;
            settle(true, null);
          }
        }
        case SioFrames.SIO_CONNECT_ERROR -> {
          String reason = "connect_error";
          try {
            JsonObject err = new JsonObject(p.payload());
            reason =
                "connect_error: "
                    + err.getString("message", "?")
                    + (err.containsKey("data") ? " " + err.getValue("data") : "");
          } catch (RuntimeException e) {
            // keep the generic reason
          }
          settle(false, reason);
          ws.close();
        }
        case SioFrames.SIO_DISCONNECT -> {
          if (state == CONNECTED && !closing) {
            receipts.disconnected("server DISCONNECT packet");
          }
          state = CLOSED;
          ws.close();
        }
        case SioFrames.SIO_EVENT -> {
          try {
            JsonArray args = new JsonArray(p.payload());
            if (cfg.event.equals(args.getString(0))
                && args.size() > 1
                && args.getValue(1) instanceof JsonObject data
                && data.getValue("t") instanceof Number t
                && data.getValue("k") instanceof Number k) {
              receipts.record(t.longValue(), k.longValue(), System.nanoTime());
            } else {
              receipts.otherEvents.increment();
            }
          } catch (RuntimeException e) {
            receipts.protocolErrors.increment();
          }
        }
        default -> receipts.otherEvents.increment();
      }
    }

    void onClose() {
      if (state == CONNECTED) {
        if (!closing) {
          Short code = ws.closeStatusCode();
          receipts.disconnected("websocket closed" + (code != null ? " " + code : ""));
        }
      } else if (state < CONNECTED) {
        settle(false, "closed during handshake");
      }
      state = CLOSED;
    }

    void settle(boolean ok, String reason) {
      if (settled) {
        return;
      }
      settled = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      inflight--;
      settledCount++;
      if (ok) {
        connected++;
        handshakeUs.recordValue(Math.max(0, (System.nanoTime() - startNanos) / 1000));
      } else {
        failed++;
        state = CLOSED;
        failures.merge(reason, 1, Integer::sum);
      }
      if (settledCount == target) {
        finishConnect();
      }
    }
  }
}
