package dev.switchboard.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A deliberately minimal fan-out server used to find the generator's own ceiling: websocket
 * transport only, the five namespaces with token auth, server pings, {@code POST /emit} that
 * encodes each emit once and writes it to every socket of the namespace. It is not a Socket.IO
 * server for real clients (no polling, no rooms, no acks); it exists so that {@code fanout.sh
 * --servers calib} shows how many deliveries per second the generator can absorb on its core when
 * the server is cheap.
 *
 * <p>Environment: {@code PORT} (3917), {@code HOST} (127.0.0.1), {@code ADMIN_TOKEN}, {@code
 * EMIT_TOKEN}.
 */
public final class CalibrationServer {

  private static final List<String> NAMESPACES =
      List.of("/services", "/deployments", "/system", "/mcp", "/files");

  private final String adminToken;
  private final String emitToken;
  private final Map<String, Set<ServerWebSocket>> members = new HashMap<>();

  CalibrationServer(String adminToken, String emitToken) {
    this.adminToken = adminToken;
    this.emitToken = emitToken;
    for (String n : NAMESPACES) {
      members.put(n, new LinkedHashSet<>());
    }
  }

  public static void main(String[] args) {
    String admin = System.getenv("ADMIN_TOKEN");
    String emit = System.getenv("EMIT_TOKEN");
    if (admin == null || emit == null) {
      System.err.println("CalibrationServer: ADMIN_TOKEN and EMIT_TOKEN must be set");
      System.exit(64);
    }
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "3917"));
    String host = System.getenv().getOrDefault("HOST", "127.0.0.1");
    Vertx vertx =
        Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
    CalibrationServer server = new CalibrationServer(admin, emit);
    vertx
        .createHttpServer(
            new HttpServerOptions().setTcpNoDelay(true).setMaxWebSocketFrameSize(1 << 20))
        .webSocketHandler(server::onWebSocket)
        .requestHandler(server::onRequest)
        .listen(port, host)
        .onSuccess(
            s ->
                System.out.println(
                    "calibration server on http://"
                        + host
                        + ":"
                        + s.actualPort()
                        + "/socket.io/ (pid "
                        + ProcessHandle.current().pid()
                        + ")"))
        .onFailure(
            err -> {
              System.err.println("CalibrationServer: " + err.getMessage());
              System.exit(1);
            });
    vertx.setPeriodic(25_000, id -> server.pingAll());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close()));
  }

  private void pingAll() {
    Set<ServerWebSocket> all = new LinkedHashSet<>();
    members.values().forEach(all::addAll);
    for (ServerWebSocket ws : all) {
      ws.writeFinalTextFrame("2");
    }
  }

  private void onWebSocket(ServerWebSocket ws) {
    if (!ws.path().equals("/socket.io/") || ws.query() == null || !ws.query().contains("EIO=4")) {
      ws.close((short) 1008);
      return;
    }
    ws.writeFinalTextFrame(
        "0"
            + new JsonObject()
                .put("sid", UUID.randomUUID().toString())
                .put("upgrades", new JsonArray())
                .put("pingInterval", 25000)
                .put("pingTimeout", 20000)
                .put("maxPayload", 1000000)
                .encode());
    ws.textMessageHandler(
        text -> {
          if (text.startsWith("40")) {
            SioFrames.Packet p;
            try {
              p = SioFrames.parse(text);
            } catch (SioFrames.ProtocolException e) {
              ws.close();
              return;
            }
            String prefix = SioFrames.namespacePrefix(p.namespace());
            Set<ServerWebSocket> set = members.get(p.namespace());
            if (set == null) {
              ws.writeFinalTextFrame("44" + prefix + "{\"message\":\"Invalid namespace\"}");
              return;
            }
            String token = null;
            try {
              token = p.payload() == null ? null : new JsonObject(p.payload()).getString("token");
            } catch (RuntimeException e) {
              // refused below
            }
            if (!adminToken.equals(token)) {
              ws.writeFinalTextFrame(
                  "44"
                      + prefix
                      + "{\"message\":\"unauthorized\",\"data\":{\"code\":\"unauthorized\"}}");
              return;
            }
            set.add(ws);
            ws.writeFinalTextFrame("40" + prefix + "{\"sid\":\"" + UUID.randomUUID() + "\"}");
          } else if (text.startsWith("41")) {
            try {
              Set<ServerWebSocket> set = members.get(SioFrames.parse(text).namespace());
              if (set != null) {
                set.remove(ws);
              }
            } catch (SioFrames.ProtocolException e) {
              ws.close();
            }
          }
          // "3" (pong) and client events: nothing to do here
        });
    ws.closeHandler(v -> members.values().forEach(s -> s.remove(ws)));
  }

  private void onRequest(HttpServerRequest req) {
    if (!req.path().equals("/emit")) {
      if (req.path().startsWith("/socket.io/")) {
        // readiness probes poll this; polling sessions are not supported, an open packet is enough
        req.response()
            .putHeader("Content-Type", "text/plain")
            .end(
                "0{\"sid\":\"probe\",\"upgrades\":[\"websocket\"],"
                    + "\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}");
        return;
      }
      req.response().setStatusCode(404).end();
      return;
    }
    if (!("Bearer " + emitToken).equals(req.getHeader("Authorization"))) {
      req.response().setStatusCode(401).end();
      return;
    }
    req.body()
        .onSuccess(
            body -> {
              List<Object> items = new ArrayList<>();
              try {
                String text = body.toString().trim();
                if (text.startsWith("[")) {
                  new JsonArray(text).forEach(items::add);
                } else {
                  items.add(new JsonObject(text));
                }
              } catch (RuntimeException e) {
                req.response().setStatusCode(400).end("{\"field\":\"body\"}");
                return;
              }
              for (Object o : items) {
                if (!(o instanceof JsonObject item)
                    || !members.containsKey(item.getString("namespace"))) {
                  req.response().setStatusCode(400).end("{\"field\":\"namespace\"}");
                  return;
                }
                if (!(item.getValue("event") instanceof String)) {
                  req.response().setStatusCode(400).end("{\"field\":\"event\"}");
                  return;
                }
              }
              for (Object o : items) {
                JsonObject item = (JsonObject) o;
                // encoded once per emit, written to every socket of the namespace
                String frame =
                    "42"
                        + SioFrames.namespacePrefix(item.getString("namespace"))
                        + new JsonArray()
                            .add(item.getString("event"))
                            .add(item.getValue("data"))
                            .encode();
                for (ServerWebSocket ws : members.get(item.getString("namespace"))) {
                  ws.writeFinalTextFrame(frame);
                }
              }
              req.response()
                  .setStatusCode(202)
                  .putHeader("Content-Type", "application/json")
                  .end(Buffer.buffer("{\"accepted\":" + items.size() + "}"));
            });
  }
}
