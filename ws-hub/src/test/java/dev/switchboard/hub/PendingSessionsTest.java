package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Engine.IO sessions that join no namespace: at most {@code maxPendingSessions} are held (one
 * address at most half of them), a handshake over it is answered 503, and each lives at most {@code
 * connectTimeout}, polling ones included. Sessions that joined a namespace do not count.
 */
@Timeout(30)
class PendingSessionsTest {

  private HubFixture hub;

  @AfterEach
  void stop() {
    hub.close();
  }

  private HttpResponse<Buffer> pollingHandshake() {
    return hub.http.get("/socket.io/?EIO=4&transport=polling").send().await();
  }

  @Test
  void handshakesNobodyFollowsUpAreCappedAndExpire() {
    hub =
        HubFixture.start(
            new JsonObject().put("maxPendingSessions", 4).put("connectTimeout", 1_000));
    NodeDriver node = hub.node();
    node.connected("member", "/services", "admin", Transport.POLLING.opts());
    assertThat(hub.metric("switchboard_hub_engine_pending"))
        .as("a session that joined a namespace")
        .isZero();

    assertThat(pollingHandshake().statusCode()).isEqualTo(200);
    assertThat(pollingHandshake().statusCode()).isEqualTo(200);
    HttpResponse<Buffer> over = pollingHandshake();
    assertThat(over.statusCode()).as("the third from one address, over half of 4").isEqualTo(503);
    assertThat(over.bodyAsJsonObject().getInteger("code")).isEqualTo(4);
    assertThat(over.bodyAsJsonObject().getString("message")).contains("Server busy");
    WebSocketClient client = hub.vertx.createWebSocketClient();
    Throwable refused =
        catchThrowable(
            () ->
                client
                    .connect(
                        new WebSocketConnectOptions()
                            .setHost("127.0.0.1")
                            .setPort(hub.port())
                            .setURI("/socket.io/?EIO=4&transport=websocket"))
                    .await());
    assertThat(refused).isInstanceOf(UpgradeRejectedException.class);
    assertThat(((UpgradeRejectedException) refused).getStatus()).isEqualTo(503);
    assertThat(hub.metric("switchboard_hub_engine_pending")).isEqualTo(2.0);

    // the polling sessions that joined nothing end after connectTimeout, and new handshakes get in
    hub.awaitHealth(
        "the pending sessions gone", health -> hub.metric("switchboard_hub_engine_pending") == 0.0);
    assertThat(pollingHandshake().statusCode()).isEqualTo(200);
    assertThat(node.call("state", new JsonObject().put("client", "member")).getBoolean("connected"))
        .isTrue();
  }
}
