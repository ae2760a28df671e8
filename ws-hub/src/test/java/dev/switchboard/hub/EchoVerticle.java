package dev.switchboard.hub;

import dev.switchboard.hub.engine.EngineOptions;
import dev.switchboard.hub.socket.Socket;
import dev.switchboard.hub.socket.SocketMetrics;
import dev.switchboard.hub.socket.SocketOptions;
import dev.switchboard.hub.socket.SocketServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A test server on the hub's own {@link SocketServer}, wired the way {@link HubVerticle} and {@link
 * ConformanceVerticle} wire it, with one namespace {@code /echo}: {@code echo} comes back as {@code
 * echo-back} with all its arguments, {@code echo-ack} is acknowledged with them, and {@code ask}
 * makes the server ask the client {@code question} (a server-to-client ack) and acknowledge with
 * the client's answer. The test gets each connected {@link Socket} and each {@code echo} payload as
 * the server decoded it, and runs code on the server's event loop with {@link #onLoop}.
 */
final class EchoVerticle extends VerticleBase {

  final BlockingQueue<Socket> connections = new LinkedBlockingQueue<>();
  final BlockingQueue<JsonArray> echoed = new LinkedBlockingQueue<>();
  private SocketServer sockets;
  private HttpServer server;

  @Override
  public Future<?> start() {
    EngineOptions engine = EngineOptions.defaults("/socket.io/");
    // no recovery: the echo comes back with exactly the arguments sent, without an offset appended
    sockets =
        new SocketServer(
            vertx,
            SocketOptions.defaults(engine).withRecovery(false, Duration.ZERO),
            SocketMetrics.NONE);
    sockets
        .of("/echo")
        .onConnection(
            socket -> {
              socket.on(
                  "echo",
                  (s, args, ack) -> {
                    echoed.add(args);
                    s.emit("echo-back", args.getList().toArray());
                  });
              socket.on(
                  "echo-ack",
                  (s, args, ack) -> {
                    if (ack != null) {
                      ack.send(args.getList().toArray());
                    }
                  });
              socket.on(
                  "ask",
                  (s, args, ack) ->
                      s.emitWithAck(Duration.ofSeconds(5), "question", args.getList().toArray())
                          .onComplete(
                              answer -> {
                                if (ack != null) {
                                  ack.send(
                                      answer.succeeded()
                                          ? answer.result()
                                          : Socket.error("no_answer", answer.cause().getMessage()));
                                }
                              }));
              connections.add(socket);
            });
    // as HubVerticle sets it up: a websocket message may be as large as maxPayload
    server =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setMaxWebSocketMessageSize(engine.maxPayload())
                    .setMaxWebSocketFrameSize(engine.maxPayload()))
            .webSocketHandshakeHandler(handshake -> sockets.engine().handshake(handshake))
            .webSocketHandler(ws -> sockets.engine().webSocket(ws))
            .requestHandler(
                request -> {
                  if (sockets.engine().owns(request.path())) {
                    sockets.engine().handle(request);
                  } else {
                    request.response().setStatusCode(404).end();
                  }
                });
    return server.listen(0, "127.0.0.1");
  }

  @Override
  public Future<?> stop() {
    sockets.close();
    return server.close();
  }

  int actualPort() {
    return server.actualPort();
  }

  /** The next socket that connected to {@code /echo}. */
  Socket nextConnection() {
    return take(connections, "a connection to /echo");
  }

  JsonArray nextEcho() {
    return take(echoed, "an echo event");
  }

  /**
   * Runs {@code work} on the server's event loop (the SocketServer is single-threaded) and waits
   * for its outcome.
   */
  <T> Future<T> onLoop(Supplier<Future<T>> work) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> work.get().onComplete(promise));
    return promise.future();
  }

  /**
   * Waits up to 10 s for a future completed on another thread; answers it, or throws what failed
   * it.
   */
  static <T> T await(Future<T> future) throws Throwable {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("no outcome within 10 s", e);
    }
  }

  private static <T> T take(BlockingQueue<T> queue, String what) {
    try {
      T item = queue.poll(10, TimeUnit.SECONDS);
      if (item == null) {
        throw new AssertionError("no " + what + " within 10 s");
      }
      return item;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
