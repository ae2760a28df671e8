package dev.switchboard.hub;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A load balancer as nginx's plain round-robin upstream is: every HTTP request and every websocket
 * handshake goes to the next hub in turn, whatever session it belongs to. Websockets are relayed
 * frame by frame; a handshake the hub refuses is refused with the hub's status.
 */
final class RoundRobinProxy implements AutoCloseable {

  private volatile List<Integer> upstreams;
  private final AtomicInteger next = new AtomicInteger();
  final AtomicIntegerArray requests;
  private final HttpClient http;
  private final WebSocketClient webSockets;
  private final HttpServer server;

  RoundRobinProxy(Vertx vertx, List<Integer> upstreams) {
    this.upstreams = upstreams;
    this.requests = new AtomicIntegerArray(upstreams.size());
    this.http = vertx.createHttpClient();
    this.webSockets = vertx.createWebSocketClient();
    this.server =
        vertx
            .createHttpServer()
            .webSocketHandshakeHandler(this::handshake)
            .webSocketHandler(ws -> {})
            .requestHandler(this::request)
            .listen(0, "127.0.0.1")
            .await();
  }

  /** From now on, balances over these hubs (one that stopped is left out, say). */
  void upstreams(List<Integer> ports) {
    this.upstreams = List.copyOf(ports);
  }

  int port() {
    return server.actualPort();
  }

  private int pick() {
    List<Integer> ports = upstreams;
    int index = Math.floorMod(next.getAndIncrement(), ports.size());
    requests.incrementAndGet(Math.min(index, requests.length() - 1));
    return ports.get(index);
  }

  private void request(HttpServerRequest in) {
    in.pause();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(in.headers());
    headers.remove("connection");
    http.request(
            new RequestOptions()
                .setHost("127.0.0.1")
                .setPort(pick())
                .setMethod(in.method())
                .setURI(in.uri())
                .setHeaders(headers))
        .compose(
            out -> {
              in.resume();
              return out.send(in);
            })
        .onSuccess(
            response -> {
              in.response().setStatusCode(response.statusCode());
              in.response().headers().addAll(response.headers());
              in.response().headers().remove("connection");
              response.body().onSuccess(body -> in.response().end(body));
            })
        .onFailure(e -> in.response().setStatusCode(502).end());
  }

  private void handshake(ServerWebSocketHandshake in) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (String name : List.of("origin")) {
      if (in.headers().get(name) != null) {
        headers.add(name, in.headers().get(name));
      }
    }
    Future<io.vertx.core.http.WebSocket> upstream =
        webSockets.connect(
            new WebSocketConnectOptions()
                .setHost("127.0.0.1")
                .setPort(pick())
                .setURI(in.query() == null ? in.path() : in.path() + "?" + in.query())
                .setHeaders(headers));
    upstream.onComplete(
        connected -> {
          if (connected.failed()) {
            in.reject(
                connected.cause() instanceof UpgradeRejectedException e ? e.getStatus() : 502);
            return;
          }
          var out = connected.result();
          in.accept()
              .onSuccess(
                  ws -> {
                    ws.textMessageHandler(out::writeTextMessage);
                    ws.binaryMessageHandler(out::writeBinaryMessage);
                    out.textMessageHandler(ws::writeTextMessage);
                    out.binaryMessageHandler(ws::writeBinaryMessage);
                    ws.closeHandler(v -> out.close());
                    out.closeHandler(v -> ws.close());
                  })
              .onFailure(e -> out.close());
        });
  }

  @Override
  public void close() {
    server.close().await();
  }
}
