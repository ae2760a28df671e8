package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.auth.Action;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each role on each namespace and on {@code POST /emit}, as the npm socket.io-client sees it: the
 * admin does everything, the viewer joins every namespace and sends every event that reads but none
 * that controls, the emitter joins no namespace and may only emit. The events come from the
 * namespace classes' own declarations, so a new event is covered as soon as it is declared.
 */
@Timeout(60)
class HubRolesTest extends HubClientTest {

  private List<HubNamespace> namespaces() {
    return HubNamespaces.create(hub.vertx, new Streams(hub.vertx));
  }

  @Test
  void theAdminSendsEveryEventOfEveryNamespace() {
    for (HubNamespace namespace : namespaces()) {
      String client = "admin" + namespace.name();
      node.connected(client, namespace.name(), "admin", Transport.WEBSOCKET.opts());
      for (ClientEvent event : namespace.clientEvents()) {
        JsonObject ack = node.ackOf(client, event.name(), new JsonObject());
        assertThat(code(ack))
            .as("admin %s %s: %s", namespace.name(), event.name(), ack)
            .isNotEqualTo("forbidden");
      }
    }
  }

  @Test
  void theViewerReadsEveryNamespaceButControlsNothing() {
    for (HubNamespace namespace : namespaces()) {
      String client = "viewer" + namespace.name();
      JsonObject connected =
          node.connected(client, namespace.name(), "viewer", Transport.WEBSOCKET.opts());
      assertThat(node.await(client, "connected").json(0).getString("id"))
          .isEqualTo(connected.getString("id"));
      for (ClientEvent event : namespace.clientEvents()) {
        JsonObject ack = node.ackOf(client, event.name(), new JsonObject());
        String what = "viewer " + namespace.name() + " " + event.name() + ": " + ack;
        if (event.action() == Action.READ) {
          assertThat(code(ack)).as(what).isNotEqualTo("forbidden");
        } else {
          assertThat(code(ack)).as(what).isEqualTo("forbidden");
          assertThat(ack.getJsonObject("error").getString("message"))
              .as(what)
              .isEqualTo(event.name() + " needs a role that may control; the viewer role may not");
        }
      }
    }
    assertThat(
            namespaces().stream()
                .flatMap(namespace -> namespace.clientEvents().stream())
                .map(ClientEvent::name))
        .as("the control events exist, so the loop above refused some")
        .contains("services:start", "services:stop", "services:restart", "services:refresh");
  }

  /**
   * Bug: the emit token, meant for POST /emit only, joined every namespace and could read logs and
   * watch files.
   */
  @Test
  void theEmitterJoinsNoNamespace() {
    for (String name : HubNamespaces.NAMES) {
      JsonObject refused = node.connect("emitter" + name, name, "emit", Transport.WEBSOCKET.opts());
      assertThat(refused.getBoolean("connected")).as(name).isFalse();
      assertThat(refused.getString("message"))
          .as(name)
          .isEqualTo("the emitter role may not join a namespace");
      assertThat(refused.getJsonObject("data"))
          .as(name)
          .isEqualTo(new JsonObject().put("code", "forbidden"));
    }
    assertThat(hub.health().getJsonObject("connections").stream().map(entry -> entry.getValue()))
        .containsOnly(0);
  }

  @Test
  void onlyTheEmitterAndTheAdminMayEmit() {
    JsonObject emit = new JsonObject().put("namespace", "/mcp").put("event", "news");
    assertThat(hub.post("/emit", HubFixture.EMIT_TOKEN, emit.toBuffer()).statusCode())
        .isEqualTo(202);
    assertThat(hub.post("/emit", HubFixture.ADMIN_TOKEN, emit.toBuffer()).statusCode())
        .isEqualTo(202);
    HttpResponse<Buffer> viewer = hub.post("/emit", HubFixture.VIEWER_TOKEN, emit.toBuffer());
    assertThat(viewer.statusCode()).isEqualTo(403);
    assertThat(viewer.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(hub.post("/emit", "not-a-known-token-0123456789", emit.toBuffer()).statusCode())
        .isEqualTo(401);
  }

  private static String code(JsonObject ack) {
    return ack.getBoolean("ok") ? "ok" : ack.getJsonObject("error").getString("code");
  }
}
