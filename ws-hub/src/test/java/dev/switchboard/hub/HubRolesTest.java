package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.Role;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each role on each namespace and on {@code POST /emit}, as the npm socket.io-client sees it: the
 * admin and the operator send every event, the viewer every event that reads but none that
 * operates, the emitter joins no namespace and may only emit. The events come from the namespace
 * classes' own declarations, so a new event is covered as soon as it is declared.
 */
@Timeout(60)
class HubRolesTest extends HubClientTest {

  private List<HubNamespace> namespaces() {
    return HubNamespaces.create(hub.vertx, new Streams(hub.vertx));
  }

  /**
   * The role table on the socket: for each role that may join, every event of every namespace is
   * refused with a {@code forbidden} ack exactly when the role may not do the event's action.
   */
  @ParameterizedTest
  @EnumSource(
      value = Role.class,
      names = {"ADMIN", "OPERATOR", "VIEWER"})
  void everyEventOfEveryNamespaceFollowsTheRoleTable(Role role) {
    int refused = 0;
    for (HubNamespace namespace : namespaces()) {
      String client = role.label() + namespace.name();
      JsonObject connected =
          node.connected(client, namespace.name(), token(role), Transport.WEBSOCKET.opts());
      assertThat(node.await(client, "connected").json(0).getString("id"))
          .isEqualTo(connected.getString("id"));
      for (ClientEvent event : namespace.clientEvents()) {
        JsonObject ack = node.ackOf(client, event.name(), new JsonObject());
        String what = role.label() + " " + namespace.name() + " " + event.name() + ": " + ack;
        if (role.may(event.action())) {
          assertThat(code(ack)).as(what).isNotEqualTo("forbidden");
        } else {
          refused++;
          assertThat(code(ack)).as(what).isEqualTo("forbidden");
          assertThat(ack.getJsonObject("error").getString("message"))
              .as(what)
              .isEqualTo(
                  event.name()
                      + ": the "
                      + role.label()
                      + " role may not "
                      + event.action().label());
        }
      }
    }
    assertThat(refused).as("refused events").isEqualTo(role == Role.VIEWER ? 8 : 0);
  }

  @Test
  void theEventsThatOperateAreTheServiceControls() {
    assertThat(
            namespaces().stream()
                .flatMap(namespace -> namespace.clientEvents().stream())
                .filter(event -> event.action() == Action.OPERATE)
                .map(event -> event.name()))
        .as("on / and on /services")
        .containsExactlyInAnyOrder(
            "services:start",
            "services:stop",
            "services:restart",
            "services:refresh",
            "services:start",
            "services:stop",
            "services:restart",
            "services:refresh");
  }

  private static String token(Role role) {
    return switch (role) {
      case ADMIN -> HubFixture.ADMIN_TOKEN;
      case OPERATOR -> HubFixture.OPERATOR_TOKEN;
      case VIEWER -> HubFixture.VIEWER_TOKEN;
      case EMITTER -> HubFixture.EMIT_TOKEN;
    };
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
