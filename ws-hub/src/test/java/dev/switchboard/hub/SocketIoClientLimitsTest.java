package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The hub's protections against clients that misbehave, with small limits: a client that stops
 * reading is dropped once its backlog passes {@code maxBufferedBytes} while the others get
 * everything; a client that floods events gets {@code rate_limited} acks, then is disconnected.
 */
@Timeout(40)
class SocketIoClientLimitsTest {

  private static final long MAX_BUFFERED = 256 * 1024;

  /** 100 kB that permessage-deflate cannot shrink (the clients negotiate it). */
  private static final String PAYLOAD = incompressible(100_000);

  /** Far more than the loopback socket buffers of both ends can hold (a few MB). */
  private static final int MAX_BROADCASTS = 1_000;

  private HubFixture hub;

  private static String incompressible(int length) {
    byte[] random = new byte[length];
    new Random(42).nextBytes(random);
    return Base64.getEncoder().encodeToString(random).substring(0, length);
  }

  @AfterEach
  void stop() {
    if (hub != null) {
      hub.close();
    }
  }

  private void broadcast(int i) {
    hub.vertx
        .eventBus()
        .publish(
            Addresses.HUB_BROADCAST,
            new JsonObject()
                .put("namespace", "/mcp")
                .put("room", "feed")
                .put("event", "big")
                .put("data", new JsonObject().put("i", i).put("payload", PAYLOAD)));
  }

  private int mcpConnections() {
    return hub.health().getJsonObject("connections").getInteger("mcp");
  }

  @Test
  void aWebSocketClientThatStopsReadingIsDroppedAndTheOthersGetEverything() {
    hub = HubFixture.start(new JsonObject().put("maxBufferedBytes", MAX_BUFFERED));
    NodeDriver node = hub.node();
    node.connected("good", "/mcp", "admin", Transport.WEBSOCKET.opts());
    assertThat(node.ackOf("good", "join", new JsonObject().put("room", "feed")).getBoolean("ok"))
        .isTrue();
    JsonObject joined =
        node.call(
            "rawConnect",
            new JsonObject()
                .put("client", "slow")
                .put("nsp", "/mcp")
                .put("token", "admin")
                .put("room", "feed"));
    assertThat(joined.getJsonArray("ack").getJsonObject(0).getBoolean("ok")).isTrue();
    node.call("rawPause", new JsonObject().put("client", "slow"));
    assertThat(mcpConnections()).isEqualTo(2);

    // one broadcast at a time, each awaited by the good client, until the hub lets the slow one go
    int sent = 0;
    while (sent < MAX_BROADCASTS && mcpConnections() == 2) {
      int i = ++sent;
      broadcast(i);
      node.await("good", "big", args -> args.getJsonObject(0).getInteger("i") == i);
    }
    JsonObject stats = node.call("rawStats", new JsonObject().put("client", "slow"));
    assertThat(mcpConnections())
        .as("the slow consumer was dropped after %d broadcasts of 100 kB; it read %s", sent, stats)
        .isEqualTo(1);
    assertThat(hub.metric("switchboard_hub_drops_total", "reason=\"slow_consumer\""))
        .isGreaterThanOrEqualTo(1.0);

    // the good client keeps getting everything, in order, after the drop too
    for (int i = sent + 1; i <= sent + 3; i++) {
      broadcast(i);
    }
    int last = sent + 3;
    node.await("good", "big", args -> args.getJsonObject(0).getInteger("i") == last);
    List<Integer> received =
        node.events("good", "big").stream().map(e -> e.json(0).getInteger("i")).toList();
    assertThat(received).containsExactlyElementsOf(IntStream.rangeClosed(1, last).boxed().toList());
    assertThat(
            NodeDriver.longStringLength(
                node.events("good", "big").get(0).json(0).getValue("payload")))
        .isEqualTo(PAYLOAD.length());
    assertThat(node.call("state", new JsonObject().put("client", "good")).getBoolean("connected"))
        .isTrue();

    // once it reads again, the slow client finds its connection closed by the hub
    JsonObject closed = node.call("rawResumeUntilClosed", new JsonObject().put("client", "slow"));
    assertThat(closed.getInteger("code")).isNotNull();
  }

  /**
   * Bug: a client that reads everything at once is dropped as a slow consumer when a burst of
   * broadcasts bigger than {@code maxBufferedBytes} arrives within one event-loop turn. The backlog
   * check ({@code EngineSocket.send} → {@code WebSocketWriter.backlog}) counts bytes written but
   * not flushed yet ({@code ChannelOutboundBuffer.totalPendingWriteBytes} includes unflushed
   * entries), and the flush only runs after every queued event-bus delivery; so the writes of one
   * burst add up to the limit before a single byte was offered to the peer. The drop ("slow
   * consumer") is not recoverable, so the client also loses the rest of the burst.
   */
  @Test
  void aFastClientSurvivesABurstBiggerThanTheBufferLimit() {
    hub = HubFixture.start(new JsonObject().put("maxBufferedBytes", MAX_BUFFERED));
    NodeDriver node = hub.node();
    node.connected("fast", "/mcp", "admin", Transport.WEBSOCKET.opts());
    assertThat(node.ackOf("fast", "join", new JsonObject().put("room", "feed")).getBoolean("ok"))
        .isTrue();

    int burst = 20; // 2 MB in all, 100 kB each: every one fits the limit, the burst does not
    for (int i = 1; i <= burst; i++) {
      broadcast(i);
    }
    NodeDriver.Event outcome =
        node.awaitFirst(
            "fast",
            0,
            e ->
                e.name().equals("@disconnect")
                    || e.name().equals("big") && e.json(0).getInteger("i") == burst);
    assertThat(outcome.name())
        .as(
            "the reader keeps up, yet got %d of %d before: %s",
            node.events("fast", "big").size(), burst, outcome)
        .isEqualTo("big");
    assertThat(node.events("fast", "big")).hasSize(burst);
  }

  @Test
  void aPollingClientThatStopsPollingIsDropped() {
    hub = HubFixture.start(new JsonObject().put("maxBufferedBytes", MAX_BUFFERED));
    String sid = new JsonObject(poll(null).substring(1)).getString("sid");
    post(sid, "40/mcp," + new JsonObject().put("token", HubFixture.ADMIN_TOKEN).encode());
    assertThat(poll(sid)).startsWith("40/mcp,");
    post(
        sid,
        "42/mcp,1"
            + new JsonArray().add("join").add(new JsonObject().put("room", "feed")).encode());
    String acked = poll(sid);
    while (!acked.contains("43/mcp,1")) {
      acked = poll(sid);
    }
    assertThat(mcpConnections()).isEqualTo(1);

    // nobody polls now: the packets wait in the session until there are too many
    int sent = 0;
    while (sent < 10 && mcpConnections() == 1) {
      broadcast(++sent);
    }
    assertThat(mcpConnections()).as("dropped after %d broadcasts of 100 kB", sent).isZero();
    assertThat(sent).isGreaterThanOrEqualTo((int) (MAX_BUFFERED / PAYLOAD.length()));
    assertThat(hub.metric("switchboard_hub_drops_total", "reason=\"slow_consumer\""))
        .isGreaterThanOrEqualTo(1.0);
    HttpResponse<Buffer> gone =
        hub.http.get("/socket.io/?EIO=4&transport=polling&sid=" + sid).send().await();
    assertThat(gone.statusCode()).as("the session is over").isEqualTo(400);
  }

  private String poll(String sid) {
    HttpResponse<Buffer> response =
        hub.http
            .get("/socket.io/?EIO=4&transport=polling" + (sid == null ? "" : "&sid=" + sid))
            .send()
            .await();
    assertThat(response.statusCode()).isEqualTo(200);
    return response.bodyAsString();
  }

  private void post(String sid, String payload) {
    HttpResponse<Buffer> response =
        hub.http
            .post("/socket.io/?EIO=4&transport=polling&sid=" + sid)
            .putHeader("Content-Type", "text/plain;charset=UTF-8")
            .sendBuffer(Buffer.buffer(payload))
            .await();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsString()).isEqualTo("ok");
  }

  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"WEBSOCKET", "POLLING_THEN_UPGRADE"})
  void aFloodingClientGetsRateLimitedThenDisconnected(Transport transport) {
    hub = HubFixture.start(new JsonObject().put("eventsPerSecond", 5).put("eventBurst", 5));
    NodeDriver node = hub.node();
    node.connected("calm", "/mcp", "admin", transport.opts());
    node.connected("flood", "/mcp", "admin", transport.opts());

    JsonArray outcomes =
        node.call(
                "flood",
                new JsonObject()
                    .put("client", "flood")
                    .put("event", "leave")
                    .put("args", new JsonArray().add(new JsonObject().put("room", "nowhere")))
                    .put("count", 40))
            .getJsonArray("outcomes");

    List<String> kinds =
        outcomes.stream()
            .map(
                o -> {
                  JsonObject outcome = (JsonObject) o;
                  if (outcome.containsKey("error")) {
                    return "error";
                  }
                  JsonObject ack = outcome.getJsonObject("ack");
                  return ack.getBoolean("ok") ? "ok" : ack.getJsonObject("error").getString("code");
                })
            .toList();
    long ok = kinds.stream().filter("ok"::equals).count();
    long limited = kinds.stream().filter("rate_limited"::equals).count();
    assertThat(ok).as("the burst goes through: %s", kinds).isBetween(5L, 7L);
    assertThat(limited).as("then error acks: %s", kinds).isGreaterThanOrEqualTo(1);
    assertThat(kinds.subList(0, (int) ok)).as("in order: %s", kinds).containsOnly("ok");
    assertThat(kinds.subList((int) ok, (int) (ok + limited)))
        .as("in order: %s", kinds)
        .containsOnly("rate_limited");
    assertThat(kinds.subList((int) (ok + limited), kinds.size()))
        .as("then no answers: %s", kinds)
        .containsOnly("error");

    assertThat(node.await("flood", "@disconnect").arg(0)).isEqualTo("io server disconnect");
    hub.awaitHealth(
        "the flooder gone", health -> health.getJsonObject("connections").getInteger("mcp") == 1);
    assertThat(hub.metric("switchboard_hub_drops_total", "reason=\"rate_limit\""))
        .isGreaterThanOrEqualTo((double) limited);

    // the well-behaved client is untouched
    assertThat(node.ackOf("calm", "join", new JsonObject().put("room", "r")).getBoolean("ok"))
        .isTrue();
  }
}
