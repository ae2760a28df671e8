package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Behind a proxy the hub trusts ({@code TRUSTED_PROXIES}), the pending-session budget of an address
 * is the client's, from {@code X-Forwarded-For}: behind nginx every peer is 127.0.0.1, and without
 * this one client's handshakes took the share of all the others. From a peer it does not trust, the
 * header changes nothing.
 */
@Timeout(30)
class TrustedProxyPendingSessionsTest {

  private static final String ALICE = "203.0.113.7";
  private static final String BOB = "198.51.100.20";

  private HubFixture hub;

  @AfterEach
  void stop() {
    hub.close();
  }

  /** A polling handshake through the "proxy" at 127.0.0.1 for {@code client}. */
  private int pollingHandshake(String client) {
    return hub.http
        .get("/socket.io/?EIO=4&transport=polling")
        .putHeader("X-Forwarded-For", client)
        .send()
        .await()
        .statusCode();
  }

  private Throwable webSocketHandshake(String client) {
    WebSocketClient ws = hub.vertx.createWebSocketClient();
    return catchThrowable(
        // accepted, the websocket stays open: its session is pending until the hub closes
        () ->
            ws.connect(
                    new WebSocketConnectOptions()
                        .setHost("127.0.0.1")
                        .setPort(hub.port())
                        .setURI("/socket.io/?EIO=4&transport=websocket")
                        .addHeader("X-Forwarded-For", client))
                .await());
  }

  @Test
  void twoClientsBehindATrustedProxyEachHaveTheirOwnShare() {
    hub =
        HubFixture.start(
            new JsonObject()
                .put("maxPendingSessions", 4)
                .put("connectTimeout", 10_000)
                .put("trustedProxies", new JsonArray().add("127.0.0.1")));

    assertThat(pollingHandshake(ALICE)).isEqualTo(200);
    assertThat(pollingHandshake(ALICE)).isEqualTo(200);
    assertThat(pollingHandshake(ALICE)).as("Alice's third, over half of 4").isEqualTo(503);
    Throwable aliceOverWebSocket = webSocketHandshake(ALICE);
    assertThat(aliceOverWebSocket).isInstanceOf(UpgradeRejectedException.class);
    assertThat(((UpgradeRejectedException) aliceOverWebSocket).getStatus()).isEqualTo(503);

    assertThat(pollingHandshake(BOB)).as("Bob's first, behind the same proxy").isEqualTo(200);
    assertThat(webSocketHandshake(BOB)).as("Bob's second, over websocket").isNull();
    assertThat(hub.metric("switchboard_hub_engine_pending")).isEqualTo(4.0);
  }

  @Test
  void fromAnUntrustedPeerTheHeaderChangesNothing() {
    hub =
        HubFixture.start(
            new JsonObject().put("maxPendingSessions", 4).put("connectTimeout", 10_000));

    assertThat(pollingHandshake(ALICE)).isEqualTo(200);
    assertThat(pollingHandshake(BOB)).isEqualTo(200);
    assertThat(pollingHandshake("192.0.2.1"))
        .as("all three from 127.0.0.1, whatever they say")
        .isEqualTo(503);
  }
}
