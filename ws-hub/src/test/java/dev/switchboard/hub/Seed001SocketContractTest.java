package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seed 001's socket contract, "WebSocket Namespaces" and "Usage" of {@code
 * shared/seeds/001-websocket-architecture.md}, played with the npm socket.io-client and plain HTTP
 * against the hub, with the real supervisor behind {@code /services} and {@code /deployments} and
 * stand-ins for the host sampler and the file-processor. Each namespace's events are checked as the
 * seed lists them, client → server and server → client, and the seed's usage snippets are played as
 * written:
 *
 * <pre>
 * servicesWS.subscribeLogs('service-id', 'container-name', (data) =&gt; console.log('Log:', data.data))
 * await wsClient.emitToService('service-id', 'status', { status: 'running' })
 * await wsClient.emitToDeployment('deployment-id', 'deployed', { version: '1.0.0' })
 * </pre>
 *
 * The seed does not show its {@code ws-client} wrappers: {@code subscribeLogs} is played as {@code
 * emit("subscribe:logs", {serviceId, containerName})} (the hub reads {@code serviceId}), the
 * backend's emits as {@code POST /emit} to the service's room {@code logs:<id>} and to the whole
 * {@code /deployments}. The one change every client needs is the token.
 */
@Timeout(90)
class Seed001SocketContractTest extends HubClientTest {

  private static final String SERVICE_ID = "service-id";

  @BeforeEach
  void supervisedService() {
    hub.deploySupervisor();
    hub.createService(
        new JsonObject()
            .put("name", SERVICE_ID)
            .put("shell", true)
            .put("command", "echo first line; echo second line; exec sleep 300"));
  }

  /**
   * {@code /services}: subscribe:logs, unsubscribe:logs → logs, connected, error, stream:closed.
   */
  @Test
  void servicesStreamsLogsTheFrontendReadsAsDataData() {
    node.connected("frontend", "/services", "admin", new JsonObject());
    assertThat(node.await("frontend", "connected").json(0).getString("namespace"))
        .isEqualTo("/services");
    Bus.request(
            hub.vertx,
            Addresses.SUPERVISOR_SERVICES_START,
            new JsonObject().put("name", SERVICE_ID))
        .await();

    // servicesWS.subscribeLogs('service-id', 'container-name', (data) => ...data.data)
    node.emit(
        "frontend",
        "subscribe:logs",
        new JsonObject().put("serviceId", SERVICE_ID).put("containerName", "container-name"));
    node.await(
        "frontend",
        "logs",
        args -> args.getJsonObject(0).getString("data", "").contains("second line"));
    String text =
        node.events("frontend", "logs").stream()
            .map(event -> event.json(0).getString("data"))
            .collect(Collectors.joining());
    assertThat(text)
        .as("data.data of each logs event, the log text")
        .contains("first line\nsecond line\n");

    // await wsClient.emitToService('service-id', 'status', { status: 'running' })
    JsonObject emitted = new JsonObject().put("status", "running");
    assertThat(
            hub.emit(
                    new JsonObject()
                        .put("namespace", "/services")
                        .put("room", "logs:" + SERVICE_ID)
                        .put("event", "status")
                        .put("data", emitted))
                .statusCode())
        .isEqualTo(202);
    assertThat(node.await("frontend", "status").json(0)).isEqualTo(emitted);

    // error: a subscription that fails
    node.emit(
        "frontend",
        "subscribe:logs",
        new JsonObject().put("serviceId", "no-such-service").put("containerName", "nothing"));
    JsonObject error = node.await("frontend", "error").json(0);
    assertThat(error.getString("code")).isEqualTo("not_found");
    assertThat(error.getString("message")).contains("no-such-service");

    // stream:closed: the service (the seed's container) goes away
    Bus.request(
            hub.vertx,
            Addresses.SUPERVISOR_SERVICES_DELETE,
            new JsonObject().put("name", SERVICE_ID))
        .await();
    assertThat(node.await("frontend", "stream:closed").json(0))
        .isEqualTo(new JsonObject().put("serviceId", SERVICE_ID).put("reason", "deleted"));

    // unsubscribe:logs
    assertThat(node.ackOf("frontend", "unsubscribe:logs", new JsonObject()).getBoolean("ok"))
        .isTrue();
  }

  /** {@code /deployments}: subscribe:logs, unsubscribe:logs → logs, connected, error. */
  @Test
  void deploymentsAnswerTheirEventsAndBackendEmits() {
    node.connected("frontend", "/deployments", "admin", new JsonObject());
    node.await("frontend", "connected");

    node.emit("frontend", "subscribe:logs", new JsonObject().put("deploymentId", "4242"));
    assertThat(node.await("frontend", "error").json(0).getString("code")).isEqualTo("not_found");
    assertThat(node.ackOf("frontend", "unsubscribe:logs", new JsonObject()).getBoolean("ok"))
        .isTrue();

    // await wsClient.emitToDeployment('deployment-id', 'deployed', { version: '1.0.0' })
    JsonObject deployed = new JsonObject().put("version", "1.0.0");
    assertThat(
            hub.emit(
                    new JsonObject()
                        .put("namespace", "/deployments")
                        .put("event", "deployed")
                        .put("data", deployed))
                .statusCode())
        .isEqualTo(202);
    assertThat(node.await("frontend", "deployed").json(0)).isEqualTo(deployed);
  }

  /** {@code /system}: subscribe:stats, unsubscribe:stats → stats, connected. */
  @Test
  void systemStatsFlowWhileSubscribed() {
    node.connected("frontend", "/system", "admin", new JsonObject());
    node.await("frontend", "connected");
    assertThat(node.ackOf("frontend", "subscribe:stats").getBoolean("ok")).isTrue();
    hub.vertx.eventBus().publish(Addresses.STATS_SYSTEM, new JsonObject().put("cpu", 12.5));
    assertThat(node.await("frontend", "stats").json(0).getDouble("cpu")).isEqualTo(12.5);
    assertThat(node.ackOf("frontend", "unsubscribe:stats").getBoolean("ok")).isTrue();
  }

  /** {@code /mcp}: join, leave → joined, custom MCP events. */
  @Test
  void mcpRoomsGetCustomEvents() {
    node.connected("frontend", "/mcp", "admin", new JsonObject());
    node.emit("frontend", "join", new JsonObject().put("room", "mcp-server-1"));
    assertThat(node.await("frontend", "joined").json(0))
        .isEqualTo(new JsonObject().put("room", "mcp-server-1"));
    JsonObject progress = new JsonObject().put("tool", "search").put("percent", 40);
    hub.emit(
        new JsonObject()
            .put("namespace", "/mcp")
            .put("room", "mcp-server-1")
            .put("event", "tool:progress")
            .put("data", progress));
    assertThat(node.await("frontend", "tool:progress").json(0)).isEqualTo(progress);
    assertThat(
            node.ackOf("frontend", "leave", new JsonObject().put("room", "mcp-server-1"))
                .getBoolean("ok"))
        .isTrue();
  }

  /** {@code /files}: watch → change, connected. */
  @Test
  void filesWatchesSendChanges() {
    hub.supervisorAnswers(
        Addresses.FILES_WATCH, msg -> msg.reply(new JsonObject().put("watchId", "w1")));
    node.connected("frontend", "/files", "admin", new JsonObject());
    node.await("frontend", "connected");
    node.emit("frontend", "watch", new JsonObject().put("path", "/srv/library"));
    hub.awaitHealth("the watch's changes followed", h -> h.getInteger("activeStreams") >= 3);
    JsonObject change =
        new JsonObject().put("watchId", "w1").put("path", "notes.txt").put("changeType", "created");
    hub.vertx
        .eventBus()
        .publish(
            Addresses.fileChanges("w1"),
            new JsonObject().put("changes", new JsonArray().add(change)));
    assertThat(node.await("frontend", "change").json(0)).isEqualTo(change);
  }

  /** {@code curl http://localhost:3007/health}, in the seed's shape. */
  @Test
  void healthAnswersInTheSeedsShape() {
    node.connected("frontend", "/services", "admin", new JsonObject());
    JsonObject health = hub.health();
    assertThat(health.getBoolean("success")).isTrue();
    assertThat(health.getString("status")).isEqualTo("healthy");
    assertThat(health.getJsonObject("connections").fieldNames())
        .contains("services", "deployments", "system", "mcp", "files");
    assertThat(health.getJsonObject("connections").getInteger("services")).isEqualTo(1);
    assertThat(health.getInteger("activeStreams")).isNotNull();
  }
}
