package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator end to end against a minimal in-process Socket.IO server (websocket transport only,
 * namespace /mcp, token auth, server pings, POST /emit). Nothing here asserts on timing: the
 * latency bound is set out of reach and the drain ends as soon as everything arrived.
 */
@ExtendWith(VertxExtension.class)
class FanoutBenchTest {

  private static final String TOKEN = "admin-token";
  private static final String EMIT_TOKEN = "emit-token";

  private HttpServer server;
  private final Set<ServerWebSocket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger pongs = new AtomicInteger();
  private final AtomicInteger emits = new AtomicInteger();

  @BeforeEach
  void startFakeServer(Vertx vertx) throws Exception {
    server =
        vertx
            .createHttpServer()
            .webSocketHandler(
                ws -> {
                  if (!ws.path().equals("/socket.io/") || !ws.query().contains("EIO=4")) {
                    ws.close((short) 1008);
                    return;
                  }
                  ws.writeTextMessage(
                      "0{\"sid\":\"s\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,"
                          + "\"maxPayload\":1000000}");
                  ws.textMessageHandler(
                      text -> {
                        if (text.equals("3")) {
                          pongs.incrementAndGet();
                        } else if (text.startsWith("40/mcp,")) {
                          JsonObject auth = new JsonObject(text.substring(7));
                          if (TOKEN.equals(auth.getString("token"))) {
                            ws.writeTextMessage("40/mcp,{\"sid\":\"x\"}");
                            ws.writeTextMessage("42/mcp,[\"connected\",{\"namespace\":\"/mcp\"}]");
                            ws.writeTextMessage("2"); // a server ping, to be answered
                            sockets.add(ws);
                          } else {
                            ws.writeTextMessage(
                                "44/mcp,{\"message\":\"unauthorized\",\"data\":{\"code\":\"unauthorized\"}}");
                          }
                        }
                      });
                  ws.closeHandler(v -> sockets.remove(ws));
                })
            .requestHandler(
                req -> {
                  if (!req.path().equals("/emit")
                      || !("Bearer " + EMIT_TOKEN).equals(req.getHeader("Authorization"))) {
                    req.response().setStatusCode(401).end();
                    return;
                  }
                  req.body()
                      .onSuccess(
                          body -> {
                            String text = body.toString().trim();
                            JsonArray items =
                                text.startsWith("[")
                                    ? new JsonArray(text)
                                    : new JsonArray().add(new JsonObject(text));
                            for (Object o : items) {
                              JsonObject item = (JsonObject) o;
                              Buffer frame =
                                  Buffer.buffer(
                                      "42"
                                          + item.getString("namespace")
                                          + ","
                                          + new JsonArray()
                                              .add(item.getString("event"))
                                              .add(item.getValue("data"))
                                              .encode());
                              emits.incrementAndGet();
                              for (ServerWebSocket ws : sockets) {
                                ws.writeFinalTextFrame(frame.toString());
                              }
                            }
                            req.response()
                                .setStatusCode(202)
                                .end(new JsonObject().put("accepted", items.size()).encode());
                          });
                })
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private BenchConfig config(String token, int clients, String rates, Path json) {
    return BenchConfig.parse(
        new String[] {
          "--url",
          "http://127.0.0.1:" + server.actualPort(),
          "--namespace",
          "/mcp",
          "--token",
          token,
          "--emit-token",
          EMIT_TOKEN,
          "--clients",
          Integer.toString(clients),
          "--rates",
          rates,
          "--step-seconds",
          "1",
          "--drain-seconds",
          "60",
          "--pause-seconds",
          "0",
          "--settle-seconds",
          "0",
          "--idle-seconds",
          "0",
          "--warmup-seconds",
          "0.5",
          "--p99-bound-ms",
          "1000000",
          "--single-broadcast",
          "--broadcasts",
          "2",
          "--broadcast-interval-ms",
          "0",
          "--server-pid",
          Long.toString(ProcessHandle.current().pid()),
          "--label",
          "fake",
          "--json",
          json.toString(),
          "--batch",
          "2",
          "--noise-max-pct",
          "100000",
          "--noisy-retries",
          "0"
        },
        Map.of());
  }

  @Test
  void connectsPublishesAndCountsEveryDelivery(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("out.json");
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    JsonObject r =
        new FanoutBench(
                config(TOKEN, 30, "20,40", json),
                new PrintStream(text, true, StandardCharsets.UTF_8))
            .run();

    assertThat(r.getJsonObject("connect").getInteger("connected")).isEqualTo(30);
    assertThat(r.getJsonObject("connect").getInteger("failed")).isZero();
    assertThat(pongs.get()).isGreaterThanOrEqualTo(30);
    assertThat(r.getJsonObject("warmup").getLong("received"))
        .isEqualTo(r.getJsonObject("warmup").getLong("expected"));

    JsonObject sb = r.getJsonObject("singleBroadcast");
    assertThat(sb.getLong("received")).isEqualTo(60);
    assertThat(sb.getJsonObject("latencyMs").getLong("count")).isEqualTo(60);

    JsonArray steps = r.getJsonArray("steps");
    assertThat(steps).hasSize(2);
    for (int i = 0; i < steps.size(); i++) {
      JsonObject s = steps.getJsonObject(i);
      assertThat(s.getLong("emitsSent")).isEqualTo(s.getLong("emitsAccepted"));
      assertThat(s.getLong("expected")).isEqualTo(s.getLong("emitsSent") * 30);
      assertThat(s.getLong("received")).isEqualTo(s.getLong("expected"));
      assertThat(s.getDouble("deliveredShare")).isEqualTo(1.0);
      assertThat(s.getJsonObject("latencyMs").getLong("count")).isEqualTo(s.getLong("received"));
      assertThat(s.getBoolean("passed")).isTrue();
      assertThat(s.getLong("serverRssKbMax")).isPositive();
    }
    assertThat(steps.getJsonObject(0).getLong("emitsSent")).isEqualTo(20);
    assertThat(steps.getJsonObject(1).getLong("emitsSent")).isEqualTo(40);
    assertThat(r.getJsonObject("result").getDouble("bestRate")).isEqualTo(40.0);
    assertThat(r.getJsonObject("result").getLong("protocolErrors")).isZero();
    // the `connected` events are seen but are not benchmark receipts
    assertThat(r.getJsonObject("result").getLong("otherEvents")).isEqualTo(30);
    assertThat(r.getJsonObject("server").getLong("rssIdleKb")).isPositive();

    JsonObject written = new JsonObject(Files.readString(json));
    assertThat(written.getJsonObject("result").getDouble("bestRate")).isEqualTo(40.0);
    assertThat(text.toString(StandardCharsets.UTF_8)).contains("best passing rate 40");
  }

  @Test
  void aRefusedHandshakeIsReportedWithItsReason(@TempDir Path dir) throws Exception {
    JsonObject r =
        new FanoutBench(
                config("wrong", 5, "10", dir.resolve("out.json")),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
            .run();
    JsonObject connect = r.getJsonObject("connect");
    assertThat(connect.getInteger("connected")).isZero();
    assertThat(connect.getInteger("failed")).isEqualTo(5);
    assertThat(connect.getJsonObject("failures").fieldNames())
        .containsExactly("connect_error: unauthorized {\"code\":\"unauthorized\"}");
    assertThat(r.getString("error")).isEqualTo("no client connected");
  }
}
