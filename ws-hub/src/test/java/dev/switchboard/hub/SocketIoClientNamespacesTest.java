package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.hub.NodeDriver.Event;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The hub's six namespaces as the unmodified npm socket.io-client sees them, over each transport:
 * the token handshake and its refusals, the {@code connected} greeting, commands answered through
 * acks, and the event-bus streams relayed while (and only while) someone subscribes.
 */
@Timeout(30)
class SocketIoClientNamespacesTest extends HubClientTest {

  @ParameterizedTest
  @EnumSource(Transport.class)
  void everyNamespaceAcceptsTheAdminTokenAndGreets(Transport transport) {
    for (String nsp : HubNamespaces.NAMES) {
      String client = client(nsp);
      JsonObject connected = node.connected(client, nsp, "admin", transport.opts());
      assertThat(connected.getBoolean("recovered")).isFalse();

      Event greeting = node.await(client, "connected");
      // with recovery on, a socket's own emits carry the offset as their last argument, as in
      // socket.io
      assertThat(greeting.args()).as("the greeting and its recovery offset").hasSize(2);
      assertThat(greeting.args().getValue(1)).isInstanceOf(String.class);
      assertThat(greeting.json(0))
          .isEqualTo(
              new JsonObject()
                  .put("id", connected.getString("id"))
                  .put("namespace", nsp)
                  .put("recovered", false));
    }
    for (String nsp : HubNamespaces.NAMES) {
      JsonObject state =
          node.call(
              transport == Transport.POLLING ? "state" : "awaitUpgrade",
              new JsonObject().put("client", client(nsp)));
      assertThat(state.getString("transport")).as(nsp).isEqualTo(transport.settled());
    }
    JsonObject health = hub.health();
    assertThat(health.getBoolean("success")).isTrue();
    assertThat(health.getString("status")).isEqualTo("healthy");
    assertThat(health.getJsonObject("connections"))
        .isEqualTo(
            new JsonObject()
                .put("main", 1)
                .put("services", 1)
                .put("deployments", 1)
                .put("system", 1)
                .put("mcp", 1)
                .put("files", 1));
  }

  /**
   * socket.io-client's default: sockets of one URL share one Manager, so one Engine.IO connection.
   */
  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"WEBSOCKET", "POLLING_THEN_UPGRADE"})
  void theSixNamespacesShareOneConnectionByDefault(Transport transport) {
    JsonObject multiplexed = transport.opts().put("forceNew", false);
    for (String nsp : HubNamespaces.NAMES) {
      node.connected(client(nsp), nsp, "admin", multiplexed);
      node.await(client(nsp), "connected");
    }
    assertThat(hub.metric("switchboard_hub_engine_sessions"))
        .as("one Engine.IO session under six sockets")
        .isEqualTo(1.0);
    assertThat(hub.health().getJsonObject("connections").stream().map(e -> e.getValue()))
        .containsOnly(1);

    assertThat(node.ackOf("system", "subscribe:stats")).isEqualTo(new JsonObject().put("ok", true));
    assertThat(node.ackOf("mcp", "join", new JsonObject().put("room", "r")).getBoolean("ok"))
        .isTrue();
    node.disconnect("mcp");
    hub.awaitHealth(
        "/mcp left", health -> health.getJsonObject("connections").getInteger("mcp") == 0);

    // leaving one namespace keeps the connection and the other namespaces
    hub.vertx.eventBus().publish(Addresses.STATS_SYSTEM, new JsonObject().put("seq", 1));
    node.await("system", "stats", args -> args.getJsonObject(0).getInteger("seq", 0) == 1);
    assertThat(
            node.ackOf("files", "unwatch", new JsonObject().put("watchId", "w")).getBoolean("ok"))
        .isTrue();
    assertThat(hub.metric("switchboard_hub_engine_sessions")).isEqualTo(1.0);
    assertThat(hub.health().getJsonObject("connections").getInteger("services")).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aBadOrMissingTokenIsAConnectErrorWithData(Transport transport) {
    for (String nsp : HubNamespaces.NAMES) {
      JsonObject wrong = node.connect("wrong" + nsp, nsp, "not-the-token", transport.opts());
      assertThat(wrong.getBoolean("connected")).as(nsp).isFalse();
      assertThat(wrong.getString("message")).as(nsp).isEqualTo("invalid token");
      assertThat(wrong.getJsonObject("data"))
          .as(nsp)
          .isEqualTo(new JsonObject().put("code", "unauthorized"));
    }
    JsonObject anonymous = node.connect("anonymous", "/system", null, transport.opts());
    assertThat(anonymous.getBoolean("connected")).isFalse();
    assertThat(anonymous.getString("message")).isEqualTo("authentication required");
    assertThat(anonymous.getJsonObject("data"))
        .isEqualTo(new JsonObject().put("code", "unauthorized"));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void anUnknownNamespaceIsAConnectError(Transport transport) {
    JsonObject refused = node.connect("lost", "/nowhere", "admin", transport.opts());
    assertThat(refused.getBoolean("connected")).isFalse();
    assertThat(refused.getString("message")).isEqualTo("Invalid namespace");
    assertThat(refused.getValue("data")).isNull();
  }

  /**
   * Socket.IO's main namespace exists on every server, as in the protocol's reference server: a
   * client whose URL names no namespace connects, with the same token check as the others.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void theMainNamespaceExistsAndChecksTheTokenLikeTheOthers(Transport transport) {
    JsonObject root = node.connected("root", "/", "admin", transport.opts());
    assertThat(node.await("root", "connected").json(0))
        .isEqualTo(
            new JsonObject()
                .put("id", root.getString("id"))
                .put("namespace", "/")
                .put("recovered", false));
    JsonObject anonymous = node.connect("anonymous", "/", null, transport.opts());
    assertThat(anonymous.getBoolean("connected")).isFalse();
    assertThat(anonymous.getString("message")).isEqualTo("authentication required");
    assertThat(hub.health().getJsonObject("connections").getInteger("main")).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"WEBSOCKET", "POLLING_THEN_UPGRADE"})
  void mcpJoinAndLeaveAnswerThroughAcks(Transport transport) {
    node.connected("a", "/mcp", "admin", transport.opts());

    assertThat(node.ackOf("a", "join", new JsonObject().put("room", "room-1")))
        .isEqualTo(new JsonObject().put("room", "room-1").put("ok", true));
    Event joined = node.await("a", "joined");
    assertThat(joined.json(0)).isEqualTo(new JsonObject().put("room", "room-1"));

    for (Object bad :
        List.of(
            new JsonObject(),
            new JsonObject().put("room", ""),
            new JsonObject().put("room", "two words"),
            new JsonObject().put("room", 42),
            "room-1")) {
      JsonObject nack = node.ackOf("a", "join", bad);
      assertThat(nack.getBoolean("ok")).as("join %s", bad).isFalse();
      assertThat(nack.getJsonObject("error").getString("code"))
          .as("join %s", bad)
          .isEqualTo("bad_request");
      assertThat(nack.getJsonObject("error").getString("message")).isNotBlank();
    }
    JsonObject noArgs = (JsonObject) node.emitWithAck("a", "join");
    assertThat(noArgs.getJsonObject("error").getString("code")).isEqualTo("bad_request");

    assertThat(node.ackOf("a", "leave", new JsonObject().put("room", "room-1")))
        .isEqualTo(new JsonObject().put("room", "room-1").put("ok", true));
    assertThat(node.ackOf("a", "leave", new JsonObject()).getJsonObject("error").getString("code"))
        .isEqualTo("bad_request");

    JsonObject unknown = node.ackOf("a", "no-such-command", new JsonObject());
    assertThat(unknown.getBoolean("ok")).isFalse();
    assertThat(unknown.getJsonObject("error").getString("code")).isEqualTo("unknown_event");
    assertThat(node.events("a", "joined")).as("only the good join is announced").hasSize(1);
  }

  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"WEBSOCKET", "POLLING_THEN_UPGRADE"})
  void systemStatsFlowOnlyWhileSubscribed(Transport transport) {
    hub.vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.STATS_LATEST, msg -> msg.reply(new JsonObject().put("latest", true)))
        .completion()
        .await();
    node.connected("s", "/system", "admin", transport.opts());
    node.await("s", "connected");
    assertThat(hub.health().getInteger("activeStreams")).isZero();
    assertThat(node.events("s", "stats")).as("nothing before subscribing").isEmpty();

    assertThat(node.ackOf("s", "subscribe:stats")).isEqualTo(new JsonObject().put("ok", true));
    node.await("s", "stats", args -> args.getJsonObject(0).getBoolean("latest", false));
    assertThat(hub.health().getInteger("activeStreams")).isEqualTo(1);

    publish(
        Addresses.STATS_SYSTEM,
        new JsonObject().put("seq", 1).put("cpu", new JsonObject().put("usagePercent", 12.5)));
    publish(Addresses.STATS_SYSTEM, new JsonObject().put("seq", 2));
    Event first = node.await("s", "stats", args -> args.getJsonObject(0).getInteger("seq", 0) == 1);
    assertThat(first.json(0))
        .isEqualTo(
            new JsonObject().put("seq", 1).put("cpu", new JsonObject().put("usagePercent", 12.5)));
    assertThat(first.args()).as("stats are volatile: no recovery offset").hasSize(1);
    Event second =
        node.await("s", "stats", args -> args.getJsonObject(0).getInteger("seq", 0) == 2);
    assertThat(second.index()).isGreaterThan(first.index());

    assertThat(node.ackOf("s", "unsubscribe:stats")).isEqualTo(new JsonObject().put("ok", true));
    assertThat(hub.health().getInteger("activeStreams")).isZero();
    publish(Addresses.STATS_SYSTEM, new JsonObject().put("seq", 3));

    assertThat(node.ackOf("s", "subscribe:stats")).isEqualTo(new JsonObject().put("ok", true));
    assertThat(hub.health().getInteger("activeStreams")).isEqualTo(1);
    publish(Addresses.STATS_SYSTEM, new JsonObject().put("seq", 4));
    node.await("s", "stats", args -> args.getJsonObject(0).getInteger("seq", 0) == 4);
    assertThat(node.events("s", "stats"))
        .as("nothing relayed while unsubscribed")
        .noneMatch(e -> e.json(0).getInteger("seq", 0) == 3);

    node.disconnect("s");
    hub.awaitHealth(
        "no stream once the subscriber is gone",
        health ->
            health.getInteger("activeStreams") == 0
                && health.getJsonObject("connections").getInteger("system") == 0);
  }

  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"WEBSOCKET", "POLLING_THEN_UPGRADE"})
  void serviceLogsAreRelayedUntilTheStreamCloses(Transport transport) {
    hub.vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.SUPERVISOR_SERVICES_STATUS,
            msg ->
                msg.reply(
                    new JsonObject()
                        .put(
                            "services",
                            new JsonArray().add(new JsonObject().put("name", "svc-1")))))
        .completion()
        .await();
    node.connected("v", "/services", "admin", transport.opts());
    Event status = node.await("v", "services:status");
    assertThat(status.json(0).getJsonArray("services").getJsonObject(0).getString("name"))
        .isEqualTo("svc-1");
    int streamsBefore = hub.health().getInteger("activeStreams");

    assertThat(node.ackOf("v", "subscribe:logs", new JsonObject().put("serviceId", "svc-1")))
        .isEqualTo(new JsonObject().put("serviceId", "svc-1").put("ok", true));
    assertThat(hub.health().getInteger("activeStreams")).isEqualTo(streamsBefore + 1);
    for (Object bad :
        List.of(
            new JsonObject(),
            new JsonObject().put("serviceId", "../etc"),
            new JsonObject().put("serviceId", 7))) {
      assertThat(node.ackOf("v", "subscribe:logs", bad).getJsonObject("error").getString("code"))
          .as("%s", bad)
          .isEqualTo("bad_request");
    }

    JsonObject batch =
        new JsonObject()
            .put("serviceId", "svc-1")
            .put(
                "lines",
                new JsonArray()
                    .add(new JsonObject().put("stream", "stdout").put("line", "listening on :8080"))
                    .add(new JsonObject().put("stream", "stderr").put("line", "warming up")));
    publish(Addresses.serviceLogs("svc-1"), batch);
    publish(
        Addresses.serviceLogs("svc-2"),
        new JsonObject().put("serviceId", "svc-2").put("lines", new JsonArray()));
    publish(
        Addresses.serviceLogs("svc-1"),
        new JsonObject().put("serviceId", "svc-1").put("closed", true).put("reason", "exited"));

    Event logs = node.await("v", "logs");
    assertThat(logs.json(0))
        .as("the batch, and its lines as text in data, which seed 001's clients read")
        .isEqualTo(batch.copy().put("data", "listening on :8080\nwarming up\n"));
    assertThat(logs.args()).as("a relayed broadcast carries its recovery offset last").hasSize(2);
    assertThat(logs.arg(1)).isInstanceOf(String.class);
    Event closed = node.await("v", "stream:closed");
    assertThat(closed.json(0))
        .isEqualTo(new JsonObject().put("serviceId", "svc-1").put("reason", "exited"));
    assertThat(closed.index()).isGreaterThan(logs.index());
    assertThat(node.events("v", "logs")).as("svc-2 was never subscribed").hasSize(1);
    assertThat(hub.health().getInteger("activeStreams"))
        .as("a closed stream is no longer consumed")
        .isEqualTo(streamsBefore);
  }

  /**
   * Bug: after {@code stream:closed} the hub stops consuming the stream but leaves its subscribers
   * in the {@code logs:<id>} room, which still counts against {@code maxRoomsPerSocket}: a
   * dashboard that follows many short-lived streams (a service restarting) runs out of rooms and
   * gets {@code too_many_rooms} although it follows nothing live any more.
   */
  @Test
  void aClosedStreamFreesItsSubscribersRoom() {
    restartHub(new JsonObject().put("maxRoomsPerSocket", 3)); // its own room and two more
    node.connected("v", "/services", "admin", Transport.WEBSOCKET.opts());
    for (String id : List.of("run-1", "run-2", "run-3", "run-4")) {
      JsonObject ack = node.ackOf("v", "subscribe:logs", new JsonObject().put("serviceId", id));
      assertThat(ack)
          .as("subscribing to %s after the earlier streams closed", id)
          .isEqualTo(new JsonObject().put("serviceId", id).put("ok", true));
      publish(
          Addresses.serviceLogs(id),
          new JsonObject().put("serviceId", id).put("closed", true).put("reason", "exited"));
      node.await(
          "v", "stream:closed", args -> args.getJsonObject(0).getString("serviceId").equals(id));
    }
  }

  /**
   * Bug: subscribe:stats answered ok while the socket had no room left to join, and got no stats.
   */
  @Test
  void aSocketWithNoRoomLeftIsToldSoOnSubscribeStats() {
    restartHub(new JsonObject().put("maxRoomsPerSocket", 1)); // its own room only
    node.connected("s", "/system", "admin", Transport.WEBSOCKET.opts());
    JsonObject ack = node.ackOf("s", "subscribe:stats", new JsonObject());
    assertThat(ack.getBoolean("ok")).isFalse();
    assertThat(ack.getJsonObject("error").getString("code")).isEqualTo("too_many_rooms");
  }

  @Test
  void deploymentLogsAreRelayedToo() {
    node.connected("d", "/deployments", "admin", Transport.WEBSOCKET.opts());
    assertThat(node.ackOf("d", "subscribe:logs", new JsonObject().put("deploymentId", "dep-7")))
        .isEqualTo(new JsonObject().put("deploymentId", "dep-7").put("ok", true));
    publish(
        Addresses.deploymentLogs("dep-7"),
        new JsonObject().put("deploymentId", "dep-7").put("lines", new JsonArray().add("built")));
    publish(
        Addresses.deploymentLogs("dep-7"),
        new JsonObject().put("deploymentId", "dep-7").put("closed", true).put("reason", "done"));
    assertThat(node.await("d", "logs").json(0).getJsonArray("lines"))
        .isEqualTo(new JsonArray().add("built"));
    assertThat(node.await("d", "stream:closed").json(0))
        .isEqualTo(new JsonObject().put("deploymentId", "dep-7").put("reason", "done"));

    assertThat(
            node.ackOf("d", "subscribe:logs", new JsonObject().put("deploymentId", "dep-8"))
                .getBoolean("ok"))
        .isTrue();
    assertThat(node.ackOf("d", "unsubscribe:logs", new JsonObject().put("deploymentId", "dep-8")))
        .isEqualTo(new JsonObject().put("ok", true));
    hub.awaitHealth(
        "the dep-8 stream released",
        health -> health.getInteger("activeStreams") == streamsOfStatusOnly());
  }

  /** The namespace-wide status relays a connected /services or /deployments socket keeps. */
  private int streamsOfStatusOnly() {
    JsonObject connections = hub.health().getJsonObject("connections");
    return (connections.getInteger("services") > 0 ? 1 : 0)
        + (connections.getInteger("deployments") > 0 ? 1 : 0);
  }

  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"WEBSOCKET", "POLLING_THEN_UPGRADE"})
  void serviceControlAnswersWithTheSupervisorsReplyOrUnavailable(Transport transport) {
    node.connected("admin", "/services", "admin", transport.opts());
    node.connected("viewer", "/services", "viewer", transport.opts());
    JsonObject start = new JsonObject().put("name", "svc-1");

    JsonObject nobody = node.ackOf("admin", "services:start", start);
    assertThat(nobody.getBoolean("ok")).isFalse();
    assertThat(nobody.getJsonObject("error").getString("code")).isEqualTo("unavailable");

    hub.supervisorStartsServices();
    hub.supervisorAnswers(
        Addresses.SUPERVISOR_SERVICES_STOP,
        msg -> msg.fail(404, "no service " + msg.body().getString("name")));

    assertThat(node.ackOf("admin", "services:start", start))
        .isEqualTo(new JsonObject().put("name", "svc-1").put("state", "starting").put("ok", true));
    JsonObject missing = node.ackOf("admin", "services:stop", start);
    assertThat(missing.getBoolean("ok")).isFalse();
    assertThat(missing.getJsonObject("error").getString("code")).isEqualTo("not_found");
    assertThat(
            node.ackOf("admin", "services:start", new JsonObject())
                .getJsonObject("error")
                .getString("code"))
        .isEqualTo("bad_request");

    JsonObject forbidden = node.ackOf("viewer", "services:start", start);
    assertThat(forbidden.getBoolean("ok")).isFalse();
    assertThat(forbidden.getJsonObject("error").getString("code"))
        .as("the viewer token may not control services")
        .isEqualTo("forbidden");
  }

  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"WEBSOCKET", "POLLING_THEN_UPGRADE"})
  void filesWatchIsUnavailableWithoutTheFileProcessorAndRelaysChangesWithIt(Transport transport) {
    String socketId = node.connected("f", "/files", "admin", transport.opts()).getString("id");
    node.await("f", "connected");

    JsonObject unavailable = node.ackOf("f", "watch", new JsonObject().put("path", "inbox"));
    assertThat(unavailable.getBoolean("ok")).isFalse();
    assertThat(unavailable.getJsonObject("error"))
        .isEqualTo(
            new JsonObject()
                .put("code", "unavailable")
                .put("message", "no file-processor is running to serve watches"));
    assertThat(node.ackOf("f", "watch", new JsonObject()).getJsonObject("error").getString("code"))
        .isEqualTo("bad_request");

    List<JsonObject> watched = new CopyOnWriteArrayList<>();
    List<JsonObject> released = new CopyOnWriteArrayList<>();
    fileProcessorAnswers(
        Addresses.FILES_WATCH,
        msg -> {
          watched.add(msg.body());
          msg.reply(new JsonObject().put("watchId", "w-1").put("path", "inbox"));
        });
    fileProcessorAnswers(
        Addresses.FILES_UNWATCH,
        msg -> {
          released.add(msg.body());
          msg.reply(new JsonObject().put("watchId", "w-1").put("ended", true));
        });
    assertThat(
            node.ackOf(
                "f",
                "watch",
                new JsonObject()
                    .put("path", "inbox")
                    .put("recursive", true)
                    .put("exclude", new JsonArray().add("*.tmp"))))
        .isEqualTo(new JsonObject().put("watchId", "w-1").put("path", "inbox").put("ok", true));
    assertThat(watched)
        .as("the socket's id is the holder")
        .containsExactly(
            new JsonObject()
                .put("path", "inbox")
                .put("recursive", true)
                .put("exclude", new JsonArray().add("*.tmp"))
                .put("holder", socketId));
    JsonObject created =
        new JsonObject().put("watchId", "w-1").put("path", "a.png").put("changeType", "created");
    JsonObject deleted = created.copy().put("changeType", "deleted");
    publish(
        Addresses.fileChanges("w-1"),
        new JsonObject().put("changes", new JsonArray().add(created).add(deleted)));
    node.await("f", "change", args -> args.getJsonObject(0).equals(deleted));
    assertThat(node.events("f", "change"))
        .extracting(e -> e.json(0))
        .containsExactly(created, deleted);
    publish(
        Addresses.fileChanges("w-1"),
        new JsonObject()
            .put("error", new JsonObject().put("code", "limit").put("message", "too many")));
    assertThat(node.await("f", "watch:error").json(0))
        .isEqualTo(
            new JsonObject().put("code", "limit").put("message", "too many").put("watchId", "w-1"));

    JsonObject asset = new JsonObject().put("id", "a1").put("state", "processed");
    publish(Addresses.FILES_ASSETS, asset);
    assertThat(node.await("f", "asset:state").json(0)).isEqualTo(asset);
    JsonObject progress =
        new JsonObject()
            .put("uploadId", "u1")
            .put("name", "a.png")
            .put("received", 10)
            .put("total", 100)
            .put("seq", 1);
    publish(Addresses.FILES_UPLOADS, progress);
    assertThat(node.await("f", "upload:progress").json(0)).isEqualTo(progress);

    assertThat(node.ackOf("f", "unwatch", new JsonObject().put("watchId", "w-1")))
        .isEqualTo(new JsonObject().put("watchId", "w-1").put("ok", true));
    Eventually.within(NodeDriver.WAIT).until(() -> released, all -> all.size() == 1);
    assertThat(released)
        .containsExactly(new JsonObject().put("watchId", "w-1").put("holder", socketId));
    assertThat(hub.health().getInteger("activeStreams"))
        .as("the asset and upload streams, while /files has a socket")
        .isEqualTo(2);

    // a watch still held when the socket leaves is released for it
    node.ackOf("f", "watch", new JsonObject().put("path", "inbox"));
    node.disconnect("f");
    Eventually.within(NodeDriver.WAIT).until(() -> released, all -> all.size() == 2);
    assertThat(released.get(1)).isEqualTo(released.get(0));
    hub.awaitHealth("no stream left", health -> health.getInteger("activeStreams") == 0);
  }

  /** Stands in for the file-processor on {@code address}. */
  private void fileProcessorAnswers(String address, Consumer<Message<JsonObject>> answer) {
    hub.vertx.eventBus().<JsonObject>consumer(address, answer::accept).completion().await();
  }

  private void publish(String address, JsonObject body) {
    hub.vertx.eventBus().publish(address, body);
  }

  /** The driver's name for a namespace's client: {@code main} for {@code /}, else its name. */
  private static String client(String nsp) {
    return nsp.equals("/") ? "main" : nsp.substring(1);
  }
}
