package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two hubs on one event bus, as two nodes of a cluster are, each relaying polling requests for the
 * other's sessions: a client whose requests alternate between them, as behind a round-robin load
 * balancer, keeps its session.
 */
class PollingRelayTest {

  private static final JsonObject RELAY = new JsonObject().put("relayPolling", "on");

  private HubFixture hubs;

  @AfterEach
  void close() {
    if (hubs != null) {
      hubs.close();
    }
  }

  private WebClient client(int port) {
    return WebClient.create(
        hubs.vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  private static String path(String sid) {
    return "/socket.io/?EIO=4&transport=polling" + (sid == null ? "" : "&sid=" + sid);
  }

  private static HttpResponse<Buffer> get(WebClient client, String sid) {
    return client.get(path(sid)).send().await();
  }

  private static HttpResponse<Buffer> post(WebClient client, String sid, String payload) {
    return client.post(path(sid)).sendBuffer(Buffer.buffer(payload)).await();
  }

  @Test
  void rawPollingRequestsAlternatingBetweenTwoHubsKeepTheirSession() {
    hubs = HubFixture.start(RELAY);
    HubVerticle other = hubs.deployAnother(RELAY);
    WebClient a = client(hubs.port());
    WebClient b = client(other.actualPort());

    HttpResponse<Buffer> open = get(a, null);
    assertThat(open.statusCode()).isEqualTo(200);
    String sid = new JsonObject(open.bodyAsString().substring(1)).getString("sid");

    // the handshake on A, the namespace connect and every later request alternating B, A, B...
    HttpResponse<Buffer> connect =
        post(b, sid, "40/mcp," + new JsonObject().put("token", HubFixture.ADMIN_TOKEN).encode());
    assertThat(connect.statusCode()).as(connect.bodyAsString()).isEqualTo(200);
    assertThat(connect.bodyAsString()).isEqualTo("ok");
    HttpResponse<Buffer> joined = get(a, sid);
    assertThat(joined.statusCode()).isEqualTo(200);
    assertThat(joined.bodyAsString()).startsWith("40/mcp,{\"sid\":");

    String join =
        "42/mcp,1" + new JsonArray().add("join").add(new JsonObject().put("room", "r")).encode();
    assertThat(post(b, sid, join).bodyAsString()).isEqualTo("ok");
    HttpResponse<Buffer> ack = get(a, sid);
    assertThat(ack.bodyAsString()).contains("43/mcp,1[{").contains("\"ok\":true");

    // a long-poll held by B for A's session: answered when the emit reaches the session on A
    var held = client(other.actualPort()).get(path(sid)).send();
    hubs.emit(
        new JsonObject()
            .put("namespace", "/mcp")
            .put("room", "r")
            .put("event", "tick")
            .put("data", 7));
    HttpResponse<Buffer> tick = held.await();
    assertThat(tick.statusCode()).isEqualTo(200);
    assertThat(tick.bodyAsString()).contains("42/mcp,[\"tick\",7");

    // a close through B ends the session on A
    assertThat(post(b, sid, "1").bodyAsString()).isEqualTo("ok");
    HttpResponse<Buffer> gone = get(a, sid);
    assertThat(gone.statusCode()).isEqualTo(400);
  }

  @Test
  void withoutTheRelayTheOtherHubDoesNotKnowTheSession() {
    JsonObject off = new JsonObject().put("relayPolling", "off");
    hubs = HubFixture.start(off);
    HubVerticle other = hubs.deployAnother(off);
    String sid =
        new JsonObject(get(client(hubs.port()), null).bodyAsString().substring(1)).getString("sid");

    HttpResponse<Buffer> elsewhere = get(client(other.actualPort()), sid);

    assertThat(elsewhere.statusCode()).isEqualTo(400);
    assertThat(elsewhere.bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("code", 1).put("message", "Session ID unknown"));
  }

  @Test
  void aSessionOfANodeThatIsGoneIsUnknownAsSocketIoSays() {
    hubs = HubFixture.start(RELAY);
    String sid = "ZZZZZZZZ" + "A".repeat(20);

    for (HttpResponse<Buffer> answer :
        List.of(get(hubs.http, sid), post(hubs.http, sid, "40/mcp,"))) {
      assertThat(answer.statusCode()).isEqualTo(400);
      assertThat(answer.bodyAsJsonObject())
          .isEqualTo(new JsonObject().put("code", 1).put("message", "Session ID unknown"));
    }
  }

  @Test
  void aLongPollHeldForANodeThatDiesIsAnsweredAsAnUnknownSessionWithinSeconds() {
    // a node that takes the relayed long-poll and then vanishes without answering, as a hub killed
    // with kill -9 does: its consumer goes, the request's reply never comes
    hubs = HubFixture.start(RELAY);
    String node = "ZZZZZZZZ";
    Promise<Void> taken = Promise.promise();
    MessageConsumer<JsonObject> owner =
        hubs.vertx
            .eventBus()
            .consumer(Addresses.HUB_RELAY + "." + node, msg -> taken.tryComplete());
    owner.completion().await();

    long start = System.nanoTime();
    Future<HttpResponse<Buffer>> held =
        hubs.http.get(path(node + "A".repeat(20))).timeout(15_000).send();
    taken.future().await();
    owner.unregister().await();

    // not after the relay's timeout (the ping interval and timeout, 45 s by default)
    HttpResponse<Buffer> answer = held.await();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("code", 1).put("message", "Session ID unknown"));
  }

  @Test
  void aRelayedPostIsBoundedByMaxPayload() {
    JsonObject small = RELAY.copy().put("maxPayload", 1_000);
    hubs = HubFixture.start(small);
    HubVerticle other = hubs.deployAnother(small);
    String sid =
        new JsonObject(get(client(hubs.port()), null).bodyAsString().substring(1)).getString("sid");

    HttpResponse<Buffer> big = post(client(other.actualPort()), sid, "4" + "x".repeat(2_000));

    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(hubs.health().getJsonObject("connections").getInteger("mcp")).isZero();
  }

  @Test
  void theNpmClientBehindARoundRobinBalancerKeepsWorking() {
    hubs = HubFixture.start(RELAY);
    HubVerticle other = hubs.deployAnother(RELAY);
    try (RoundRobinProxy proxy =
        new RoundRobinProxy(hubs.vertx, List.of(hubs.port(), other.actualPort()))) {
      NodeDriver node = hubs.node(proxy.port());
      // one client that stays on polling, one that upgrades when its probe reaches the owner
      node.connected(
          "polling",
          "/mcp",
          "admin",
          new JsonObject().put("transports", new JsonArray().add("polling")));
      node.connected("default", "/mcp", "admin", new JsonObject());
      for (String client : List.of("polling", "default")) {
        assertThat(node.ackOf(client, "join", new JsonObject().put("room", "r")).getBoolean("ok"))
            .isTrue();
      }
      for (int i = 1; i <= 6; i++) {
        JsonObject emit =
            new JsonObject()
                .put("namespace", "/mcp")
                .put("room", "r")
                .put("event", "tick")
                .put("data", i);
        assertThat(hubs.emit(emit).statusCode()).isEqualTo(202);
        int seq = i;
        for (String client : List.of("polling", "default")) {
          node.await(client, "tick", 0, args -> args.getInteger(0) == seq);
        }
        // a round trip over the client's own session between emits
        assertThat(
                node.ackOf("polling", "join", new JsonObject().put("room", "r" + i))
                    .getBoolean("ok"))
            .isTrue();
      }
      assertThat(proxy.requests.get(0)).isGreaterThan(3);
      assertThat(proxy.requests.get(1)).isGreaterThan(3);
      assertThat(node.events("polling").stream().map(NodeDriver.Event::name))
          .doesNotContain("@disconnect", "@connect_error");
      assertThat(node.events("default").stream().map(NodeDriver.Event::name))
          .doesNotContain("@disconnect", "@connect_error");
    }
  }
}
