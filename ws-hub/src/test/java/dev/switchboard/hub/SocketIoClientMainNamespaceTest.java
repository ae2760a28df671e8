package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The main namespace {@code /} and {@code /services} serving the services' status and control side
 * by side, as the npm socket.io-client sees them, with a stand-in supervisor: {@code
 * services:status} on connect and after each refresh, control by {@code {name}} or by the name
 * alone, and every change relayed to both namespaces.
 */
@Timeout(30)
class SocketIoClientMainNamespaceTest extends HubClientTest {

  @Test
  void aRefreshSendsTheStatusAgainToTheSocketThatAsked() {
    AtomicInteger probes = new AtomicInteger();
    hub.supervisorAnswers(Addresses.SUPERVISOR_SERVICES_STATUS, msg -> msg.reply(status("idle")));
    hub.supervisorAnswers(
        Addresses.SUPERVISOR_SERVICES_REFRESH,
        msg -> msg.reply(status("probed " + probes.incrementAndGet())));
    for (String nsp : new String[] {"/", "/services"}) {
      String client = nsp.equals("/") ? "main" : "services";
      node.connected(client, nsp, "admin", Transport.WEBSOCKET.opts());
      assertThat(node.await(client, "services:status").json(0)).isEqualTo(status("idle"));

      JsonObject ack = node.ackOf(client, "services:refresh");
      assertThat(ack.getBoolean("ok")).isTrue();
      String probed = ack.getJsonArray("services").getJsonObject(0).getString("note");
      assertThat(node.events(client, "services:status"))
          .as("%s: the status on connect, then the refreshed one", nsp)
          .hasSize(2)
          .last()
          .satisfies(event -> assertThat(event.json(0)).isEqualTo(status(probed)));
    }
    assertThat(node.events("main", "services:status"))
        .as("the other socket's refresh is not sent here")
        .hasSize(2);
  }

  @Test
  void aServiceIsNamedByAnObjectOrByItsNameAlone() {
    hub.supervisorStartsServices();
    node.connected("main", "/", "admin", Transport.WEBSOCKET.opts());
    assertThat(node.ackOf("main", "services:start", new JsonObject().put("name", "web")))
        .isEqualTo(new JsonObject().put("name", "web").put("state", "starting").put("ok", true));
    assertThat(node.ackOf("main", "services:start", "db"))
        .isEqualTo(new JsonObject().put("name", "db").put("state", "starting").put("ok", true));
    assertThat(node.ackOf("main", "services:start", "../etc").getJsonObject("error"))
        .isEqualTo(
            new JsonObject()
                .put("code", "bad_request")
                .put("message", "services:start needs {name} or the name"));
  }

  /** Each namespace consumes the changes for its own sockets, and lets go of them on its own. */
  @Test
  void changesReachBothNamespacesWhileEachHasSockets() {
    node.connected("main", "/", "admin", Transport.WEBSOCKET.opts());
    node.connected("services", "/services", "admin", Transport.WEBSOCKET.opts());
    hub.awaitHealth("both namespaces follow the changes", h -> h.getInteger("activeStreams") == 2);

    JsonObject failed =
        new JsonObject()
            .put("name", "web")
            .put("update", "state")
            .put("state", "failed")
            .put("reason", "exit code 1");
    hub.vertx.eventBus().publish(Addresses.SERVICES_STATUS, failed);
    for (String client : new String[] {"main", "services"}) {
      assertThat(node.await(client, "services:update").json(0)).isEqualTo(failed);
      assertThat(node.await(client, "services:error").json(0))
          .isEqualTo(
              new JsonObject()
                  .put("name", "web")
                  .put("state", "failed")
                  .put("message", "exit code 1"));
    }

    node.disconnect("main");
    hub.awaitHealth("/ let go of its stream", h -> h.getInteger("activeStreams") == 1);
    JsonObject running =
        new JsonObject().put("name", "web").put("update", "state").put("state", "running");
    hub.vertx.eventBus().publish(Addresses.SERVICES_STATUS, running);
    node.await(
        "services",
        "services:update",
        args -> "running".equals(args.getJsonObject(0).getString("state")));
  }

  private static JsonObject status(String note) {
    return new JsonObject()
        .put(
            "services", new JsonArray().add(new JsonObject().put("name", "web").put("note", note)));
  }
}
