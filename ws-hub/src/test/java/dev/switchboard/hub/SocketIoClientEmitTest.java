package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.http.Problems;
import dev.switchboard.hub.NodeDriver.Event;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code POST /emit} as backend jobs use it, seen by npm socket.io-clients in {@code /mcp} rooms:
 * an emit reaches its room only (or its whole namespace), a batch fans out item by item, and bad
 * requests are refused whole with the status and problem+json a caller can act on.
 */
@Timeout(30)
class SocketIoClientEmitTest extends HubClientTest {

  /** Clients a and b in /mcp rooms room-a and room-b, and s in /system. */
  private void twoRoomsAndABystander(Transport transport) {
    node.connected("a", "/mcp", "admin", transport.opts());
    node.connected("b", "/mcp", "admin", transport.opts());
    node.connected("s", "/system", "admin", transport.opts());
    assertThat(node.ackOf("a", "join", new JsonObject().put("room", "room-a")).getBoolean("ok"))
        .isTrue();
    assertThat(node.ackOf("b", "join", new JsonObject().put("room", "room-b")).getBoolean("ok"))
        .isTrue();
  }

  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"WEBSOCKET", "POLLING_THEN_UPGRADE"})
  void anEmitToARoomReachesThatRoomOnly(Transport transport) {
    twoRoomsAndABystander(transport);

    HttpResponse<Buffer> accepted =
        hub.emit(
            new JsonObject()
                .put("namespace", "/mcp")
                .put("room", "room-a")
                .put("event", "tool:progress")
                .put("data", new JsonObject().put("pct", 50)));
    assertThat(accepted.statusCode()).isEqualTo(202);
    assertThat(accepted.bodyAsJsonObject()).isEqualTo(new JsonObject().put("accepted", 1));

    Event progress = node.await("a", "tool:progress");
    assertThat(progress.json(0)).isEqualTo(new JsonObject().put("pct", 50));
    assertThat(progress.args()).as("data, then the recovery offset").hasSize(2);

    // a namespace-wide emit after it: once b and s have their sentinels, b would have had the room
    // emit too
    assertThat(
            hub.emit(
                    new JsonObject()
                        .put("namespace", "/mcp")
                        .put("event", "sentinel")
                        .put("data", "mcp"))
                .statusCode())
        .isEqualTo(202);
    assertThat(
            hub.emit(
                    new JsonObject()
                        .put("namespace", "/system")
                        .put("event", "sentinel")
                        .put("data", "system"))
                .statusCode())
        .isEqualTo(202);
    Event sentinelOfA = node.await("a", "sentinel");
    node.await("b", "sentinel");
    assertThat(node.await("s", "sentinel").arg(0)).isEqualTo("system");

    assertThat(sentinelOfA.index()).isGreaterThan(progress.index());
    assertThat(node.events("b", "tool:progress")).as("room-b never gets room-a's emit").isEmpty();
    assertThat(node.events("s", "tool:progress")).as("another namespace never gets it").isEmpty();
    assertThat(node.events("s", "sentinel")).as("/system gets only its own sentinel").hasSize(1);
  }

  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"WEBSOCKET", "POLLING_THEN_UPGRADE"})
  void aBatchDeliversEachItemToItsOwnTarget(Transport transport) {
    twoRoomsAndABystander(transport);

    HttpResponse<Buffer> accepted =
        hub.emit(
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("namespace", "/mcp")
                        .put("room", "room-a")
                        .put("event", "one")
                        .put("data", new JsonObject().put("n", 1)))
                .add(
                    new JsonObject()
                        .put("namespace", "/mcp")
                        .put("room", "room-b")
                        .put("event", "two")
                        .put("data", new JsonObject().put("n", 2)))
                .add(
                    new JsonObject()
                        .put("namespace", "/mcp")
                        .put("event", "three")
                        .put("data", new JsonArray().add(3)))
                .add(
                    new JsonObject()
                        .put("namespace", "/system")
                        .put("event", "four")
                        .put("data", 4)));
    assertThat(accepted.statusCode()).isEqualTo(202);
    assertThat(accepted.bodyAsJsonObject()).isEqualTo(new JsonObject().put("accepted", 4));

    Event one = node.await("a", "one");
    Event threeOfA = node.await("a", "three");
    assertThat(one.json(0)).isEqualTo(new JsonObject().put("n", 1));
    assertThat(threeOfA.index()).as("in batch order").isGreaterThan(one.index());
    assertThat(node.await("b", "two").json(0)).isEqualTo(new JsonObject().put("n", 2));
    assertThat(node.await("b", "three").args().getJsonArray(0)).isEqualTo(new JsonArray().add(3));
    assertThat(node.await("s", "four").arg(0)).isEqualTo(4);

    assertThat(node.events("a", "two")).isEmpty();
    assertThat(node.events("b", "one")).isEmpty();
    assertThat(node.events("s", "three")).isEmpty();
  }

  @Test
  void aClientThatLeftARoomNoLongerGetsItsEmits() {
    node.connected("a", "/mcp", "admin", Transport.WEBSOCKET.opts());
    node.ackOf("a", "join", new JsonObject().put("room", "room-a"));
    node.ackOf("a", "leave", new JsonObject().put("room", "room-a"));

    hub.emit(new JsonObject().put("namespace", "/mcp").put("room", "room-a").put("event", "gone"));
    hub.emit(new JsonObject().put("namespace", "/mcp").put("event", "sentinel"));
    node.await("a", "sentinel");
    assertThat(node.events("a", "gone")).isEmpty();
  }

  @Test
  void emitNeedsABearerToken() {
    JsonObject emit = new JsonObject().put("namespace", "/mcp").put("event", "x");
    for (String token : new String[] {null, "not-the-token"}) {
      HttpResponse<Buffer> refused = hub.post("/emit", token, emit.toBuffer());
      assertThat(refused.statusCode()).as("token %s", token).isEqualTo(401);
      assertThat(refused.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
      assertThat(refused.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
    }
    assertThat(hub.post("/emit", HubFixture.EMIT_TOKEN, emit.toBuffer()).statusCode())
        .isEqualTo(202);
    assertThat(hub.post("/emit", HubFixture.ADMIN_TOKEN, emit.toBuffer()).statusCode())
        .as("admin may emit too")
        .isEqualTo(202);
  }

  @Test
  void badEmitsAre400ProblemsNamingTheFieldAndDeliverNothing() {
    node.connected("a", "/mcp", "admin", Transport.WEBSOCKET.opts());
    JsonObject good = new JsonObject().put("namespace", "/mcp").put("event", "should-not-arrive");

    assertBad(new JsonObject().put("namespace", "/nowhere").put("event", "x"), "namespace");
    assertBad(new JsonObject().put("event", "x"), "namespace");
    assertBad(new JsonObject().put("namespace", "/mcp"), "event");
    assertBad(new JsonObject().put("namespace", "/mcp").put("event", ""), "event");
    assertBad(new JsonObject().put("namespace", "/mcp").put("event", "connect"), "event");
    assertBad(new JsonObject().put("namespace", "/mcp").put("event", "x".repeat(129)), "event");
    assertBad(new JsonObject().put("namespace", "/mcp").put("event", "x").put("room", ""), "room");
    assertBad(new JsonObject().put("namespace", "/mcp").put("event", "x").put("room", 5), "room");
    assertBad(
        new JsonArray().add(good).add(new JsonObject().put("namespace", "/mcp").put("event", 5)),
        "[1].event");
    assertBad(new JsonArray().add(good).add("not an object"), "[1]");
    assertBad(new JsonArray(), "body");
    assertBad("a string", "body");
    HttpResponse<Buffer> notJson =
        hub.post("/emit", HubFixture.EMIT_TOKEN, Buffer.buffer("{not json"));
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(
            notJson
                .bodyAsJsonObject()
                .getJsonArray("invalid-params")
                .getJsonObject(0)
                .getString("name"))
        .isEqualTo("body");

    hub.emit(new JsonObject().put("namespace", "/mcp").put("event", "sentinel"));
    node.await("a", "sentinel");
    assertThat(node.events("a", "should-not-arrive"))
        .as("a refused batch delivers none of its items")
        .isEmpty();
  }

  /**
   * Bug: the emit token could send a made-up {@code services:update} or {@code connected} to {@code
   * /services}, which browsers took for the hub's own. Every event a namespace declares it sends is
   * refused there; the same name on a namespace that does not send it is a plain event.
   */
  @Test
  void noEmitForgesAnEventTheHubSendsOnThatNamespace() {
    node.connected("w", "/services", "admin", Transport.WEBSOCKET.opts());
    for (HubNamespace namespace : HubNamespaces.create(hub.vertx, new Streams(hub.vertx))) {
      for (String event : namespace.serverEvents()) {
        JsonObject forged =
            new JsonObject()
                .put("namespace", namespace.name())
                .put("event", event)
                .put("data", new JsonObject());
        assertBad(forged, "event");
        assertBad(
            new JsonArray()
                .add(new JsonObject().put("namespace", "/mcp").put("event", "fine"))
                .add(forged),
            "[1].event");
      }
    }
    assertThat(
            hub.emit(new JsonObject().put("namespace", "/mcp").put("event", "services:update"))
                .statusCode())
        .as("/mcp sends no services:update of its own")
        .isEqualTo(202);
    // a name under the namespace's own prefix, though the hub does not send it (yet)
    assertBad(
        new JsonObject().put("namespace", "/services").put("event", "services:deleted"), "event");
    assertBad(
        new JsonObject().put("namespace", "/deployments").put("event", "deployments:status"),
        "event");

    hub.emit(new JsonObject().put("namespace", "/services").put("event", "sentinel"));
    node.await("w", "sentinel");
    assertThat(node.events("w", "services:update")).isEmpty();
    assertThat(node.events("w", "connected")).as("only the hub's own greeting").hasSize(1);
  }

  private void assertBad(Object body, String field) {
    HttpResponse<Buffer> refused = hub.emit(body);
    assertThat(refused.statusCode()).as("%s", body).isEqualTo(400);
    assertThat(refused.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);
    JsonObject problem = refused.bodyAsJsonObject();
    assertThat(problem.getInteger("status")).isEqualTo(400);
    assertThat(problem.getJsonArray("invalid-params").getJsonObject(0).getString("name"))
        .as("%s", body)
        .isEqualTo(field);
    assertThat(problem.getJsonArray("invalid-params").getJsonObject(0).getString("reason"))
        .isNotBlank();
  }

  @Test
  void aBodyOverTheLimitIs413() {
    JsonObject huge =
        new JsonObject()
            .put("namespace", "/mcp")
            .put("event", "big")
            .put("data", "x".repeat(1_000_001));
    HttpResponse<Buffer> refused = hub.emit(huge);
    assertThat(refused.statusCode()).isEqualTo(413);
    assertThat(refused.getHeader("Content-Type")).isEqualTo(Problems.CONTENT_TYPE);

    JsonObject fits =
        new JsonObject()
            .put("namespace", "/mcp")
            .put("event", "big")
            .put("data", "x".repeat(900_000));
    assertThat(hub.emit(fits).statusCode()).isEqualTo(202);
  }
}
