package dev.switchboard.app;

import static dev.switchboard.app.LauncherIT.START_TIMEOUT;
import static dev.switchboard.app.LauncherIT.STOP_TIMEOUT;
import static dev.switchboard.app.LauncherIT.assertNoStackTrace;
import static dev.switchboard.app.SwitchboardProcess.dataDir;
import static dev.switchboard.common.testing.FreePorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.testing.Eventually;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hub processes clustered on loopback: an emit sent to one reaches the clients of both, in the
 * room it names and nowhere else.
 */
@EnabledOnOs(OS.LINUX)
class HubClusterIT {

  private static final String ADMIN_TOKEN = "cluster-admin-token-0123456789";
  private static final String EMIT_TOKEN = "cluster-emit-token-0123456789";

  @TempDir Path temp;

  private final Processes processes = new Processes();
  private final Vertx vertx = Vertx.vertx();

  /** Held: Vert.x 5 closes a client that nothing references any more. */
  private final WebSocketClient webSockets = vertx.createWebSocketClient();

  @AfterEach
  void stopEverything() {
    processes.close();
    vertx.close().await();
  }

  /** Two hubs, each on its own port, clustered with each other and ready. */
  private record TwoHubs(
      SwitchboardProcess first, int firstPort, SwitchboardProcess second, int secondPort) {}

  private TwoHubs twoReadyHubs() throws Exception {
    String clusterName = "switchboard-hub-it-" + UUID.randomUUID();
    int clusterPort1 = freePort();
    int clusterPort2 = freePort();
    String members = "127.0.0.1:" + clusterPort1 + ",127.0.0.1:" + clusterPort2;
    int hubPort1 = freePort();
    int hubPort2 = freePort();
    SwitchboardProcess hub1 = hub("hub-1", hubPort1, clusterName, clusterPort1, members);
    SwitchboardProcess hub2 = hub("hub-2", hubPort2, clusterName, clusterPort2, members);
    hub1.awaitStdout("Ready in", START_TIMEOUT);
    hub2.awaitStdout("Ready in", START_TIMEOUT);
    return new TwoHubs(hub1, hubPort1, hub2, hubPort2);
  }

  @Test
  @Timeout(180)
  void anEmitToOneHubReachesTheClientsOfBoth() throws Exception {
    TwoHubs hubs = twoReadyHubs();
    SwitchboardProcess hub1 = hubs.first();
    SwitchboardProcess hub2 = hubs.second();
    int hubPort1 = hubs.firstPort();
    int hubPort2 = hubs.secondPort();

    RawClient onHub1 = new RawClient(hubPort1, "jobs");
    RawClient onHub2 = new RawClient(hubPort2, "jobs");
    RawClient otherRoom = new RawClient(hubPort2, "elsewhere");
    for (RawClient client : List.of(onHub1, onHub2, otherRoom)) {
      client.joined.get(15, TimeUnit.SECONDS);
    }

    // the members may still be finding each other: emit until one crosses, then check both got it
    AtomicInteger seq = new AtomicInteger();
    Eventually.within(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .alias("an emit on hub-1 reached a client of hub-2")
        .until(
            () -> {
              assertThat(emit(hubPort1, seq.incrementAndGet())).isEqualTo(202);
              return !onHub2.seqs.isEmpty();
            });
    int crossed = onHub2.seqs.get(0);
    awaitSeq(onHub1, crossed);
    assertThat(otherRoom.seqs).as("a client in another room").isEmpty();

    assertThat(hub1.terminate(STOP_TIMEOUT)).as(hub1.dump()).isZero();
    assertThat(hub2.terminate(STOP_TIMEOUT)).as(hub2.dump()).isZero();
    assertNoStackTrace(hub1);
    assertNoStackTrace(hub2);
  }

  /**
   * Hubs behind any load balancer: a polling client whose requests alternate between the two hubs
   * keeps its session (each hub relays the other's), and a client of a hub killed with {@code kill
   * -9} comes back on the other hub with its session and the broadcasts it missed.
   */
  @Test
  @Timeout(240)
  void pollingAlternatesBetweenHubsAndAClientOfAKilledHubRecoversOnTheOther() throws Exception {
    TwoHubs hubs = twoReadyHubs();
    SwitchboardProcess hub1 = hubs.first();
    SwitchboardProcess hub2 = hubs.second();
    int hubPort1 = hubs.firstPort();
    int hubPort2 = hubs.secondPort();

    RecoveringClient onHub1 = new RecoveringClient(hubPort1, new JsonObject());
    onHub1.joined.get(15, TimeUnit.SECONDS);
    AtomicInteger seq = new AtomicInteger();
    Eventually.within(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .alias("an emit on hub-2 reached a client of hub-1 (the cluster formed)")
        .until(
            () -> {
              assertThat(emit(hubPort2, seq.incrementAndGet())).isEqualTo(202);
              return !onHub1.seqs.isEmpty();
            });

    // polling, every request to the other hub than the one before
    Polling polling = new Polling();
    String sid = polling.handshake(hubPort1);
    assertThat(
            polling.post(
                hubPort2, sid, "40/mcp," + new JsonObject().put("token", ADMIN_TOKEN).encode()))
        .isEqualTo("ok");
    assertThat(polling.get(hubPort1, sid)).startsWith("40/mcp,{\"sid\":");
    String join =
        "42/mcp,1" + new JsonArray().add("join").add(new JsonObject().put("room", "jobs")).encode();
    assertThat(polling.post(hubPort2, sid, join)).isEqualTo("ok");
    assertThat(polling.get(hubPort1, sid)).contains("43/mcp,1[");
    CompletableFuture<String> held = polling.getAsync(hubPort2, sid);
    int polled = seq.incrementAndGet();
    assertThat(emit(hubPort1, polled)).isEqualTo(202);
    assertThat(held.get(15, TimeUnit.SECONDS)).contains("\"seq\":" + polled);

    // hub-1 dies; what is emitted meanwhile reaches hub-2 only
    int seen = seq.get();
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(onHub1.seqs).contains(seen));
    String pid = onHub1.pid;
    String offset = onHub1.offset;
    String socketId = onHub1.sid;
    hub1.close();
    int missed1 = seq.incrementAndGet();
    int missed2 = seq.incrementAndGet();
    assertThat(emit(hubPort2, missed1)).isEqualTo(202);
    assertThat(emit(hubPort2, missed2)).isEqualTo(202);

    RecoveringClient back =
        new RecoveringClient(hubPort2, new JsonObject().put("pid", pid).put("offset", offset));
    back.connected.get(15, TimeUnit.SECONDS);
    assertThat(back.sid).as("the recovered socket's id").isEqualTo(socketId);
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(back.seqs).containsExactly(missed1, missed2));

    // no assertNoStackTrace(hub2): Vert.x's clustered event bus logs, with its stack trace, each
    // failed connection to the killed member until Hazelcast drops it
    assertThat(hub2.terminate(STOP_TIMEOUT)).as(hub2.dump()).isZero();
    assertThat(hub2.stderrLines())
        .filteredOn(line -> line.contains(" ERROR "))
        .as("errors logged by the hub that stayed")
        .isEmpty();
  }

  /** Engine.IO polling requests, each to the hub the test names. */
  private static final class Polling {

    private final HttpClient http = HttpClient.newHttpClient();

    private static URI uri(int port, String sid) {
      return URI.create(
          "http://127.0.0.1:"
              + port
              + "/socket.io/?EIO=4&transport=polling"
              + (sid == null ? "" : "&sid=" + sid));
    }

    String handshake(int port) throws Exception {
      String open = get(port, null);
      return new JsonObject(open.substring(1)).getString("sid");
    }

    String get(int port, String sid) throws Exception {
      return getAsync(port, sid).get(15, TimeUnit.SECONDS);
    }

    CompletableFuture<String> getAsync(int port, String sid) {
      return http.sendAsync(
              HttpRequest.newBuilder(uri(port, sid)).timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofString())
          .thenApply(
              response -> {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                return response.body();
              });
    }

    String post(int port, String sid, String payload) throws Exception {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri(port, sid))
                  .timeout(Duration.ofSeconds(15))
                  .POST(HttpRequest.BodyPublishers.ofString(payload))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return response.body();
    }
  }

  /**
   * A websocket client of /mcp that joins the room {@code jobs} and keeps what connection-state
   * recovery needs, as socket.io-client does: its pid and the offset of the last event.
   */
  private final class RecoveringClient {

    final CompletableFuture<Void> connected = new CompletableFuture<>();
    final CompletableFuture<Void> joined = new CompletableFuture<>();
    final List<Integer> seqs = new CopyOnWriteArrayList<>();
    volatile String sid;
    volatile String pid;
    volatile String offset;

    RecoveringClient(int port, JsonObject recovery) {
      ClientWebSocket ws = webSockets.webSocket();
      ws.textMessageHandler(
          text -> {
            if (text.startsWith("0{")) {
              ws.writeTextMessage("40/mcp," + recovery.copy().put("token", ADMIN_TOKEN).encode());
            } else if (text.startsWith("40/mcp,")) {
              JsonObject ack = new JsonObject(text.substring("40/mcp,".length()));
              sid = ack.getString("sid");
              pid = ack.getString("pid");
              connected.complete(null);
              if (recovery.isEmpty()) {
                ws.writeTextMessage(
                    "42/mcp,1"
                        + new JsonArray()
                            .add("join")
                            .add(new JsonObject().put("room", "jobs"))
                            .encode());
              }
            } else if (text.startsWith("43/mcp,1")) {
              joined.complete(null);
            } else if (text.equals("2")) {
              ws.writeTextMessage("3");
            } else if (text.startsWith("42/mcp,")) {
              JsonArray event = new JsonArray(text.substring("42/mcp,".length()));
              offset = event.getString(event.size() - 1);
              if (event.getString(0).equals("tick")) {
                seqs.add(event.getJsonObject(1).getInteger("seq"));
              }
            }
          });
      ws.connect(
          new WebSocketConnectOptions()
              .setHost("127.0.0.1")
              .setPort(port)
              .setURI("/socket.io/?EIO=4&transport=websocket"));
    }
  }

  private SwitchboardProcess hub(
      String name, int hubPort, String clusterName, int clusterPort, String members) {
    return processes.start(
        SwitchboardProcess.builder(name)
            .args("--services", "ws-hub", "--cluster")
            .dataDir(dataDir(temp, name))
            .env("HUB_PORT", hubPort)
            .env("ADMIN_TOKEN", ADMIN_TOKEN)
            .env("EMIT_TOKEN", EMIT_TOKEN)
            .env("CLUSTER_NAME", clusterName)
            .env("CLUSTER_PORT", clusterPort)
            .env("CLUSTER_MEMBERS", members));
  }

  private static int emit(int hubPort, int seq) throws Exception {
    String body =
        new JsonObject()
            .put("namespace", "/mcp")
            .put("room", "jobs")
            .put("event", "tick")
            .put("data", new JsonObject().put("seq", seq))
            .encode();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hubPort + "/emit"))
            .header("Authorization", "Bearer " + EMIT_TOKEN)
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return HttpClient.newHttpClient()
        .send(request, HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static void awaitSeq(RawClient client, int seq) {
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(client.seqs)
                    .as("the client of the hub the emit was sent to")
                    .contains(seq));
  }

  /**
   * A websocket client speaking the Engine.IO and Socket.IO frames itself: connects to /mcp and
   * joins a room.
   */
  private final class RawClient {

    final CompletableFuture<Void> joined = new CompletableFuture<>();
    final List<Integer> seqs = new CopyOnWriteArrayList<>();

    RawClient(int port, String room) {
      ClientWebSocket ws = webSockets.webSocket();
      ws.textMessageHandler(
          text -> {
            if (text.startsWith("0{")) {
              ws.writeTextMessage("40/mcp," + new JsonObject().put("token", ADMIN_TOKEN).encode());
            } else if (text.startsWith("40/mcp,")) {
              ws.writeTextMessage(
                  "42/mcp,1"
                      + new JsonArray()
                          .add("join")
                          .add(new JsonObject().put("room", room))
                          .encode());
            } else if (text.startsWith("43/mcp,1")) {
              joined.complete(null);
            } else if (text.equals("2")) {
              ws.writeTextMessage("3");
            } else if (text.startsWith("42/mcp,[\"tick\"")) {
              JsonArray event = new JsonArray(text.substring("42/mcp,".length()));
              seqs.add(event.getJsonObject(1).getInteger("seq"));
            }
          });
      ws.connect(
          new WebSocketConnectOptions()
              .setHost("127.0.0.1")
              .setPort(port)
              .setURI("/socket.io/?EIO=4&transport=websocket"));
    }
  }
}
