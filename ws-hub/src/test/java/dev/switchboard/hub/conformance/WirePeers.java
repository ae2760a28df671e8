package dev.switchboard.hub.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Raw Engine.IO peers for the conformance tests: HTTP long-polling requests and a websocket that
 * records every frame, both speaking the wire format by hand (no Socket.IO client library), so the
 * tests see exactly what the server sends.
 */
final class WirePeers {

  /** How long any single wait may take before a test fails; generous, never a timing assertion. */
  static final Duration WAIT = Duration.ofSeconds(5);

  private final Context context;
  private final HttpClient http;
  private final WebSocketClient webSockets;
  private final int port;

  WirePeers(Vertx vertx, int port) {
    // every HTTP exchange runs on this one event loop, the one its connections belong to: a
    // response body read from another thread can lose its end (eclipse-vertx/vert.x#6038)
    this.context = vertx.getOrCreateContext();
    this.http = vertx.createHttpClient();
    this.webSockets = vertx.createWebSocketClient();
    this.port = port;
  }

  int port() {
    return port;
  }

  /** The status and body of a polling request. */
  record Reply(int status, String body) {}

  // ---- HTTP long-polling ----

  /**
   * {@code <path>?<query>}, the query written out as a test wants it (missing and odd parameters
   * too).
   */
  static String uri(String path, String query) {
    return path + (query.isEmpty() ? "" : "?" + query);
  }

  static String polling(String sid) {
    return "EIO=4&transport=polling" + (sid == null ? "" : "&sid=" + sid);
  }

  Future<Reply> send(HttpMethod method, String uri, Buffer body, Map<String, String> headers) {
    RequestOptions options =
        new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
    headers.forEach(options::addHeader);
    return onContext(
        () ->
            http.request(options)
                .compose(request -> body == null ? request.send() : request.send(body))
                .compose(
                    response ->
                        response.body().map(b -> new Reply(response.statusCode(), b.toString()))));
  }

  /** One response header of a GET sent with {@code headers}. */
  String header(String uri, Map<String, String> headers, String name) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI(uri);
    headers.forEach(options::addHeader);
    return await(
        onContext(
            () ->
                http.request(options)
                    .compose(HttpClientRequest::send)
                    .compose(response -> response.body().map(body -> response.getHeader(name)))));
  }

  Reply get(String uri) {
    return await(send(HttpMethod.GET, uri, null, Map.of()), "GET " + uri);
  }

  Reply post(String uri, String body) {
    return await(send(HttpMethod.POST, uri, Buffer.buffer(body), Map.of()), "POST " + uri);
  }

  Reply request(HttpMethod method, String uri) {
    return await(send(method, uri, null, Map.of()), method + " " + uri);
  }

  /** A polling GET left waiting for the server's packets. */
  Future<Reply> pendingGet(String path, String sid) {
    return send(HttpMethod.GET, uri(path, polling(sid)), null, Map.of());
  }

  /** A polling GET that is sent, then abandoned (its connection closed) before any answer. */
  void abandonedGet(String path, String sid) {
    HttpClientRequest request =
        await(
            onContext(
                () ->
                    http.request(
                        new RequestOptions()
                            .setMethod(HttpMethod.GET)
                            .setHost("127.0.0.1")
                            .setPort(port)
                            .setURI(uri(path, polling(sid))))));
    await(onContext(request::end));
    pause(50);
    await(onContext(() -> request.connection().close()));
  }

  private <T> Future<T> onContext(Supplier<Future<T>> exchange) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> exchange.get().onComplete(promise));
    return promise.future();
  }

  /** Opens a polling session and answers its handshake packet's payload. */
  JsonObject pollingHandshake(String path) {
    Reply reply = get(uri(path, polling(null)));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).startsWith("0");
    return new JsonObject(reply.body().substring(1));
  }

  String openPolling(String path) {
    return pollingHandshake(path).getString("sid");
  }

  // ---- websockets ----

  /**
   * A websocket on {@code path?query}; fails with the HTTP status when the handshake is refused.
   */
  Peer webSocket(String path, String query) {
    Peer peer = new Peer(webSockets.webSocket());
    await(
        peer.ws.connect(
            new WebSocketConnectOptions()
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI(uri(path, query))));
    return peer;
  }

  static String websocket(String sid) {
    return "EIO=4&transport=websocket" + (sid == null ? "" : "&sid=" + sid);
  }

  /** Opens a websocket session and reads its handshake packet. */
  Peer openWebSocket(String path) {
    Peer peer = webSocket(path, websocket(null));
    assertThat(peer.text()).startsWith("0{");
    return peer;
  }

  /**
   * One websocket's view of the wire: every text frame as a String, every binary frame as a Buffer,
   * in arrival order; the handlers are set before connecting, since the server speaks first.
   */
  static final class Peer implements AutoCloseable {

    private static final Object CLOSED = new Object();

    final ClientWebSocket ws;
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private int pingsAnswered;

    private Peer(ClientWebSocket ws) {
      this.ws = ws;
      ws.textMessageHandler(inbox::add);
      ws.binaryMessageHandler(inbox::add);
      ws.closeHandler(
          v -> {
            closed.complete(null);
            inbox.add(CLOSED);
          });
      ws.exceptionHandler(err -> {});
    }

    /** The next frame, whatever it is (a ping included). */
    Object next() {
      try {
        Object frame = inbox.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(frame).as("a frame within %s", WAIT).isNotNull();
        assertThat(frame).as("a frame, not the end of the connection").isNotSameAs(CLOSED);
        return frame;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    String text() {
      Object frame = next();
      assertThat(frame).as("a text frame").isInstanceOf(String.class);
      return (String) frame;
    }

    /**
     * The next frame other than a server ping; pings met on the way are answered, as a client does.
     */
    Object nextPacket() {
      while (true) {
        Object frame = next();
        if (!"2".equals(frame)) {
          return frame;
        }
        send("3");
        pingsAnswered++;
      }
    }

    String textPacket() {
      Object frame = nextPacket();
      assertThat(frame).as("a text frame").isInstanceOf(String.class);
      return (String) frame;
    }

    Buffer binaryPacket() {
      Object frame = nextPacket();
      assertThat(frame).as("a binary frame").isInstanceOf(Buffer.class);
      return (Buffer) frame;
    }

    int pingsAnswered() {
      return pingsAnswered;
    }

    void send(String text) {
      ws.writeTextMessage(text);
    }

    void send(byte... bytes) {
      ws.writeBinaryMessage(Buffer.buffer(bytes));
    }

    /**
     * Waits until the server ends the connection, answering pings meanwhile; fails if any other
     * frame comes first.
     */
    void awaitClose() {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!closed.isDone()) {
        try {
          Object frame =
              inbox.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          assertThat(frame).as("the connection closed within %s", WAIT).isNotNull();
          if ("2".equals(frame)) {
            send("3");
            pingsAnswered++;
          } else {
            assertThat(frame).as("no frame before the close").isSameAs(CLOSED);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }

    /** Waits until the server ends the connection without answering anything, pings included. */
    void awaitCloseUnanswered() {
      try {
        closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        throw new AssertionError("the connection did not close within " + WAIT, e);
      }
    }

    boolean isClosed() {
      return closed.isDone();
    }

    @Override
    public void close() {
      if (!closed.isDone()) {
        ws.close();
      }
    }
  }

  // ---- helpers ----

  static <T> T await(Future<T> future) {
    return await(future, "an answer");
  }

  static <T> T await(Future<T> future, String what) {
    try {
      return future.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no answer to " + what + " within " + WAIT, e);
    }
  }

  /**
   * Lets a request reach the server before the next one is sent on another connection. Only orders
   * requests; no assertion depends on how long it lasts.
   */
  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
