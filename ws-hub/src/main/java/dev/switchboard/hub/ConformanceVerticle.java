package dev.switchboard.hub;

import dev.switchboard.hub.engine.EngineOptions;
import dev.switchboard.hub.engine.EnginePacket;
import dev.switchboard.hub.engine.EngineServer;
import dev.switchboard.hub.engine.EngineSocket;
import dev.switchboard.hub.socket.Namespace;
import dev.switchboard.hub.socket.SocketMetrics;
import dev.switchboard.hub.socket.SocketOptions;
import dev.switchboard.hub.socket.SocketServer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.List;

/**
 * The server the official socket.io-protocol and engine.io-protocol test suites expect on
 * 127.0.0.1: {@code /socket.io/} with their reference behaviour (namespace {@code /} emits {@code
 * auth} with the handshake's auth, echoes {@code message} as {@code message-back} and acks {@code
 * message-with-ack}; {@code /custom} emits {@code auth}), and {@code /engine.io/} as a raw
 * Engine.IO echo server. Heartbeat 300/200 ms, connect timeout 1 s, CORS open. Config: {@code
 * port}.
 */
public final class ConformanceVerticle extends VerticleBase {

  private HttpServer server;

  @Override
  public Future<?> start() {
    EngineOptions engine =
        EngineOptions.defaults("/socket.io/")
            .withHeartbeat(Duration.ofMillis(300), Duration.ofMillis(200))
            .withMaxPayload(1_000_000)
            .withCorsOrigins(List.of("*"));
    SocketServer sockets =
        new SocketServer(
            vertx,
            SocketOptions.defaults(engine)
                .withConnectTimeout(Duration.ofSeconds(1))
                .withRecovery(false, Duration.ZERO),
            SocketMetrics.NONE);
    Namespace main = sockets.of("/");
    main.onConnection(
        socket -> {
          socket.emit("auth", socket.handshake().auth());
          socket.on("message", (s, args, ack) -> s.emit("message-back", args.getList().toArray()));
          socket.on(
              "message-with-ack",
              (s, args, ack) -> {
                if (ack != null) {
                  ack.send(args.getList().toArray());
                }
              });
        });
    sockets.of("/custom").onConnection(socket -> socket.emit("auth", socket.handshake().auth()));
    EngineServer echo =
        new EngineServer(
            vertx,
            new EngineOptions(
                "/engine.io/",
                engine.pingInterval(),
                engine.pingTimeout(),
                engine.upgradeTimeout(),
                engine.maxPayload(),
                engine.maxBufferedBytes(),
                engine.corsOrigins(),
                engine.maxPendingSessions()),
            this::echo);

    server =
        vertx
            .createHttpServer(EngineServer.httpServerOptions(engine))
            .webSocketHandshakeHandler(
                handshake ->
                    (echo.owns(handshake.path()) ? echo : sockets.engine()).handshake(handshake))
            .webSocketHandler(ws -> (echo.owns(ws.path()) ? echo : sockets.engine()).webSocket(ws))
            .requestHandler(
                request -> {
                  if (sockets.engine().owns(request.path())) {
                    sockets.engine().handle(request);
                  } else if (echo.owns(request.path())) {
                    echo.handle(request);
                  } else {
                    request.response().setStatusCode(404).end();
                  }
                });
    return server.listen(config().getInteger("port", 3000), "127.0.0.1");
  }

  private void echo(EngineSocket socket) {
    socket.listener(
        new EngineSocket.Listener() {
          @Override
          public void onMessage(EngineSocket s, Object data) {
            s.send(
                data instanceof Buffer binary
                    ? EnginePacket.binary(binary)
                    : EnginePacket.message((String) data));
          }

          @Override
          public void onClose(EngineSocket s, String reason) {}
        });
  }

  public int actualPort() {
    return server.actualPort();
  }
}
