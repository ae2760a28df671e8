package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seed 000's socket contract, "WebSocket Events" of {@code
 * shared/seeds/000-local-server-orchestrator.md}, played with the npm socket.io-client against the
 * hub and the real supervisor. The seed's client talks on the server's root namespace ({@code
 * io(url)}), sends {@code services:start}, {@code services:stop} and {@code services:refresh}, and
 * listens to {@code services:status} ("initial status data"), {@code services:update} ("service
 * status change") and {@code services:error} ("service error notification").
 *
 * <p>The one change every client needs is the token in the handshake. The seed does not say what
 * its client sends with a control event; the hub takes {@code {name}} or the name alone, and both
 * are played here. Its managed services are named as the seed names them: {@code fileProcessor},
 * {@code lmStudio}, {@code comfyUI}.
 */
@Timeout(90)
class Seed000SocketContractTest extends HubClientTest {

  private static final String FILE_PROCESSOR = "fileProcessor";
  private static final String LM_STUDIO = "lmStudio";
  private static final String COMFY_UI = "comfyUI";

  @BeforeEach
  void orchestratedServices() {
    hub.deploySupervisor();
    for (String name : List.of(FILE_PROCESSOR, LM_STUDIO)) {
      hub.createService(
          new JsonObject()
              .put("name", name)
              .put("command", new JsonArray().add("sleep").add("300")));
    }
    // ComfyUI not installed: "Services won't start"
    hub.createService(
        new JsonObject()
            .put("name", COMFY_UI)
            .put("command", new JsonArray().add("python3-comfyui-not-installed")));
  }

  @Test
  void theSeedsClientOnTheRootNamespace() {
    // const socket = io("http://localhost:3001")
    node.connected("ui", "/", "admin", new JsonObject());

    // services:status - Initial status data
    JsonObject initial = node.await("ui", "services:status").json(0);
    assertThat(names(initial)).containsExactlyInAnyOrder(FILE_PROCESSOR, LM_STUDIO, COMFY_UI);
    assertThat(initial.getString("timestamp")).isNotBlank();

    // services:start - Start a service; services:update - Service status change
    node.emit("ui", "services:start", new JsonObject().put("name", FILE_PROCESSOR));
    awaitState(FILE_PROCESSOR, "running");
    node.emit("ui", "services:start", LM_STUDIO);
    awaitState(LM_STUDIO, "running");

    // services:refresh - Refresh status; services:status again
    int mark = node.mark();
    node.emit("ui", "services:refresh");
    JsonObject refreshed = node.await("ui", "services:status", mark, args -> true).json(0);
    assertThat(refreshed.getJsonArray("services").stream().map(JsonObject.class::cast))
        .filteredOn(service -> service.getString("name").equals(LM_STUDIO))
        .singleElement()
        .satisfies(service -> assertThat(service.getString("state")).isEqualTo("running"));

    // services:stop - Stop a service
    node.emit("ui", "services:stop", new JsonObject().put("name", FILE_PROCESSOR));
    awaitState(FILE_PROCESSOR, "stopped");

    // services:error - Service error notification
    node.emit("ui", "services:start", new JsonObject().put("name", COMFY_UI));
    JsonObject error = node.await("ui", "services:error").json(0);
    assertThat(error.getString("name")).isEqualTo(COMFY_UI);
    assertThat(error.getString("state")).isEqualTo("failed");
    assertThat(error.getString("message"))
        .contains("command not found: python3-comfyui-not-installed");
  }

  /** The root namespace checks tokens and roles as {@code /services} does. */
  @Test
  void aViewerOnTheRootNamespaceWatchesButDoesNotControl() {
    node.connected("monitor", "/", "viewer", new JsonObject());
    node.await("monitor", "services:status");
    node.emit("monitor", "services:start", new JsonObject().put("name", FILE_PROCESSOR));
    assertThat(node.await("monitor", "error").json(0).getString("code")).isEqualTo("forbidden");

    JsonObject anonymous = node.connect("anonymous", "/", null, new JsonObject());
    assertThat(anonymous.getBoolean("connected")).isFalse();
    assertThat(anonymous.getString("message")).isEqualTo("authentication required");
  }

  private void awaitState(String name, String state) {
    node.await(
        "ui",
        "services:update",
        args ->
            name.equals(args.getJsonObject(0).getString("name"))
                && state.equals(args.getJsonObject(0).getString("state")));
  }

  private static List<String> names(JsonObject status) {
    return status.getJsonArray("services").stream()
        .map(service -> ((JsonObject) service).getString("name"))
        .toList();
  }
}
