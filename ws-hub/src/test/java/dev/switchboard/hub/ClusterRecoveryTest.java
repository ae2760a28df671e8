package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two hubs on one event bus and one shared-data store, as two nodes of a cluster are, with recovery
 * kept in the cluster: a client whose hub stops comes back on the other one with its session and
 * the broadcasts it missed meanwhile. (A hub killed with {@code kill -9}: the app module's {@code
 * HubClusterIT}.)
 */
class ClusterRecoveryTest {

  private HubFixture hubs;

  @AfterEach
  void close() {
    if (hubs != null) {
      hubs.close();
    }
  }

  private void emitTick(int seq) {
    assertThat(
            hubs.emit(
                    new JsonObject()
                        .put("namespace", "/mcp")
                        .put("room", "r")
                        .put("event", "tick")
                        .put("data", seq))
                .statusCode())
        .isEqualTo(202);
  }

  @Test
  void aClientWhoseHubStoppedRecoversOnTheOtherWithWhatItMissed() {
    JsonObject config = new JsonObject().put("recoveryStore", "cluster").put("relayPolling", "on");
    hubs = HubFixture.start(config);
    HubVerticle second = hubs.deployAnother(config);
    // the first hub's port behind the proxy; the test's /emit goes to the hub that stays
    HubVerticle first = hubs.deployAnother(config);
    try (RoundRobinProxy proxy = new RoundRobinProxy(hubs.vertx, List.of(first.actualPort()))) {
      NodeDriver node = hubs.node(proxy.port());
      JsonObject connected =
          node.connected(
              "c",
              "/mcp",
              "admin",
              new JsonObject()
                  .put("transports", new JsonArray().add("websocket"))
                  .put("reconnectionDelay", 100)
                  .put("reconnectionDelayMax", 200));
      assertThat(node.ackOf("c", "join", new JsonObject().put("room", "r")).getBoolean("ok"))
          .isTrue();
      emitTick(1);
      node.await("c", "tick", 0, args -> args.getInteger(0) == 1);

      // the client's hub stops; what is emitted meanwhile reaches only the other hubs
      proxy.upstreams(List.of(second.actualPort()));
      hubs.vertx.undeploy(first.deploymentID()).await();
      node.await("c", "@disconnect");
      emitTick(2);
      emitTick(3);

      NodeDriver.Event back =
          node.awaitFirst(
              "c",
              0,
              event -> event.name().equals("@connect") && event.json(0).getBoolean("recovered"));
      assertThat(back.json(0).getString("id")).isEqualTo(connected.getString("id"));
      node.await("c", "tick", 0, args -> args.getInteger(0) == 3);
      // and still in its room on the new hub
      emitTick(4);
      node.await("c", "tick", 0, args -> args.getInteger(0) == 4);
      assertThat(node.events("c", "tick").stream().map(event -> event.args().getInteger(0)))
          .containsExactly(1, 2, 3, 4);
    }
  }
}
