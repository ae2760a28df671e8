package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.hub.NodeDriver.Event;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seed 001's {@code error} event, as the npm socket.io-client sees it: a command that fails is
 * reported to its socket as {@code error {event, code, message}} on every namespace, besides the
 * negative ack, and also when the client asked for no ack, as the seeds' clients send.
 */
@Timeout(60)
class SocketIoClientErrorEventTest extends HubClientTest {

  /**
   * A socket's own room fills a cap of one, so {@code subscribe:stats} on {@code /system}, which
   * takes no argument it could get wrong, fails too.
   */
  @Override
  protected JsonObject hubConfig() {
    return new JsonObject().put("maxRoomsPerSocket", 1);
  }

  /** A command of each namespace that fails, with the code it fails with. */
  private record Failing(String event, JsonArray args, String code) {}

  private static Map<String, Failing> failingCommands() {
    Map<String, Failing> failing = new LinkedHashMap<>();
    JsonArray empty = new JsonArray().add(new JsonObject());
    failing.put("/", new Failing("services:start", empty, "bad_request"));
    failing.put("/services", new Failing("subscribe:logs", empty, "bad_request"));
    failing.put("/deployments", new Failing("subscribe:logs", empty, "bad_request"));
    failing.put("/system", new Failing("subscribe:stats", new JsonArray(), "too_many_rooms"));
    failing.put("/mcp", new Failing("join", empty, "bad_request"));
    failing.put("/files", new Failing("watch", empty, "bad_request"));
    return failing;
  }

  @Test
  void aFailedCommandIsAnErrorEventOnEveryNamespaceWithOrWithoutAnAck() {
    Map<String, Failing> failing = failingCommands();
    assertThat(failing.keySet()).containsExactlyElementsOf(HubNamespaces.NAMES);
    failing.forEach(
        (nsp, command) -> {
          String client = "c" + nsp;
          node.connected(client, nsp, "admin", Transport.WEBSOCKET.opts());
          Object[] args = command.args().getList().toArray();

          node.emit(client, command.event(), args);
          JsonObject error = node.await(client, "error").json(0);
          assertThat(error.getString("event")).as(nsp).isEqualTo(command.event());
          assertThat(error.getString("code")).as(nsp).isEqualTo(command.code());
          assertThat(error.getString("message")).as(nsp).isNotBlank();
          assertThat(error.fieldNames()).containsExactlyInAnyOrder("event", "code", "message");

          int mark = node.mark();
          JsonObject ack = node.ackOf(client, command.event(), args);
          assertThat(ack.getBoolean("ok")).as(nsp).isFalse();
          Event again = node.await(client, "error", mark, any -> true);
          assertThat(again.json(0))
              .as("%s: the error event says what the ack says", nsp)
              .isEqualTo(ack.getJsonObject("error").copy().put("event", command.event()));
        });
  }

  @Test
  void aCommandThatSucceedsSendsNoErrorEvent() {
    restartHubWithRooms();
    node.connected("m", "/mcp", "admin", Transport.WEBSOCKET.opts());
    assertThat(node.ackOf("m", "join", new JsonObject().put("room", "r")).getBoolean("ok"))
        .isTrue();
    node.emit("m", "leave", new JsonObject().put("room", "r"));
    node.emit("m", "join", new JsonObject());
    node.await("m", "error");
    assertThat(node.events("m", "error"))
        .as("only the join without a room failed")
        .singleElement()
        .satisfies(event -> assertThat(event.json(0).getString("event")).isEqualTo("join"));
  }

  @Test
  void aViewerSendingAControlEventGetsAForbiddenErrorEvent() {
    node.connected("v", "/", "viewer", Transport.WEBSOCKET.opts());
    node.emit("v", "services:stop", "web");
    JsonObject error = node.await("v", "error").json(0);
    assertThat(error.getString("event")).isEqualTo("services:stop");
    assertThat(error.getString("code")).isEqualTo("forbidden");
    assertThat(error.getString("message"))
        .isEqualTo("services:stop: the viewer role may not operate");
  }

  /**
   * The supervisor does not know the service: the subscription fails with its {@code not_found},
   * the socket follows nothing and the stream is released, as a missing container failed in the
   * seed.
   */
  @Test
  void aSubscriptionToAServiceTheSupervisorDoesNotKnowFails() {
    restartHubWithRooms();
    hub.supervisorAnswers(
        Addresses.SUPERVISOR_SERVICES_LOGS, msg -> msg.fail(404, "no service named ghost"));
    node.connected("s", "/services", "admin", Transport.WEBSOCKET.opts());
    int streams = hub.health().getInteger("activeStreams");

    JsonObject ack = node.ackOf("s", "subscribe:logs", new JsonObject().put("serviceId", "ghost"));
    assertThat(ack.getJsonObject("error"))
        .isEqualTo(
            new JsonObject().put("code", "not_found").put("message", "no service named ghost"));
    assertThat(node.await("s", "error").json(0))
        .isEqualTo(
            new JsonObject()
                .put("event", "subscribe:logs")
                .put("code", "not_found")
                .put("message", "no service named ghost"));
    assertThat(hub.health().getInteger("activeStreams"))
        .as("the stream of a service nobody follows is released")
        .isEqualTo(streams);
  }

  /** The socket layer's own refusals come through the ack only. */
  @Test
  void anUnknownEventIsRefusedThroughTheAckOnly() {
    node.connected("u", "/mcp", "admin", Transport.WEBSOCKET.opts());
    JsonObject ack = node.ackOf("u", "no-such-event", new JsonObject());
    assertThat(ack.getJsonObject("error").getString("code")).isEqualTo("unknown_event");
    node.emit("u", "join", new JsonObject());
    assertThat(node.await("u", "error").json(0).getString("event"))
        .as("the first error event is the join's")
        .isEqualTo("join");
  }

  /** A hub whose sockets may join rooms, for the tests that need them. */
  private void restartHubWithRooms() {
    restartHub(new JsonObject());
  }
}
